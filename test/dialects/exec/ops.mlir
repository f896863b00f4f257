// RUN: dlc-opt %s --verify-roundtrip | FileCheck %s

// Every exec op in its custom form, printed back as written.

dl.param @w : tensor<4x8xf32> = #dl.he_normal
dl.param state @mean : tensor<8xf32> = #dl.zeros

// CHECK-LABEL: exec.entry @forward outputs ["y", "n"] arena_size = 512 {
// CHECK: %[[X:.*]] = exec.input "x" offset = 0 : memref<2x4xf32>
// CHECK: %[[W:.*]] = exec.param @w : memref<4x8xf32>
// CHECK: %[[M:.*]] = exec.param @mean : memref<8xf32>
// CHECK: %[[C:.*]] = exec.constant dense<[true, false]> : tensor<2xi1> : memref<2xi1>
// CHECK: %[[H:.*]] = exec.alloc offset = 64 : memref<2x8xf32>
// CHECK: exec.call "matmul" ins(%[[X]], %[[W]] : memref<2x4xf32>, memref<4x8xf32>) outs(%[[H]] : memref<2x8xf32>) {transpose_a = false, transpose_b = false}
// CHECK: %[[Y:.*]] = exec.alloc offset = 128 : memref<2x8xf32>
// CHECK: exec.launch @k0_sub ins(%[[H]], %[[M]] : memref<2x8xf32>, memref<8xf32>) outs(%[[Y]] : memref<2x8xf32>)
// CHECK: %[[V:.*]] = exec.view %[[Y]] : memref<2x8xf32> -> memref<16xf32>
// CHECK: %[[N:.*]] = exec.alloc offset = 256 : memref<2xi1>
// CHECK: exec.call "copy" ins(%[[C]] : memref<2xi1>) outs(%[[N]] : memref<2xi1>)
// CHECK: exec.return %[[V]], %[[N]] : memref<16xf32>, memref<2xi1>
exec.entry @forward outputs ["y", "n"] arena_size = 512 {
  %x = exec.input "x" offset = 0 : memref<2x4xf32>
  %w = exec.param @w : memref<4x8xf32>
  %mean = exec.param @mean : memref<8xf32>
  %c = exec.constant dense<[true, false]> : tensor<2xi1> : memref<2xi1>
  %h = exec.alloc offset = 64 : memref<2x8xf32>
  exec.call "matmul" ins(%x, %w : memref<2x4xf32>, memref<4x8xf32>) outs(%h : memref<2x8xf32>) {transpose_a = false, transpose_b = false}
  %y = exec.alloc offset = 128 : memref<2x8xf32>
  exec.launch @k0_sub ins(%h, %mean : memref<2x8xf32>, memref<8xf32>) outs(%y : memref<2x8xf32>)
  %v = exec.view %y : memref<2x8xf32> -> memref<16xf32>
  %n = exec.alloc offset = 256 : memref<2xi1>
  exec.call "copy" ins(%c : memref<2xi1>) outs(%n : memref<2xi1>)
  exec.return %v, %n : memref<16xf32>, memref<2xi1>
}

// CHECK-LABEL: exec.kernel @k0_sub {
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<2x8xf32>, %[[B:.*]]: tensor<8xf32>):
// CHECK-NEXT: %[[TWO:.*]] = dl.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.*]] = dl.sub %[[A]], %[[B]] : tensor<2x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[E:.*]] = dl.mul %[[D]], %[[TWO]] : tensor<2x8xf32>, tensor<f32>
// CHECK-NEXT: exec.yield %[[E]] : tensor<2x8xf32>
exec.kernel @k0_sub {
^bb0(%a: tensor<2x8xf32>, %b: tensor<8xf32>):
  %two = dl.constant dense<2.0> : tensor<f32>
  %d = dl.sub %a, %b : tensor<2x8xf32>, tensor<8xf32>
  %e = dl.mul %d, %two : tensor<2x8xf32>, tensor<f32>
  exec.yield %e : tensor<2x8xf32>
}

// Before memory planning: no offsets, no arena_size. A kernel with no
// inputs (a splat broadcast to its shape) and one with two results; a
// routine with no inputs' attributes (accuracy) and a 0-d output.
// CHECK-LABEL: exec.entry @unplanned outputs ["a", "b", "acc"] {
// CHECK: %[[L:.*]] = exec.input "logits" : memref<4x3xf32>
// CHECK: %[[LB:.*]] = exec.input "labels" : memref<4xi32>
// CHECK: %[[A:.*]] = exec.alloc : memref<4x3xf32>
// CHECK: %[[B:.*]] = exec.alloc : memref<4x3xf32>
// CHECK: exec.launch @k1_two ins() outs(%[[A]], %[[B]] : memref<4x3xf32>, memref<4x3xf32>)
// CHECK: %[[ACC:.*]] = exec.alloc : memref<f32>
// CHECK: exec.call "accuracy" ins(%[[L]], %[[LB]] : memref<4x3xf32>, memref<4xi32>) outs(%[[ACC]] : memref<f32>)
// CHECK: exec.return %[[A]], %[[B]], %[[ACC]] : memref<4x3xf32>, memref<4x3xf32>, memref<f32>
exec.entry @unplanned outputs ["a", "b", "acc"] {
  %logits = exec.input "logits" : memref<4x3xf32>
  %labels = exec.input "labels" : memref<4xi32>
  %a = exec.alloc : memref<4x3xf32>
  %b = exec.alloc : memref<4x3xf32>
  exec.launch @k1_two ins() outs(%a, %b : memref<4x3xf32>, memref<4x3xf32>)
  %acc = exec.alloc : memref<f32>
  exec.call "accuracy" ins(%logits, %labels : memref<4x3xf32>, memref<4xi32>) outs(%acc : memref<f32>)
  exec.return %a, %b, %acc : memref<4x3xf32>, memref<4x3xf32>, memref<f32>
}

// CHECK-LABEL: exec.kernel @k1_two {
// CHECK-NEXT: %[[ONE:.*]] = dl.constant dense<1.000000e+00> : tensor<4x3xf32>
// CHECK-NEXT: %[[NEG:.*]] = dl.neg %[[ONE]] : tensor<4x3xf32>
// CHECK-NEXT: exec.yield %[[ONE]], %[[NEG]] : tensor<4x3xf32>, tensor<4x3xf32>
exec.kernel @k1_two {
  %one = dl.constant dense<1.0> : tensor<4x3xf32>
  %neg = dl.neg %one : tensor<4x3xf32>
  exec.yield %one, %neg : tensor<4x3xf32>, tensor<4x3xf32>
}

// An entry point with no outputs.
// CHECK-LABEL: exec.entry @nothing outputs [] arena_size = 0 {
// CHECK-NEXT: exec.return
// CHECK-NEXT: }
exec.entry @nothing outputs [] arena_size = 0 {
  exec.return
}
