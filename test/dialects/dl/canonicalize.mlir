// RUN: dlc-opt %s --canonicalize --split-input-file | FileCheck %s

// Folds and patterns of DLCanonicalize.cpp: each rule has a case where it
// fires and a case where it must not.

//===----------------------------------------------------------------------===//
// Identities of binary ops: x + (-0.0), x - 0.0, x * 1, x / 1, x ^ 1; for
// integers x + 0 and x - 0. Float identities compare bitwise: IEEE gives
// -0.0 + 0.0 = +0.0, so x + 0.0 is not x when x is -0.0, and x - (-0.0) is
// not x either.
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @add_minus_zero
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @add_minus_zero(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = dl.constant dense<-0.0> : tensor<8xf32>
  %a = dl.add %x, %zero : tensor<4x8xf32>, tensor<8xf32>
  %b = dl.add %zero, %x : tensor<8xf32>, tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @add_minus_zero_bf16
// CHECK-SAME: (%[[X:.*]]: tensor<4xbf16>)
// CHECK-NEXT: return %[[X]]
func.func @add_minus_zero_bf16(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %zero = dl.constant dense<-0.0> : tensor<bf16>
  %y = dl.add %x, %zero : tensor<4xbf16>, tensor<bf16>
  return %y : tensor<4xbf16>
}

// -----

// -0.0 + 0.0 is +0.0: adding +0.0 is not the identity for floats.
// CHECK-LABEL: func.func @add_plus_zero
// CHECK: %[[ZERO:.*]] = dl.constant dense<0.000000e+00> : tensor<8xf32>
// CHECK: %[[A:.*]] = dl.add %{{.*}}, %[[ZERO]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK: %[[B:.*]] = dl.add %[[ZERO]], %{{.*}} : tensor<8xf32>, tensor<4x8xf32>
// CHECK: return %[[A]], %[[B]]
func.func @add_plus_zero(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = dl.constant dense<0.0> : tensor<8xf32>
  %a = dl.add %x, %zero : tensor<4x8xf32>, tensor<8xf32>
  %b = dl.add %zero, %x : tensor<8xf32>, tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// The zero broadcasts x to a larger shape, so the sum is not x.
// CHECK-LABEL: func.func @add_zero_that_broadcasts_x
// CHECK: %[[ZERO:.*]] = dl.constant dense<-0.000000e+00> : tensor<4x8xf32>
// CHECK: %[[SUM:.*]] = dl.add %{{.*}}, %[[ZERO]] : tensor<8xf32>, tensor<4x8xf32>
// CHECK: return %[[SUM]]
func.func @add_zero_that_broadcasts_x(%x: tensor<8xf32>) -> tensor<4x8xf32> {
  %zero = dl.constant dense<-0.0> : tensor<4x8xf32>
  %y = dl.add %x, %zero : tensor<8xf32>, tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Only a constant whose every element is the identity folds.
// CHECK-LABEL: func.func @add_non_splat_constant
// CHECK: %[[C:.*]] = dl.constant dense<[-0.000000e+00, 1.000000e+00]>
// CHECK: %[[SUM:.*]] = dl.add %{{.*}}, %[[C]]
// CHECK: return %[[SUM]]
func.func @add_non_splat_constant(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = dl.constant dense<[-0.0, 1.0]> : tensor<2xf32>
  %y = dl.add %x, %c : tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// NaN is no identity: x + NaN, x - NaN, x * NaN stay.
// CHECK-LABEL: func.func @nan_operands
// CHECK: %[[NAN:.*]] = dl.constant dense<0x7FC00000> : tensor<f32>
// CHECK: %[[A:.*]] = dl.add %{{.*}}, %[[NAN]]
// CHECK: %[[S:.*]] = dl.sub %{{.*}}, %[[NAN]]
// CHECK: %[[M:.*]] = dl.mul %[[NAN]], %{{.*}}
// CHECK: return %[[A]], %[[S]], %[[M]]
func.func @nan_operands(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %nan = dl.constant dense<0x7FC00000> : tensor<f32>
  %a = dl.add %x, %nan : tensor<4xf32>, tensor<f32>
  %s = dl.sub %x, %nan : tensor<4xf32>, tensor<f32>
  %m = dl.mul %nan, %x : tensor<f32>, tensor<4xf32>
  return %a, %s, %m : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Integers have one zero: x + 0 and 0 + x fold.
// CHECK-LABEL: func.func @add_zero_integer
// CHECK-SAME: (%[[X:.*]]: tensor<3xi32>, %[[Y:.*]]: tensor<2xui8>)
// CHECK-NEXT: return %[[X]], %[[Y]]
func.func @add_zero_integer(%x: tensor<3xi32>, %y: tensor<2xui8>) -> (tensor<3xi32>, tensor<2xui8>) {
  %zero = dl.constant dense<0> : tensor<i32>
  %a = dl.add %x, %zero : tensor<3xi32>, tensor<i32>
  %zero8 = dl.constant dense<0> : tensor<2xui8>
  %b = dl.add %zero8, %y : tensor<2xui8>
  return %a, %b : tensor<3xi32>, tensor<2xui8>
}

// -----

// CHECK-LABEL: func.func @sub_zero
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[I:.*]]: tensor<4xi64>)
// CHECK-NEXT: return %[[X]], %[[I]]
func.func @sub_zero(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xi64>) {
  %zero = dl.constant dense<0.0> : tensor<f32>
  %y = dl.sub %x, %zero : tensor<4xf32>, tensor<f32>
  %izero = dl.constant dense<0> : tensor<i64>
  %j = dl.sub %i, %izero : tensor<4xi64>, tensor<i64>
  return %y, %j : tensor<4xf32>, tensor<4xi64>
}

// -----

// -0.0 - (-0.0) is +0.0: subtracting -0.0 is not the identity.
// CHECK-LABEL: func.func @sub_minus_zero
// CHECK: %[[D:.*]] = dl.sub
// CHECK: return %[[D]]
func.func @sub_minus_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = dl.constant dense<-0.0> : tensor<f32>
  %y = dl.sub %x, %zero : tensor<4xf32>, tensor<f32>
  return %y : tensor<4xf32>
}

// -----

// 0 - x is -x, not x.
// CHECK-LABEL: func.func @zero_sub
// CHECK: %[[D:.*]] = dl.sub
// CHECK: return %[[D]]
func.func @zero_sub(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = dl.constant dense<0.0> : tensor<4xf32>
  %y = dl.sub %zero, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @mul_one
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @mul_one(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %one = dl.constant dense<1.0> : tensor<1x3xf32>
  %a = dl.mul %x, %one : tensor<2x3xf32>, tensor<1x3xf32>
  %b = dl.mul %one, %x : tensor<1x3xf32>, tensor<2x3xf32>
  return %a, %b : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @mul_one_unsigned
// CHECK-SAME: (%[[X:.*]]: tensor<4xui8>)
// CHECK-NEXT: return %[[X]]
func.func @mul_one_unsigned(%x: tensor<4xui8>) -> tensor<4xui8> {
  %one = dl.constant dense<1> : tensor<4xui8>
  %y = dl.mul %one, %x : tensor<4xui8>
  return %y : tensor<4xui8>
}

// -----

// x * 1 where the ones have more dimensions than x: the product broadcasts.
// CHECK-LABEL: func.func @mul_one_that_broadcasts_x
// CHECK: %[[P:.*]] = dl.mul %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<2x3xf32>
// CHECK: return %[[P]]
func.func @mul_one_that_broadcasts_x(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %one = dl.constant dense<1.0> : tensor<2x3xf32>
  %y = dl.mul %x, %one : tensor<3xf32>, tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @mul_two
// CHECK: %[[P:.*]] = dl.mul
// CHECK: return %[[P]]
func.func @mul_two(%x: tensor<3xf32>) -> tensor<3xf32> {
  %two = dl.constant dense<2.0> : tensor<3xf32>
  %y = dl.mul %x, %two : tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @div_one
// CHECK-SAME: (%[[X:.*]]: tensor<4xbf16>)
// CHECK-NEXT: return %[[X]]
func.func @div_one(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %one = dl.constant dense<1.0> : tensor<bf16>
  %y = dl.div %x, %one : tensor<4xbf16>, tensor<bf16>
  return %y : tensor<4xbf16>
}

// -----

// 1 / x is a reciprocal, not x.
// CHECK-LABEL: func.func @one_div
// CHECK: %[[Q:.*]] = dl.div
// CHECK: return %[[Q]]
func.func @one_div(%x: tensor<4xf32>) -> tensor<4xf32> {
  %one = dl.constant dense<1.0> : tensor<4xf32>
  %y = dl.div %one, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @pow_one
// CHECK-SAME: (%[[X:.*]]: tensor<4xf16>)
// CHECK-NEXT: return %[[X]]
func.func @pow_one(%x: tensor<4xf16>) -> tensor<4xf16> {
  %one = dl.constant dense<1.0> : tensor<f16>
  %y = dl.pow %x, %one : tensor<4xf16>, tensor<f16>
  return %y : tensor<4xf16>
}

// -----

// 1 ^ x is 1, not x.
// CHECK-LABEL: func.func @one_pow
// CHECK: %[[P:.*]] = dl.pow
// CHECK: return %[[P]]
func.func @one_pow(%x: tensor<4xf32>) -> tensor<4xf32> {
  %one = dl.constant dense<1.0> : tensor<4xf32>
  %y = dl.pow %one, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// max(x, x), min(x, x)
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @maximum_minimum_of_same_value
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @maximum_minimum_of_same_value(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = dl.maximum %x, %x : tensor<4xf32>
  %b = dl.minimum %x, %x : tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @maximum_of_different_values
// CHECK: %[[M:.*]] = dl.maximum
// CHECK: return %[[M]]
func.func @maximum_of_different_values(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %m = dl.maximum %x, %y : tensor<4xf32>
  return %m : tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// A binary op absorbs a broadcast_to of an operand.
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @binary_absorbs_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[SUM:.*]] = dl.add %[[X]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[MAX:.*]] = dl.maximum %[[B]], %[[X]] : tensor<8xf32>, tensor<4x8xf32>
// CHECK-NEXT: return %[[SUM]], %[[MAX]]
func.func @binary_absorbs_broadcast(%x: tensor<4x8xf32>, %b: tensor<8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %bb = dl.broadcast_to %b : tensor<8xf32> -> tensor<4x8xf32>
  %sum = dl.add %x, %bb : tensor<4x8xf32>
  %max = dl.maximum %bb, %x : tensor<4x8xf32>
  return %sum, %max : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Both broadcasts go when the operands still broadcast to the result.
// CHECK-LABEL: func.func @binary_absorbs_both_broadcasts
// CHECK-SAME: (%[[A:.*]]: tensor<4x1xf32>, %[[B:.*]]: tensor<1x8xf32>)
// CHECK-NEXT: %[[P:.*]] = dl.mul %[[A]], %[[B]] : tensor<4x1xf32>, tensor<1x8xf32>
// CHECK-NEXT: return %[[P]] : tensor<4x8xf32>
func.func @binary_absorbs_both_broadcasts(%a: tensor<4x1xf32>, %b: tensor<1x8xf32>)
    -> tensor<4x8xf32> {
  %ba = dl.broadcast_to %a : tensor<4x1xf32> -> tensor<4x8xf32>
  %bb = dl.broadcast_to %b : tensor<1x8xf32> -> tensor<4x8xf32>
  %p = dl.mul %ba, %bb : tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}

// -----

// The broadcast sets the result's shape, so it must stay; of two broadcasts
// of scalars, one stays.
// CHECK-LABEL: func.func @binary_keeps_shape_setting_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<8xf32>, %[[Y:.*]]: tensor<8xf32>, %[[S:.*]]: tensor<f32>)
// CHECK-NEXT: %[[BX:.*]] = dl.broadcast_to %[[X]] : tensor<8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[SUM:.*]] = dl.add %[[BX]], %[[Y]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[BS:.*]] = dl.broadcast_to %[[S]] : tensor<f32> -> tensor<4xf32>
// CHECK-NEXT: %[[P:.*]] = dl.mul %[[S]], %[[BS]] : tensor<f32>, tensor<4xf32>
// CHECK-NEXT: return %[[SUM]], %[[P]]
func.func @binary_keeps_shape_setting_broadcast(%x: tensor<8xf32>, %y: tensor<8xf32>,
    %s: tensor<f32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  %bx = dl.broadcast_to %x : tensor<8xf32> -> tensor<4x8xf32>
  %sum = dl.add %bx, %y : tensor<4x8xf32>, tensor<8xf32>
  %bs = dl.broadcast_to %s : tensor<f32> -> tensor<4xf32>
  %p = dl.mul %bs, %bs : tensor<4xf32>
  return %sum, %p : tensor<4x8xf32>, tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// Unary: neg(neg(x)), cast to the same type.
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @neg_neg
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>)
// CHECK-NEXT: return %[[X]]
func.func @neg_neg(%x: tensor<4xi32>) -> tensor<4xi32> {
  %a = dl.neg %x : tensor<4xi32>
  %b = dl.neg %a : tensor<4xi32>
  return %b : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @neg_once
// CHECK: %[[N:.*]] = dl.neg
// CHECK-NEXT: return %[[N]]
func.func @neg_once(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = dl.neg %x : tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @cast_to_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @cast_to_same_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = dl.cast %x : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @cast_to_other_type
// CHECK: %[[C:.*]] = dl.cast %{{.*}} : tensor<4xui8> -> tensor<4xf32>
// CHECK-NEXT: return %[[C]]
func.func @cast_to_other_type(%x: tensor<4xui8>) -> tensor<4xf32> {
  %y = dl.cast %x : tensor<4xui8> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @reshape_to_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_to_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dl.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.*]] = dl.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_of_reshape(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %a = dl.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %b = dl.reshape %a : tensor<24xf32> -> tensor<4x6xf32>
  return %b : tensor<4x6xf32>
}

// -----

// A reshape chain back to the original shape is the identity.
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = dl.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %b = dl.reshape %a : tensor<6xf32> -> tensor<3x2xf32>
  %c = dl.reshape %b : tensor<3x2xf32> -> tensor<2x3xf32>
  return %c : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_constant
// CHECK-NEXT: %[[C:.*]] = dl.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_of_constant() -> tensor<2x2xi32> {
  %c = dl.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %r = dl.reshape %c : tensor<4xi32> -> tensor<2x2xi32>
  return %r : tensor<2x2xi32>
}

// -----

// CHECK-LABEL: func.func @reshape_that_changes_shape
// CHECK: %[[R:.*]] = dl.reshape %{{.*}} : tensor<2x3xf32> -> tensor<6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_that_changes_shape(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  %y = dl.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  return %y : tensor<6xf32>
}

//===----------------------------------------------------------------------===//
// broadcast_to
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @broadcast_to_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @broadcast_to_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dl.broadcast_to %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_of_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<3x1xf32>)
// CHECK-NEXT: %[[B:.*]] = dl.broadcast_to %[[X]] : tensor<3x1xf32> -> tensor<2x3x4xf32>
// CHECK-NEXT: return %[[B]]
func.func @broadcast_of_broadcast(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %a = dl.broadcast_to %x : tensor<3x1xf32> -> tensor<3x4xf32>
  %b = dl.broadcast_to %a : tensor<3x4xf32> -> tensor<2x3x4xf32>
  return %b : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_of_splat
// CHECK-NEXT: %[[C:.*]] = dl.constant dense<5.000000e-01> : tensor<4x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @broadcast_of_splat() -> tensor<4x3xf32> {
  %c = dl.constant dense<0.5> : tensor<3xf32>
  %b = dl.broadcast_to %c : tensor<3xf32> -> tensor<4x3xf32>
  return %b : tensor<4x3xf32>
}

// -----

// Broadcasting data that is not a splat would copy it; the op stays.
// CHECK-LABEL: func.func @broadcast_of_non_splat_constant
// CHECK: %[[C:.*]] = dl.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: %[[B:.*]] = dl.broadcast_to %[[C]] : tensor<2xf32> -> tensor<3x2xf32>
// CHECK-NEXT: return %[[B]]
func.func @broadcast_of_non_splat_constant() -> tensor<3x2xf32> {
  %c = dl.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = dl.broadcast_to %c : tensor<2xf32> -> tensor<3x2xf32>
  return %b : tensor<3x2xf32>
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @identity_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dl.transpose %x perm = [0, 1] : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_chain_to_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_chain_to_identity(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %a = dl.transpose %x perm = [1, 2, 0] : tensor<2x3x4xf32>
  %b = dl.transpose %a perm = [2, 0, 1] : tensor<3x4x2xf32>
  return %b : tensor<2x3x4xf32>
}

// -----

// The chain is not the identity: it composes to one transpose of x. The
// first transpose stays for its other user.
// CHECK-LABEL: func.func @transpose_chain_composes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-DAG: %[[A:.*]] = dl.transpose %[[X]] perm = [1, 2, 0] : tensor<2x3x4xf32>
// CHECK-DAG: %[[B:.*]] = dl.transpose %[[X]] perm = [2, 1, 0] : tensor<2x3x4xf32>
// CHECK: return %[[B]], %[[A]] : tensor<4x3x2xf32>, tensor<3x4x2xf32>
func.func @transpose_chain_composes(%x: tensor<2x3x4xf32>)
    -> (tensor<4x3x2xf32>, tensor<3x4x2xf32>) {
  %a = dl.transpose %x perm = [1, 2, 0] : tensor<2x3x4xf32>
  %b = dl.transpose %a perm = [1, 0, 2] : tensor<3x4x2xf32>
  return %b, %a : tensor<4x3x2xf32>, tensor<3x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_of_splat
// CHECK-NEXT: %[[C:.*]] = dl.constant dense<2> : tensor<3x2xi64>
// CHECK-NEXT: return %[[C]]
func.func @transpose_of_splat() -> tensor<3x2xi64> {
  %c = dl.constant dense<2> : tensor<2x3xi64>
  %t = dl.transpose %c perm = [1, 0] : tensor<2x3xi64>
  return %t : tensor<3x2xi64>
}

// -----

// CHECK-LABEL: func.func @transpose_of_non_splat_constant
// CHECK: %[[C:.*]] = dl.constant dense<{{\[}}[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK-NEXT: %[[T:.*]] = dl.transpose %[[C]] perm = [1, 0] : tensor<2x3xi64>
// CHECK-NEXT: return %[[T]]
func.func @transpose_of_non_splat_constant() -> tensor<3x2xi64> {
  %c = dl.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %t = dl.transpose %c perm = [1, 0] : tensor<2x3xi64>
  return %t : tensor<3x2xi64>
}

// -----

// CHECK-LABEL: func.func @transpose_that_permutes
// CHECK: %[[T:.*]] = dl.transpose %{{.*}} perm = [1, 0] : tensor<2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_that_permutes(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = dl.transpose %x perm = [1, 0] : tensor<2x3xf32>
  return %t : tensor<3x2xf32>
}

//===----------------------------------------------------------------------===//
// batch_norm only reads its running statistics in inference form, so an
// unused one goes; the training form writes them and stays.
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: module @unused_batch_norm
// CHECK: func.func @unused_batch_norm(%[[X:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<8xf32>)
// CHECK-NEXT: dl.batch_norm %[[X]], %[[G]], %[[G]] running = (@mean, @var) training
// CHECK-NEXT: return %[[X]]
module @unused_batch_norm {
  dl.param state @mean : tensor<8xf32> = #dl.zeros
  dl.param state @var : tensor<8xf32> = #dl.ones
  func.func @unused_batch_norm(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
    %a = dl.batch_norm %x, %g, %g running = (@mean, @var) : tensor<4x8xf32>, tensor<8xf32>
    %b = dl.batch_norm %x, %g, %g running = (@mean, @var) training : tensor<4x8xf32>, tensor<8xf32>
    return %x : tensor<4x8xf32>
  }
}

// -----

// A transpose that moves only unit dims is a reshape; one that reorders two
// dims of size > 1 is not.
// CHECK-LABEL: func.func @transpose_unit_dims
// CHECK-NEXT: %[[R:.*]] = dl.reshape %{{.*}} : tensor<8x1x5x6xf32> -> tensor<8x5x6x1xf32>
// CHECK-NEXT: %[[T:.*]] = dl.transpose %{{.*}} perm = [0, 1, 3, 2] : tensor<8x1x5x6xf32>
// CHECK-NEXT: return %[[R]], %[[T]]
func.func @transpose_unit_dims(%x: tensor<8x1x5x6xf32>) -> (tensor<8x5x6x1xf32>, tensor<8x1x6x5xf32>) {
  %a = dl.transpose %x perm = [0, 2, 3, 1] : tensor<8x1x5x6xf32>
  %b = dl.transpose %x perm = [0, 1, 3, 2] : tensor<8x1x5x6xf32>
  return %a, %b : tensor<8x5x6x1xf32>, tensor<8x1x6x5xf32>
}

// -----

// Dropout at rate 0 is the identity; otherwise it stays, outside training
// too (the training step is built from the same function later; lowering
// drops the inference form).
// CHECK-LABEL: func.func @dropout_identity
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[A:.*]] = dl.dropout %[[X]] rate = 5.000000e-01 : tensor<4x8xf32>
// CHECK-NEXT: %[[D:.*]] = dl.dropout %[[X]] rate = 5.000000e-01 training : tensor<4x8xf32>
// CHECK-NEXT: return %[[A]], %[[X]], %[[D]]
func.func @dropout_identity(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %a = dl.dropout %x rate = 0.5 : tensor<4x8xf32>
  %b = dl.dropout %x rate = 0.0 training : tensor<4x8xf32>
  %c = dl.dropout %x rate = 0.5 training : tensor<4x8xf32>
  return %a, %b, %c : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A float constant cast to another float type folds, rounded to nearest;
// casts to integers stay (their saturation happens at run time).
// CHECK-LABEL: func.func @cast_constant
// CHECK-DAG: %[[F:.*]] = dl.constant dense<1.000000e-01> : tensor<f32>
// CHECK-DAG: %[[C:.*]] = dl.constant dense<2.500000e+00> : tensor<f64>
// CHECK-DAG: %[[I:.*]] = dl.cast %[[C]] : tensor<f64> -> tensor<i32>
// CHECK: return %[[F]], %[[I]]
func.func @cast_constant() -> (tensor<f32>, tensor<i32>) {
  %c = dl.constant dense<0.1> : tensor<f64>
  %f = dl.cast %c : tensor<f64> -> tensor<f32>
  %d = dl.constant dense<2.5> : tensor<f64>
  %i = dl.cast %d : tensor<f64> -> tensor<i32>
  return %f, %i : tensor<f32>, tensor<i32>
}
