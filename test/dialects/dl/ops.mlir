// RUN: dlc-opt %s --split-input-file --verify-roundtrip | FileCheck %s

// Round trip of every dl op. Result types that the ops infer are pinned by
// returning them from functions whose declared result types are the expected
// shapes: a wrong inference fails verification before FileCheck runs.

// CHECK-LABEL: module @params
// CHECK: dl.param @he : tensor<4x3xf32> = #dl.he_normal
// CHECK: dl.param @conv : tensor<8x4x3x3xf32> = #dl.glorot_uniform
// CHECK: dl.param @b : tensor<3xf32> = #dl.zeros
// CHECK: dl.param @table : tensor<2x2xf32> = dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: dl.param @splat : tensor<3xf64> = dense<5.000000e-01> : tensor<3xf64>
// CHECK: dl.param state @ids : tensor<3xi32> = dense<[0, 1, 2]> : tensor<3xi32>
// CHECK: dl.param state @mask : tensor<2xi1> = dense<[true, false]> : tensor<2xi1>
// CHECK: dl.param state @count : tensor<i64> = #dl.ones
// CHECK: dl.param state @mean : tensor<3xf32> = #dl.zeros
// CHECK: dl.param state @var : tensor<3xf32> = #dl.ones
// CHECK: dl.param state @steps : tensor<i32> = dense<0> : tensor<i32>
// CHECK-LABEL: func.func @read_params()
// CHECK-SAME: -> (tensor<4x3xf32>, tensor<2x2xf32>, tensor<3xi32>, tensor<3xf32>, tensor<i32>)
// CHECK: %[[HE:.*]] = dl.param.get @he : tensor<4x3xf32>
// CHECK: %[[TABLE:.*]] = dl.param.get @table : tensor<2x2xf32>
// CHECK: %[[IDS:.*]] = dl.param.get @ids : tensor<3xi32>
// CHECK: %[[MEAN:.*]] = dl.param.get @mean : tensor<3xf32>
// CHECK: %[[STEPS:.*]] = dl.param.get @steps : tensor<i32>
// CHECK: return %[[HE]], %[[TABLE]], %[[IDS]], %[[MEAN]], %[[STEPS]]
module @params {
  dl.param @he : tensor<4x3xf32> = #dl.he_normal
  dl.param @conv : tensor<8x4x3x3xf32> = #dl.glorot_uniform
  dl.param @b : tensor<3xf32> = #dl.zeros
  dl.param @table : tensor<2x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  dl.param @splat : tensor<3xf64> = dense<0.5> : tensor<3xf64>
  dl.param state @ids : tensor<3xi32> = dense<[0, 1, 2]> : tensor<3xi32>
  dl.param state @mask : tensor<2xi1> = dense<[true, false]> : tensor<2xi1>
  dl.param state @count : tensor<i64> = #dl.ones
  dl.param state @mean : tensor<3xf32> = #dl.zeros
  dl.param state @var : tensor<3xf32> = #dl.ones
  dl.param state @steps : tensor<i32> = dense<0> : tensor<i32>
  func.func @read_params() -> (tensor<4x3xf32>, tensor<2x2xf32>, tensor<3xi32>, tensor<3xf32>, tensor<i32>) {
    %he = dl.param.get @he : tensor<4x3xf32>
    %table = dl.param.get @table : tensor<2x2xf32>
    %ids = dl.param.get @ids : tensor<3xi32>
    %mean = dl.param.get @mean : tensor<3xf32>
    %steps = dl.param.get @steps : tensor<i32>
    return %he, %table, %ids, %mean, %steps : tensor<4x3xf32>, tensor<2x2xf32>, tensor<3xi32>, tensor<3xf32>, tensor<i32>
  }
}

// -----

// Initializer values at the edges of their element types still fit.
// CHECK-LABEL: module @initializer_values
// CHECK: dl.param state @byte : tensor<2xui8> = #dl.constant<value = 2.550000e+02>
// CHECK: dl.param state @flag : tensor<2xi1> = #dl.constant<value = 1.000000e+00>
// CHECK: dl.param state @most_negative : tensor<2xi64> = #dl.constant<value = -9.223372036854776e+18>
// CHECK: dl.param state @whole : tensor<2xi32> = #dl.constant<value = -2.000000e+00>
// CHECK: dl.param state @minus_zero : tensor<2xui8> = #dl.constant<value = -0.000000e+00>
// CHECK: dl.param @half : tensor<2xf16> = #dl.uniform<low = -6.550400e+04, high = 6.550400e+04>
// CHECK: dl.param @bf16 : tensor<2xbf16> = #dl.normal<mean = 1.000000e+38, stddev = 1.000000e+38>
module @initializer_values {
  dl.param state @byte : tensor<2xui8> = #dl.constant<value = 255>
  dl.param state @flag : tensor<2xi1> = #dl.constant<value = 1>
  dl.param state @most_negative : tensor<2xi64> = #dl.constant<value = -9223372036854775808>
  dl.param state @whole : tensor<2xi32> = #dl.constant<value = -2.0>
  dl.param state @minus_zero : tensor<2xui8> = #dl.constant<value = -0.0>
  dl.param @half : tensor<2xf16> = #dl.uniform<low = -65504, high = 65504>
  dl.param @bf16 : tensor<2xbf16> = #dl.normal<mean = 1.0e38, stddev = 1.0e38>
}

// -----

// CHECK-LABEL: func.func @constant()
// CHECK: dl.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: dl.constant dense<3.000000e+00> : tensor<f32>
// CHECK: dl.constant dense<7> : tensor<2x3xi64>
// CHECK: dl.constant dense<[1, 255]> : tensor<2xui8>
// CHECK: dl.constant dense<true> : tensor<4xi1>
// CHECK: dl.constant dense<1.500000e+00> : tensor<2xbf16>
func.func @constant() -> (tensor<2xf32>, tensor<f32>, tensor<2x3xi64>, tensor<2xui8>, tensor<4xi1>, tensor<2xbf16>) {
  %0 = dl.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %1 = dl.constant dense<3.0> : tensor<f32>
  %2 = dl.constant dense<7> : tensor<2x3xi64>
  %3 = dl.constant dense<[1, 255]> : tensor<2xui8>
  %4 = dl.constant dense<true> : tensor<4xi1>
  %5 = dl.constant dense<1.5> : tensor<2xbf16>
  return %0, %1, %2, %3, %4, %5 : tensor<2xf32>, tensor<f32>, tensor<2x3xi64>, tensor<2xui8>, tensor<4xi1>, tensor<2xbf16>
}

// -----

// CHECK-LABEL: func.func @unary_float(
// CHECK-SAME: %[[X:.*]]: tensor<4x8xf32>
// CHECK: %[[NEG:.*]] = dl.neg %[[X]] : tensor<4x8xf32>
// CHECK: %[[ABS:.*]] = dl.abs %[[NEG]] : tensor<4x8xf32>
// CHECK: %[[EXP:.*]] = dl.exp %[[ABS]] : tensor<4x8xf32>
// CHECK: %[[LOG:.*]] = dl.log %[[EXP]] : tensor<4x8xf32>
// CHECK: %[[SQRT:.*]] = dl.sqrt %[[LOG]] : tensor<4x8xf32>
// CHECK: %[[RSQRT:.*]] = dl.rsqrt %[[SQRT]] : tensor<4x8xf32>
// CHECK: %[[TANH:.*]] = dl.tanh %[[RSQRT]] : tensor<4x8xf32>
// CHECK: %[[SIGMOID:.*]] = dl.sigmoid %[[TANH]] : tensor<4x8xf32>
// CHECK: %[[RELU:.*]] = dl.relu %[[SIGMOID]] : tensor<4x8xf32>
// CHECK: %[[GELU:.*]] = dl.gelu %[[RELU]] : tensor<4x8xf32>
// CHECK: %[[GELU_TANH:.*]] = dl.gelu %[[GELU]] approximate : tensor<4x8xf32>
// CHECK: %[[SIN:.*]] = dl.sin %[[GELU_TANH]] : tensor<4x8xf32>
// CHECK: %[[COS:.*]] = dl.cos %[[SIN]] : tensor<4x8xf32>
// CHECK: return %[[COS]] : tensor<4x8xf32>
func.func @unary_float(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = dl.neg %x : tensor<4x8xf32>
  %1 = dl.abs %0 : tensor<4x8xf32>
  %2 = dl.exp %1 : tensor<4x8xf32>
  %3 = dl.log %2 : tensor<4x8xf32>
  %4 = dl.sqrt %3 : tensor<4x8xf32>
  %5 = dl.rsqrt %4 : tensor<4x8xf32>
  %6 = dl.tanh %5 : tensor<4x8xf32>
  %7 = dl.sigmoid %6 : tensor<4x8xf32>
  %8 = dl.relu %7 : tensor<4x8xf32>
  %9 = dl.gelu %8 : tensor<4x8xf32>
  %10 = dl.gelu %9 approximate : tensor<4x8xf32>
  %11 = dl.sin %10 : tensor<4x8xf32>
  %12 = dl.cos %11 : tensor<4x8xf32>
  return %12 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @softmax_backward(
// CHECK-SAME: %[[Y:.*]]: tensor<4x8xf32>, %[[DY:.*]]: tensor<4x8xf32>
// CHECK: %[[A:.*]] = dl.softmax_backward %[[Y]], %[[DY]] : tensor<4x8xf32>
// CHECK: %[[B:.*]] = dl.softmax_backward %[[Y]], %[[A]] axis = 0 log : tensor<4x8xf32>
func.func @softmax_backward(%y: tensor<4x8xf32>, %dy: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %a = dl.softmax_backward %y, %dy : tensor<4x8xf32>
  %b = dl.softmax_backward %y, %a axis = 0 log : tensor<4x8xf32>
  return %b : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @gelu_backward(
// CHECK-SAME: %[[X:.*]]: tensor<4x8xf32>, %[[DY:.*]]: tensor<4x8xf32>
// CHECK: %[[DX:.*]] = dl.gelu_backward %[[X]], %[[DY]] : tensor<4x8xf32>
// CHECK: %[[DT:.*]] = dl.gelu_backward %[[X]], %[[DX]] approximate : tensor<4x8xf32>
// CHECK: dl.gelu_backward %{{.*}}, %{{.*}} : tensor<2xf64>
func.func @gelu_backward(%x: tensor<4x8xf32>, %dy: tensor<4x8xf32>, %z: tensor<2xf64>) -> tensor<4x8xf32> {
  %dx = dl.gelu_backward %x, %dy : tensor<4x8xf32>
  %dt = dl.gelu_backward %x, %dx approximate : tensor<4x8xf32>
  %dz = dl.gelu_backward %z, %z : tensor<2xf64>
  return %dt : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @unary_other_types(
// CHECK: dl.neg %{{.*}} : tensor<3xi32>
// CHECK: dl.abs %{{.*}} : tensor<3xi64>
// CHECK: dl.exp %{{.*}} : tensor<f16>
// CHECK: dl.tanh %{{.*}} : tensor<2x2xbf16>
// CHECK: dl.sqrt %{{.*}} : tensor<5xf64>
func.func @unary_other_types(%a: tensor<3xi32>, %b: tensor<3xi64>, %c: tensor<f16>, %d: tensor<2x2xbf16>, %e: tensor<5xf64>)
    -> (tensor<3xi32>, tensor<3xi64>, tensor<f16>, tensor<2x2xbf16>, tensor<5xf64>) {
  %0 = dl.neg %a : tensor<3xi32>
  %1 = dl.abs %b : tensor<3xi64>
  %2 = dl.exp %c : tensor<f16>
  %3 = dl.tanh %d : tensor<2x2xbf16>
  %4 = dl.sqrt %e : tensor<5xf64>
  return %0, %1, %2, %3, %4 : tensor<3xi32>, tensor<3xi64>, tensor<f16>, tensor<2x2xbf16>, tensor<5xf64>
}

// -----

// One type written when both operands agree.
// CHECK-LABEL: func.func @binary_same_type(
// CHECK-SAME: %[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK: %[[ADD:.*]] = dl.add %[[A]], %[[B]] : tensor<4x8xf32>{{$}}
// CHECK: %[[SUB:.*]] = dl.sub %[[ADD]], %[[B]] : tensor<4x8xf32>{{$}}
// CHECK: %[[MUL:.*]] = dl.mul %[[SUB]], %[[B]] : tensor<4x8xf32>{{$}}
// CHECK: %[[DIV:.*]] = dl.div %[[MUL]], %[[B]] : tensor<4x8xf32>{{$}}
// CHECK: %[[POW:.*]] = dl.pow %[[DIV]], %[[B]] : tensor<4x8xf32>{{$}}
// CHECK: %[[MAX:.*]] = dl.maximum %[[POW]], %[[B]] : tensor<4x8xf32>{{$}}
// CHECK: %[[MIN:.*]] = dl.minimum %[[MAX]], %[[B]] : tensor<4x8xf32>{{$}}
// CHECK: return %[[MIN]] : tensor<4x8xf32>
func.func @binary_same_type(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = dl.add %a, %b : tensor<4x8xf32>
  %1 = dl.sub %0, %b : tensor<4x8xf32>
  %2 = dl.mul %1, %b : tensor<4x8xf32>, tensor<4x8xf32>
  %3 = dl.div %2, %b : tensor<4x8xf32>
  %4 = dl.pow %3, %b : tensor<4x8xf32>
  %5 = dl.maximum %4, %b : tensor<4x8xf32>
  %6 = dl.minimum %5, %b : tensor<4x8xf32>
  return %6 : tensor<4x8xf32>
}

// -----

// NumPy broadcasting: trailing alignment, size-1 stretching, rank growth, and
// a scalar on either side.
// CHECK-LABEL: func.func @binary_broadcast(
// CHECK-SAME: %[[A:.*]]: tensor<4x1xf32>, %[[B:.*]]: tensor<8xf32>, %[[S:.*]]: tensor<f32>, %[[C:.*]]: tensor<2x1x8xf32>)
// CHECK-SAME: -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<2x4x8xf32>, tensor<4x8xf32>)
// CHECK: dl.add %[[A]], %[[B]] : tensor<4x1xf32>, tensor<8xf32>
// CHECK: dl.sub %[[B]], %[[A]] : tensor<8xf32>, tensor<4x1xf32>
// CHECK: dl.mul %[[A]], %[[B]] : tensor<4x1xf32>, tensor<8xf32>
// CHECK: dl.div %[[S]], %[[B]] : tensor<f32>, tensor<8xf32>
// CHECK: dl.pow %[[B]], %[[S]] : tensor<8xf32>, tensor<f32>
// CHECK: dl.maximum %[[C]], %[[A]] : tensor<2x1x8xf32>, tensor<4x1xf32>
// CHECK: dl.minimum %[[A]], %[[B]] : tensor<4x1xf32>, tensor<8xf32>
func.func @binary_broadcast(%a: tensor<4x1xf32>, %b: tensor<8xf32>, %s: tensor<f32>, %c: tensor<2x1x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<2x4x8xf32>, tensor<4x8xf32>) {
  %0 = dl.add %a, %b : tensor<4x1xf32>, tensor<8xf32>
  %1 = dl.sub %b, %a : tensor<8xf32>, tensor<4x1xf32>
  %2 = dl.mul %a, %b : tensor<4x1xf32>, tensor<8xf32>
  %3 = dl.div %s, %b : tensor<f32>, tensor<8xf32>
  %4 = dl.pow %b, %s : tensor<8xf32>, tensor<f32>
  %5 = dl.maximum %c, %a : tensor<2x1x8xf32>, tensor<4x1xf32>
  %6 = dl.minimum %a, %b : tensor<4x1xf32>, tensor<8xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<2x4x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @binary_integer(
// CHECK: dl.add %{{.*}}, %{{.*}} : tensor<3xi32>, tensor<i32>
// CHECK: dl.maximum %{{.*}}, %{{.*}} : tensor<2x3xui8>, tensor<3xui8>
// CHECK: dl.div %{{.*}}, %{{.*}} : tensor<3xi64>{{$}}
func.func @binary_integer(%a: tensor<3xi32>, %s: tensor<i32>, %b: tensor<2x3xui8>, %c: tensor<3xui8>, %d: tensor<3xi64>)
    -> (tensor<3xi32>, tensor<2x3xui8>, tensor<3xi64>) {
  %0 = dl.add %a, %s : tensor<3xi32>, tensor<i32>
  %1 = dl.maximum %b, %c : tensor<2x3xui8>, tensor<3xui8>
  %2 = dl.div %d, %d : tensor<3xi64>
  return %0, %1, %2 : tensor<3xi32>, tensor<2x3xui8>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @compare(
// CHECK-SAME: %[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<f32>, %[[I:.*]]: tensor<2x1xi32>, %[[J:.*]]: tensor<3xi32>)
// CHECK: dl.compare eq, %[[A]], %[[A]] : tensor<4x8xf32>{{$}}
// CHECK: dl.compare ne, %[[A]], %[[B]] : tensor<4x8xf32>, tensor<f32>
// CHECK: dl.compare lt, %[[B]], %[[A]] : tensor<f32>, tensor<4x8xf32>
// CHECK: dl.compare le, %[[A]], %[[B]] : tensor<4x8xf32>, tensor<f32>
// CHECK: dl.compare gt, %[[A]], %[[B]] : tensor<4x8xf32>, tensor<f32>
// CHECK: dl.compare ge, %[[I]], %[[J]] : tensor<2x1xi32>, tensor<3xi32>
func.func @compare(%a: tensor<4x8xf32>, %b: tensor<f32>, %i: tensor<2x1xi32>, %j: tensor<3xi32>)
    -> (tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<2x3xi1>) {
  %0 = dl.compare eq, %a, %a : tensor<4x8xf32>
  %1 = dl.compare ne, %a, %b : tensor<4x8xf32>, tensor<f32>
  %2 = dl.compare lt, %b, %a : tensor<f32>, tensor<4x8xf32>
  %3 = dl.compare le, %a, %b : tensor<4x8xf32>, tensor<f32>
  %4 = dl.compare gt, %a, %b : tensor<4x8xf32>, tensor<f32>
  %5 = dl.compare ge, %i, %j : tensor<2x1xi32>, tensor<3xi32>
  return %0, %1, %2, %3, %4, %5 : tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<2x3xi1>
}

// -----

// The result broadcasts the condition with both values.
// CHECK-LABEL: func.func @select(
// CHECK-SAME: %[[M:.*]]: tensor<4x8xi1>, %[[X:.*]]: tensor<4x8xf32>, %[[Z:.*]]: tensor<f32>, %[[C:.*]]: tensor<2x1x1xi1>, %[[BITS:.*]]: tensor<8xi1>)
// CHECK-SAME: -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<4x8xi1>)
// CHECK: dl.select %[[M]], %[[X]], %[[Z]] : tensor<4x8xi1>, tensor<4x8xf32>, tensor<f32>
// CHECK: dl.select %[[M]], %[[X]], %[[X]] : tensor<4x8xi1>, tensor<4x8xf32>{{$}}
// CHECK: dl.select %[[C]], %[[X]], %[[Z]] : tensor<2x1x1xi1>, tensor<4x8xf32>, tensor<f32>
// CHECK: dl.select %[[M]], %[[BITS]], %[[M]] : tensor<4x8xi1>, tensor<8xi1>, tensor<4x8xi1>
func.func @select(%m: tensor<4x8xi1>, %x: tensor<4x8xf32>, %z: tensor<f32>, %c: tensor<2x1x1xi1>, %bits: tensor<8xi1>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<4x8xi1>) {
  %0 = dl.select %m, %x, %z : tensor<4x8xi1>, tensor<4x8xf32>, tensor<f32>
  %1 = dl.select %m, %x, %x : tensor<4x8xi1>, tensor<4x8xf32>
  %2 = dl.select %c, %x, %z : tensor<2x1x1xi1>, tensor<4x8xf32>, tensor<f32>
  %3 = dl.select %m, %bits, %m : tensor<4x8xi1>, tensor<8xi1>, tensor<4x8xi1>
  return %0, %1, %2, %3 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<4x8xi1>
}

// -----

// Every castable element type, as source and as target.
// CHECK-LABEL: func.func @cast(
// CHECK: %[[F32:.*]] = dl.cast %{{.*}} : tensor<2x3xf64> -> tensor<2x3xf32>
// CHECK: %[[F16:.*]] = dl.cast %[[F32]] : tensor<2x3xf32> -> tensor<2x3xf16>
// CHECK: %[[BF16:.*]] = dl.cast %[[F16]] : tensor<2x3xf16> -> tensor<2x3xbf16>
// CHECK: %[[I64:.*]] = dl.cast %[[BF16]] : tensor<2x3xbf16> -> tensor<2x3xi64>
// CHECK: %[[I32:.*]] = dl.cast %[[I64]] : tensor<2x3xi64> -> tensor<2x3xi32>
// CHECK: %[[UI8:.*]] = dl.cast %[[I32]] : tensor<2x3xi32> -> tensor<2x3xui8>
// CHECK: %[[I1:.*]] = dl.cast %[[UI8]] : tensor<2x3xui8> -> tensor<2x3xi1>
// CHECK: %[[F64:.*]] = dl.cast %[[I1]] : tensor<2x3xi1> -> tensor<2x3xf64>
// CHECK: %[[SCALAR:.*]] = dl.cast %{{.*}} : tensor<ui8> -> tensor<f32>
// CHECK: return %[[F64]], %[[SCALAR]] : tensor<2x3xf64>, tensor<f32>
func.func @cast(%x: tensor<2x3xf64>, %s: tensor<ui8>) -> (tensor<2x3xf64>, tensor<f32>) {
  %0 = dl.cast %x : tensor<2x3xf64> -> tensor<2x3xf32>
  %1 = dl.cast %0 : tensor<2x3xf32> -> tensor<2x3xf16>
  %2 = dl.cast %1 : tensor<2x3xf16> -> tensor<2x3xbf16>
  %3 = dl.cast %2 : tensor<2x3xbf16> -> tensor<2x3xi64>
  %4 = dl.cast %3 : tensor<2x3xi64> -> tensor<2x3xi32>
  %5 = dl.cast %4 : tensor<2x3xi32> -> tensor<2x3xui8>
  %6 = dl.cast %5 : tensor<2x3xui8> -> tensor<2x3xi1>
  %7 = dl.cast %6 : tensor<2x3xi1> -> tensor<2x3xf64>
  %8 = dl.cast %s : tensor<ui8> -> tensor<f32>
  return %7, %8 : tensor<2x3xf64>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @reshape(
// CHECK: dl.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK: dl.reshape %{{.*}} : tensor<f32> -> tensor<1x1xf32>
// CHECK: dl.reshape %{{.*}} : tensor<1xi32> -> tensor<i32>
func.func @reshape(%x: tensor<2x3x4xf32>, %s: tensor<f32>, %t: tensor<1xi32>) -> (tensor<6x4xf32>, tensor<1x1xf32>, tensor<i32>) {
  %0 = dl.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = dl.reshape %s : tensor<f32> -> tensor<1x1xf32>
  %2 = dl.reshape %t : tensor<1xi32> -> tensor<i32>
  return %0, %1, %2 : tensor<6x4xf32>, tensor<1x1xf32>, tensor<i32>
}

// -----

// Result dimension i is input dimension perm[i].
// CHECK-LABEL: func.func @transpose(
// CHECK-SAME: -> (tensor<8x4xf32>, tensor<4x2x3xi64>, tensor<f32>)
// CHECK: dl.transpose %{{.*}} perm = [1, 0] : tensor<4x8xf32>
// CHECK: dl.transpose %{{.*}} perm = [2, 0, 1] : tensor<2x3x4xi64>
// CHECK: dl.transpose %{{.*}} perm = [] : tensor<f32>
func.func @transpose(%x: tensor<4x8xf32>, %y: tensor<2x3x4xi64>, %s: tensor<f32>) -> (tensor<8x4xf32>, tensor<4x2x3xi64>, tensor<f32>) {
  %0 = dl.transpose %x perm = [1, 0] : tensor<4x8xf32>
  %1 = dl.transpose %y perm = [2, 0, 1] : tensor<2x3x4xi64>
  %2 = dl.transpose %s perm = [] : tensor<f32>
  return %0, %1, %2 : tensor<8x4xf32>, tensor<4x2x3xi64>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @broadcast_to(
// CHECK: dl.broadcast_to %{{.*}} : tensor<10xf32> -> tensor<64x10xf32>
// CHECK: dl.broadcast_to %{{.*}} : tensor<4x1xi1> -> tensor<2x4x3xi1>
// CHECK: dl.broadcast_to %{{.*}} : tensor<f32> -> tensor<2x3xf32>
func.func @broadcast_to(%b: tensor<10xf32>, %m: tensor<4x1xi1>, %s: tensor<f32>) -> (tensor<64x10xf32>, tensor<2x4x3xi1>, tensor<2x3xf32>) {
  %0 = dl.broadcast_to %b : tensor<10xf32> -> tensor<64x10xf32>
  %1 = dl.broadcast_to %m : tensor<4x1xi1> -> tensor<2x4x3xi1>
  %2 = dl.broadcast_to %s : tensor<f32> -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<64x10xf32>, tensor<2x4x3xi1>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @concat(
// CHECK-SAME: %[[A:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<4x5xf32>, %[[C:.*]]: tensor<2x3xf32>)
// CHECK-SAME: -> (tensor<4x8xf32>, tensor<10x3xf32>, tensor<4x3xf32>)
// CHECK: dl.concat %[[A]], %[[B]] axis = 1 : tensor<4x3xf32>, tensor<4x5xf32>
// CHECK: dl.concat %[[A]], %[[C]], %[[A]] axis = 0 : tensor<4x3xf32>, tensor<2x3xf32>, tensor<4x3xf32>
// CHECK: dl.concat %[[A]] axis = 0 : tensor<4x3xf32>
func.func @concat(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>, %c: tensor<2x3xf32>) -> (tensor<4x8xf32>, tensor<10x3xf32>, tensor<4x3xf32>) {
  %0 = dl.concat %a, %b axis = 1 : tensor<4x3xf32>, tensor<4x5xf32>
  %1 = dl.concat %a, %c, %a axis = 0 : tensor<4x3xf32>, tensor<2x3xf32>, tensor<4x3xf32>
  %2 = dl.concat %a axis = 0 : tensor<4x3xf32>
  return %0, %1, %2 : tensor<4x8xf32>, tensor<10x3xf32>, tensor<4x3xf32>
}

// -----

// A strided window holds ceil((limit - start) / stride) elements, even for a
// stride near the int64 limit.
// CHECK-LABEL: func.func @slice(
// CHECK-SAME: -> (tensor<2x5xf32>, tensor<4x3xf32>, tensor<1x8xf32>, tensor<1x1xf32>)
// CHECK: dl.slice %{{.*}} starts = [1, 3] limits = [3, 8] : tensor<4x8xf32>
// CHECK: dl.slice %{{.*}} starts = [0, 2] limits = [4, 7] strides = [1, 2] : tensor<4x8xf32>
// CHECK: dl.slice %{{.*}} starts = [2, 0] limits = [3, 8] strides = [3, 1] : tensor<4x8xf32>
// CHECK: dl.slice %{{.*}} starts = [1, 0] limits = [4, 8] strides = [9223372036854775807, 8] : tensor<4x8xf32>
func.func @slice(%x: tensor<4x8xf32>) -> (tensor<2x5xf32>, tensor<4x3xf32>, tensor<1x8xf32>, tensor<1x1xf32>) {
  %0 = dl.slice %x starts = [1, 3] limits = [3, 8] : tensor<4x8xf32>
  %1 = dl.slice %x starts = [0, 2] limits = [4, 7] strides = [1, 2] : tensor<4x8xf32>
  %2 = dl.slice %x starts = [2, 0] limits = [3, 8] strides = [3, 1] : tensor<4x8xf32>
  %3 = dl.slice %x starts = [1, 0] limits = [4, 8] strides = [9223372036854775807, 8] : tensor<4x8xf32>
  return %0, %1, %2, %3 : tensor<2x5xf32>, tensor<4x3xf32>, tensor<1x8xf32>, tensor<1x1xf32>
}

// -----

// The value fits the element type: whole and in range for integers.
// CHECK-LABEL: func.func @pad(
// CHECK-SAME: -> (tensor<4x10xf32>, tensor<7x9xf32>, tensor<5xi32>, tensor<4xui8>, tensor<3xi1>, tensor<3xf16>)
// CHECK: dl.pad %{{.*}} low = [0, 1] high = [0, 1] : tensor<4x8xf32>
// CHECK: dl.pad %{{.*}} low = [1, 0] high = [2, 1] value = -1.000000e+00 : tensor<4x8xf32>
// CHECK: dl.pad %{{.*}} low = [2] high = [0] value = 7.000000e+00 : tensor<3xi32>
// CHECK: dl.pad %{{.*}} low = [1] high = [1] value = 2.550000e+02 : tensor<2xui8>
// CHECK: dl.pad %{{.*}} low = [0] high = [1] value = 1.000000e+00 : tensor<2xi1>
// CHECK: dl.pad %{{.*}} low = [1] high = [0] value = -6.550400e+04 : tensor<2xf16>
func.func @pad(%x: tensor<4x8xf32>, %i: tensor<3xi32>, %u: tensor<2xui8>, %b: tensor<2xi1>, %h: tensor<2xf16>)
    -> (tensor<4x10xf32>, tensor<7x9xf32>, tensor<5xi32>, tensor<4xui8>, tensor<3xi1>, tensor<3xf16>) {
  %0 = dl.pad %x low = [0, 1] high = [0, 1] : tensor<4x8xf32>
  %1 = dl.pad %x low = [1, 0] high = [2, 1] value = -1.0 : tensor<4x8xf32>
  %2 = dl.pad %i low = [2] high = [0] value = 7.0 : tensor<3xi32>
  %3 = dl.pad %u low = [1] high = [1] value = 255.0 : tensor<2xui8>
  %4 = dl.pad %b low = [0] high = [1] value = 1.0 : tensor<2xi1>
  %5 = dl.pad %h low = [1] high = [0] value = -65504.0 : tensor<2xf16>
  return %0, %1, %2, %3, %4, %5 : tensor<4x10xf32>, tensor<7x9xf32>, tensor<5xi32>, tensor<4xui8>, tensor<3xi1>, tensor<3xf16>
}

// -----

// CHECK-LABEL: func.func @reductions(
// CHECK-SAME: -> (tensor<2xf32>, tensor<2x1x1xf32>, tensor<f32>, tensor<1x1x1xf32>, tensor<3x4xf32>, tensor<2x1x4xi32>)
// CHECK: dl.reduce_sum %{{.*}} axes = [1, 2] : tensor<2x3x4xf32>
// CHECK: dl.reduce_sum %{{.*}} axes = [2, 1] keepdims : tensor<2x3x4xf32>
// CHECK: dl.reduce_mean %{{.*}} axes = [0, 1, 2] : tensor<2x3x4xf32>
// CHECK: dl.reduce_mean %{{.*}} axes = [0, 1, 2] keepdims : tensor<2x3x4xf32>
// CHECK: dl.reduce_max %{{.*}} axes = [0] : tensor<2x3x4xf32>
// CHECK: dl.reduce_max %{{.*}} axes = [1] keepdims : tensor<2x3x4xi32>
func.func @reductions(%x: tensor<2x3x4xf32>, %i: tensor<2x3x4xi32>)
    -> (tensor<2xf32>, tensor<2x1x1xf32>, tensor<f32>, tensor<1x1x1xf32>, tensor<3x4xf32>, tensor<2x1x4xi32>) {
  %0 = dl.reduce_sum %x axes = [1, 2] : tensor<2x3x4xf32>
  %1 = dl.reduce_sum %x axes = [2, 1] keepdims : tensor<2x3x4xf32>
  %2 = dl.reduce_mean %x axes = [0, 1, 2] : tensor<2x3x4xf32>
  %3 = dl.reduce_mean %x axes = [0, 1, 2] keepdims : tensor<2x3x4xf32>
  %4 = dl.reduce_max %x axes = [0] : tensor<2x3x4xf32>
  %5 = dl.reduce_max %i axes = [1] keepdims : tensor<2x3x4xi32>
  return %0, %1, %2, %3, %4, %5 : tensor<2xf32>, tensor<2x1x1xf32>, tensor<f32>, tensor<1x1x1xf32>, tensor<3x4xf32>, tensor<2x1x4xi32>
}

// -----

// CHECK-LABEL: func.func @argmax(
// CHECK: dl.argmax %{{.*}} axis = 1 : tensor<64x10xf32> -> tensor<64xi32>
// CHECK: dl.argmax %{{.*}} axis = 0 : tensor<64x10xf32> -> tensor<10xi64>
// CHECK: dl.argmax %{{.*}} axis = 0 : tensor<5xui8> -> tensor<i32>
func.func @argmax(%x: tensor<64x10xf32>, %v: tensor<5xui8>) -> (tensor<64xi32>, tensor<10xi64>, tensor<i32>) {
  %0 = dl.argmax %x axis = 1 : tensor<64x10xf32> -> tensor<64xi32>
  %1 = dl.argmax %x axis = 0 : tensor<64x10xf32> -> tensor<10xi64>
  %2 = dl.argmax %v axis = 0 : tensor<5xui8> -> tensor<i32>
  return %0, %1, %2 : tensor<64xi32>, tensor<10xi64>, tensor<i32>
}

// -----

// i32 indexes an axis of up to 2^31 - 1 elements; i64 any longer one.
// CHECK-LABEL: func.func @argmax_long_axis(
// CHECK: dl.argmax %{{.*}} axis = 0 : tensor<2147483647xf32> -> tensor<i32>
// CHECK: dl.argmax %{{.*}} axis = 1 : tensor<1x2147483648xf32> -> tensor<1xi64>
func.func @argmax_long_axis(%x: tensor<2147483647xf32>, %y: tensor<1x2147483648xf32>) -> (tensor<i32>, tensor<1xi64>) {
  %0 = dl.argmax %x axis = 0 : tensor<2147483647xf32> -> tensor<i32>
  %1 = dl.argmax %y axis = 1 : tensor<1x2147483648xf32> -> tensor<1xi64>
  return %0, %1 : tensor<i32>, tensor<1xi64>
}

// -----

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME: -> (tensor<4x5xf32>, tensor<8x5xf32>, tensor<4x3xf32>, tensor<8x3xf32>, tensor<2x3x4x5xf32>, tensor<6x4x5xf32>)
// CHECK: dl.matmul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x5xf32>
// CHECK: dl.matmul %{{.*}}, %{{.*}} transpose_a : tensor<4x8xf32>, tensor<4x5xf32>
// CHECK: dl.matmul %{{.*}}, %{{.*}} transpose_b : tensor<4x8xf32>, tensor<3x8xf32>
// CHECK: dl.matmul %{{.*}}, %{{.*}} transpose_a transpose_b : tensor<4x8xf32>, tensor<3x4xf32>
// CHECK: dl.matmul %{{.*}}, %{{.*}} : tensor<2x1x4x8xf32>, tensor<3x8x5xf32>
// CHECK: dl.matmul %{{.*}}, %{{.*}} : tensor<6x4x8xf32>, tensor<8x5xf32>
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>, %c: tensor<4x5xf32>, %d: tensor<3x8xf32>, %e: tensor<3x4xf32>,
                  %f: tensor<2x1x4x8xf32>, %g: tensor<3x8x5xf32>, %h: tensor<6x4x8xf32>)
    -> (tensor<4x5xf32>, tensor<8x5xf32>, tensor<4x3xf32>, tensor<8x3xf32>, tensor<2x3x4x5xf32>, tensor<6x4x5xf32>) {
  %0 = dl.matmul %a, %b : tensor<4x8xf32>, tensor<8x5xf32>
  %1 = dl.matmul %a, %c transpose_a : tensor<4x8xf32>, tensor<4x5xf32>
  %2 = dl.matmul %a, %d transpose_b : tensor<4x8xf32>, tensor<3x8xf32>
  %3 = dl.matmul %a, %e transpose_a transpose_b : tensor<4x8xf32>, tensor<3x4xf32>
  %4 = dl.matmul %f, %g : tensor<2x1x4x8xf32>, tensor<3x8x5xf32>
  %5 = dl.matmul %h, %b : tensor<6x4x8xf32>, tensor<8x5xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4x5xf32>, tensor<8x5xf32>, tensor<4x3xf32>, tensor<8x3xf32>, tensor<2x3x4x5xf32>, tensor<6x4x5xf32>
}

// -----

// Output size: (in + pad_lo + pad_hi - dilation * (k - 1) - 1) / stride + 1.
// CHECK-LABEL: func.func @conv2d(
// CHECK-SAME: -> (tensor<2x8x7x7xf32>, tensor<2x8x9x9xf32>, tensor<2x8x4x4xf32>, tensor<2x8x8x10xf32>, tensor<2x8x5x5xf32>, tensor<2x8x7x7xf32>, tensor<2x8x5x7xf32>)
// CHECK: dl.conv2d %{{.*}}, %{{.*}} : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>{{$}}
// CHECK: dl.conv2d %{{.*}}, %{{.*}}, %{{.*}} padding = [1, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>
// CHECK: dl.conv2d %{{.*}}, %{{.*}} stride = [2, 2] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>{{$}}
// CHECK: dl.conv2d %{{.*}}, %{{.*}} padding = [1, 2, 0, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>{{$}}
// CHECK: dl.conv2d %{{.*}}, %{{.*}} dilation = [2, 2] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>{{$}}
// CHECK: dl.conv2d %{{.*}}, %{{.*}} groups = 2 : tensor<2x4x9x9xf32>, tensor<8x2x3x3xf32>{{$}}
// CHECK: dl.conv2d %{{.*}}, %{{.*}}, %{{.*}} stride = [2, 1] padding = [1, 1] dilation = [1, 2] groups = 4 : tensor<2x4x9x9xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>
func.func @conv2d(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>, %wg: tensor<8x2x3x3xf32>, %wd: tensor<8x1x3x3xf32>)
    -> (tensor<2x8x7x7xf32>, tensor<2x8x9x9xf32>, tensor<2x8x4x4xf32>, tensor<2x8x8x10xf32>, tensor<2x8x5x5xf32>, tensor<2x8x7x7xf32>, tensor<2x8x5x7xf32>) {
  %0 = dl.conv2d %x, %w : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  %1 = dl.conv2d %x, %w, %b padding = [1, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>
  %2 = dl.conv2d %x, %w stride = [2, 2] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  %3 = dl.conv2d %x, %w padding = [1, 2, 0, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  %4 = dl.conv2d %x, %w dilation = [2, 2] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  %5 = dl.conv2d %x, %wg groups = 2 : tensor<2x4x9x9xf32>, tensor<8x2x3x3xf32>
  %6 = dl.conv2d %x, %wd, %b stride = [2, 1] padding = [1, 1] dilation = [1, 2] groups = 4
      : tensor<2x4x9x9xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2x8x7x7xf32>, tensor<2x8x9x9xf32>, tensor<2x8x4x4xf32>, tensor<2x8x8x10xf32>, tensor<2x8x5x5xf32>, tensor<2x8x7x7xf32>, tensor<2x8x5x7xf32>
}

// -----

// A stride near the int64 limit gives one output position, without overflow.
// CHECK-LABEL: func.func @conv2d_huge_stride(
// CHECK: dl.conv2d %{{.*}}, %{{.*}} stride = [9223372036854775807, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
func.func @conv2d_huge_stride(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<2x8x1x7xf32> {
  %y = dl.conv2d %x, %w stride = [9223372036854775807, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return %y : tensor<2x8x1x7xf32>
}

// -----

// The stride defaults to the kernel.
// CHECK-LABEL: func.func @pooling(
// CHECK-SAME: -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x8x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x9x9xf32>, tensor<2x3x4x4xf32>)
// CHECK: dl.max_pool2d %{{.*}} kernel = [2, 2] : tensor<2x3x8x8xf32>
// CHECK: dl.max_pool2d %{{.*}} kernel = [3, 3] stride = [2, 2] padding = [1, 1] : tensor<2x3x8x8xf32>
// CHECK: dl.max_pool2d %{{.*}} kernel = [3, 2] stride = [1, 2] padding = [1, 0, 1, 0] : tensor<2x3x8x8xf32>
// CHECK: dl.avg_pool2d %{{.*}} kernel = [2, 2] : tensor<2x3x8x8xf32>
// CHECK: dl.avg_pool2d %{{.*}} kernel = [2, 2] stride = [1, 1] padding = [1, 1] count_include_pad : tensor<2x3x8x8xf32>
// CHECK: dl.avg_pool2d %{{.*}} kernel = [3, 3] stride = [2, 2] padding = [1, 1] : tensor<2x3x8x8xf32>
func.func @pooling(%x: tensor<2x3x8x8xf32>)
    -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x8x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x9x9xf32>, tensor<2x3x4x4xf32>) {
  %0 = dl.max_pool2d %x kernel = [2, 2] : tensor<2x3x8x8xf32>
  %1 = dl.max_pool2d %x kernel = [3, 3] stride = [2, 2] padding = [1, 1] : tensor<2x3x8x8xf32>
  %2 = dl.max_pool2d %x kernel = [3, 2] stride = [1, 2] padding = [1, 0, 1, 0] : tensor<2x3x8x8xf32>
  %3 = dl.avg_pool2d %x kernel = [2, 2] : tensor<2x3x8x8xf32>
  %4 = dl.avg_pool2d %x kernel = [2, 2] stride = [1, 1] padding = [1, 1] count_include_pad : tensor<2x3x8x8xf32>
  %5 = dl.avg_pool2d %x kernel = [3, 3] stride = [2, 2] padding = [1, 1] : tensor<2x3x8x8xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x8x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x9x9xf32>, tensor<2x3x4x4xf32>
}

// -----

// layout = nhwc: input and result are N x H x W x C, the filter stays OIHW;
// the default layout (nchw) is not printed.
// CHECK-LABEL: func.func @channels_last(
// CHECK-SAME: -> (tensor<2x7x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x4x5x8xf32>, tensor<2x3x4x4xf32>)
// CHECK: dl.conv2d %{{.*}}, %{{.*}}, %{{.*}} stride = [1, 2] padding = [0, 1] layout = nhwc : tensor<2x9x7x4xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>
// CHECK: dl.max_pool2d %{{.*}} kernel = [2, 2] layout = nhwc : tensor<2x7x4x8xf32>
// CHECK: dl.avg_pool2d %{{.*}} kernel = [2, 2] stride = [2, 1] padding = [1, 1] count_include_pad layout = nhwc : tensor<2x7x4x8xf32>
// CHECK: dl.max_pool2d %{{.*}} kernel = [2, 2] : tensor<2x3x9x9xf32>{{$}}
func.func @channels_last(%x: tensor<2x9x7x4xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>, %n: tensor<2x3x9x9xf32>)
    -> (tensor<2x7x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x4x5x8xf32>, tensor<2x3x4x4xf32>) {
  %0 = dl.conv2d %x, %w, %b stride = [1, 2] padding = [0, 1] layout = nhwc : tensor<2x9x7x4xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>
  %1 = dl.max_pool2d %0 kernel = [2, 2] layout = nhwc : tensor<2x7x4x8xf32>
  %2 = dl.avg_pool2d %0 kernel = [2, 2] stride = [2, 1] padding = [1, 1] count_include_pad layout = nhwc : tensor<2x7x4x8xf32>
  %3 = dl.max_pool2d %n kernel = [2, 2] layout = nchw : tensor<2x3x9x9xf32>
  return %0, %1, %2, %3 : tensor<2x7x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x4x5x8xf32>, tensor<2x3x4x4xf32>
}

// -----

// Default epsilon (1e-5) and momentum (0.1) are not printed.
// CHECK-LABEL: module @batch_norm
// CHECK-LABEL: func.func @batch_norm(
// CHECK-SAME: %[[X2:.*]]: tensor<16x8xf32>, %[[X4:.*]]: tensor<2x8x4x4xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: dl.batch_norm %[[X2]], %[[G]], %[[B]] running = (@mean, @var) : tensor<16x8xf32>, tensor<8xf32>
// CHECK: dl.batch_norm %[[X4]], %[[G]], %[[B]] running = (@mean, @var) : tensor<2x8x4x4xf32>, tensor<8xf32>
// CHECK: dl.batch_norm %[[X4]], %[[G]], %[[B]] running = (@mean, @var) training : tensor<2x8x4x4xf32>, tensor<8xf32>
// CHECK: dl.batch_norm %[[X2]], %[[G]], %[[B]] running = (@mean, @var) epsilon = 1.000000e-03 momentum = 0.000000e+00 training : tensor<16x8xf32>, tensor<8xf32>
// CHECK: dl.batch_norm %[[X2]], %[[G]], %[[B]] running = (@mean, @var) momentum = 1.000000e+00 : tensor<16x8xf32>, tensor<8xf32>
// CHECK: dl.batch_norm %{{.*}}, %[[G]], %[[B]] running = (@mean, @var) : tensor<1x8xf32>, tensor<8xf32>
// CHECK: dl.batch_norm %{{.*}}, %[[G]], %[[B]] running = (@mean, @var) training : tensor<2x8x1x1xf32>, tensor<8xf32>
module @batch_norm {
  dl.param state @mean : tensor<8xf32> = #dl.zeros
  dl.param state @var : tensor<8xf32> = #dl.ones
  func.func @batch_norm(%x2: tensor<16x8xf32>, %x4: tensor<2x8x4x4xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>)
      -> (tensor<16x8xf32>, tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32>, tensor<16x8xf32>, tensor<16x8xf32>) {
    %0 = dl.batch_norm %x2, %g, %b running = (@mean, @var) : tensor<16x8xf32>, tensor<8xf32>
    %1 = dl.batch_norm %x4, %g, %b running = (@mean, @var) : tensor<2x8x4x4xf32>, tensor<8xf32>
    %2 = dl.batch_norm %x4, %g, %b running = (@mean, @var) training : tensor<2x8x4x4xf32>, tensor<8xf32>
    %3 = dl.batch_norm %x2, %g, %b running = (@mean, @var) epsilon = 1.0e-3 momentum = 0.0 training
        : tensor<16x8xf32>, tensor<8xf32>
    %4 = dl.batch_norm %x2, %g, %b running = (@mean, @var) epsilon = 1.0e-5 momentum = 1.0 : tensor<16x8xf32>, tensor<8xf32>
    return %0, %1, %2, %3, %4 : tensor<16x8xf32>, tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32>, tensor<16x8xf32>, tensor<16x8xf32>
  }
  // One value per channel is enough for inference (the running statistics);
  // training needs two (N x H x W >= 2).
  func.func @batch_norm_small(%x1: tensor<1x8xf32>, %x4: tensor<2x8x1x1xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>)
      -> (tensor<1x8xf32>, tensor<2x8x1x1xf32>) {
    %0 = dl.batch_norm %x1, %g, %b running = (@mean, @var) : tensor<1x8xf32>, tensor<8xf32>
    %1 = dl.batch_norm %x4, %g, %b running = (@mean, @var) training : tensor<2x8x1x1xf32>, tensor<8xf32>
    return %0, %1 : tensor<1x8xf32>, tensor<2x8x1x1xf32>
  }
}

// -----

// The default seed (0) is not printed.
// CHECK-LABEL: func.func @dropout(
// CHECK: dl.dropout %{{.*}} rate = 5.000000e-01 : tensor<4x8xf32>
// CHECK: dl.dropout %{{.*}} rate = 2.500000e-01 seed = 7 training : tensor<4x8xf32>
// CHECK: dl.dropout %{{.*}} rate = 0.000000e+00 training : tensor<4x8xf32>
func.func @dropout(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = dl.dropout %x rate = 0.5 : tensor<4x8xf32>
  %1 = dl.dropout %x rate = 0.25 seed = 7 training : tensor<4x8xf32>
  %2 = dl.dropout %x rate = 0.0 seed = 0 training : tensor<4x8xf32>
  return %0, %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @softmax(
// CHECK: dl.softmax %{{.*}} : tensor<64x10xf32>
// CHECK: dl.softmax %{{.*}} axis = 0 : tensor<64x10xf32>
// CHECK: dl.log_softmax %{{.*}} : tensor<64x10xf32>
// CHECK: dl.log_softmax %{{.*}} axis = 1 : tensor<64x10xf32>
func.func @softmax(%x: tensor<64x10xf32>) -> (tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>) {
  %0 = dl.softmax %x : tensor<64x10xf32>
  %1 = dl.softmax %x axis = 0 : tensor<64x10xf32>
  %2 = dl.log_softmax %x : tensor<64x10xf32>
  %3 = dl.log_softmax %x axis = 1 : tensor<64x10xf32>
  return %0, %1, %2, %3 : tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>
}

// -----

// Scale and offset have the shape of the normalized trailing dimensions.
// CHECK-LABEL: func.func @layer_norm(
// CHECK: dl.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x16x64xf32>, tensor<64xf32>
// CHECK: dl.layer_norm %{{.*}}, %{{.*}}, %{{.*}} axis = 1 epsilon = 9.9999999999999995E-7 : tensor<8x16x64xf32>, tensor<16x64xf32>
// CHECK: dl.layer_norm %{{.*}}, %{{.*}}, %{{.*}} axis = 0 : tensor<4xf16>, tensor<4xf16>
func.func @layer_norm(%x: tensor<8x16x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>, %g2: tensor<16x64xf32>, %b2: tensor<16x64xf32>, %v: tensor<4xf16>)
    -> (tensor<8x16x64xf32>, tensor<8x16x64xf32>, tensor<4xf16>) {
  %0 = dl.layer_norm %x, %g, %b : tensor<8x16x64xf32>, tensor<64xf32>
  %1 = dl.layer_norm %x, %g2, %b2 axis = 1 epsilon = 1.0e-6 : tensor<8x16x64xf32>, tensor<16x64xf32>
  %2 = dl.layer_norm %v, %v, %v axis = 0 epsilon = 1.0e-5 : tensor<4xf16>, tensor<4xf16>
  return %0, %1, %2 : tensor<8x16x64xf32>, tensor<8x16x64xf32>, tensor<4xf16>
}

// -----

// The gradient dl-autodiff builds for it: the input's gradient and the
// normalized input, both of the input's type.
// CHECK-LABEL: func.func @layer_norm_backward(
// CHECK: dl.layer_norm_backward %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x16x64xf32>, tensor<64xf32>
// CHECK: dl.layer_norm_backward %{{.*}}, %{{.*}}, %{{.*}} axis = 1 epsilon = 9.9999999999999995E-7 : tensor<8x16x64xf32>, tensor<16x64xf32>
func.func @layer_norm_backward(%x: tensor<8x16x64xf32>, %dy: tensor<8x16x64xf32>, %g: tensor<64xf32>, %g2: tensor<16x64xf32>)
    -> (tensor<8x16x64xf32>, tensor<8x16x64xf32>, tensor<8x16x64xf32>) {
  %dx, %xhat = dl.layer_norm_backward %x, %dy, %g : tensor<8x16x64xf32>, tensor<64xf32>
  %dx2, %xhat2 = dl.layer_norm_backward %x, %dy, %g2 axis = 1 epsilon = 1.0e-6 : tensor<8x16x64xf32>, tensor<16x64xf32>
  return %dx, %xhat, %dx2 : tensor<8x16x64xf32>, tensor<8x16x64xf32>, tensor<8x16x64xf32>
}

// -----

// Indices of shape S give a result of shape S x features.
// CHECK-LABEL: func.func @embedding(
// CHECK-SAME: -> (tensor<8x16x64xf32>, tensor<5x64xf32>, tensor<64xf32>)
// CHECK: dl.embedding %{{.*}}, %{{.*}} : tensor<1000x64xf32>, tensor<8x16xi32>
// CHECK: dl.embedding %{{.*}}, %{{.*}} : tensor<1000x64xf32>, tensor<5xi64>
// CHECK: dl.embedding %{{.*}}, %{{.*}} : tensor<1000x64xf32>, tensor<i32>
func.func @embedding(%table: tensor<1000x64xf32>, %ids: tensor<8x16xi32>, %ids64: tensor<5xi64>, %id: tensor<i32>)
    -> (tensor<8x16x64xf32>, tensor<5x64xf32>, tensor<64xf32>) {
  %0 = dl.embedding %table, %ids : tensor<1000x64xf32>, tensor<8x16xi32>
  %1 = dl.embedding %table, %ids64 : tensor<1000x64xf32>, tensor<5xi64>
  %2 = dl.embedding %table, %id : tensor<1000x64xf32>, tensor<i32>
  return %0, %1, %2 : tensor<8x16x64xf32>, tensor<5x64xf32>, tensor<64xf32>
}

// -----

// Losses and metrics are scalars of the logits' element type.
// CHECK-LABEL: func.func @losses(
// CHECK-SAME: -> (tensor<f32>, tensor<f16>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f64>, tensor<f32>, tensor<f32>)
// CHECK: dl.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi32>
// CHECK: dl.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<64x10xf16>, tensor<64xi64>
// CHECK: dl.mse_loss %{{.*}}, %{{.*}} : tensor<64x10xf32>{{$}}
// CHECK: dl.mse_loss %{{.*}}, %{{.*}} reduction = sum : tensor<64x10xf32>
// CHECK: dl.mse_loss %{{.*}}, %{{.*}} reduction = batch_mean : tensor<64x10xf32>
// CHECK: dl.mse_loss %{{.*}}, %{{.*}} reduction = sum : tensor<f64>
// CHECK: dl.accuracy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi32>
// CHECK: dl.accuracy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi64>
func.func @losses(%logits: tensor<64x10xf32>, %labels: tensor<64xi32>, %logits16: tensor<64x10xf16>, %labels64: tensor<64xi64>, %y: tensor<64x10xf32>, %s: tensor<f64>)
    -> (tensor<f32>, tensor<f16>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f64>, tensor<f32>, tensor<f32>) {
  %0 = dl.softmax_cross_entropy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
  %1 = dl.softmax_cross_entropy %logits16, %labels64 : tensor<64x10xf16>, tensor<64xi64>
  %2 = dl.mse_loss %logits, %y reduction = mean : tensor<64x10xf32>
  %3 = dl.mse_loss %logits, %y reduction = sum : tensor<64x10xf32>
  %4 = dl.mse_loss %logits, %y reduction = batch_mean : tensor<64x10xf32>
  %5 = dl.mse_loss %s, %s reduction = sum : tensor<f64>
  %6 = dl.accuracy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
  %7 = dl.accuracy %logits, %labels64 : tensor<64x10xf32>, tensor<64xi64>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<f32>, tensor<f16>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f64>, tensor<f32>, tensor<f32>
}

// -----

// The default reduction may be omitted (inference runs before defaults are set).
// CHECK-LABEL: func.func @mse_loss_default
// CHECK: dl.mse_loss %{{.*}}, %{{.*}} : tensor<4xf32>
func.func @mse_loss_default(%p: tensor<4xf32>, %t: tensor<4xf32>) -> tensor<f32> {
  %l = dl.mse_loss %p, %t : tensor<4xf32>
  return %l : tensor<f32>
}
