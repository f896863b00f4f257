// What the emitter writes for the cases the shipped models do not reach:
// constant data (i1 as one byte per element), kernel immediates (i1 true is
// 1, not -1), a kernel that only broadcasts, i64 arithmetic in f64, a
// reshaped parameter (copied: persistent buffers have no aliases), a
// returned input (copied into an output), concat's operand list.
// RUN: dlc compile %s --target cpu -o %t.fb
// RUN: dlc inspect %t.fb | FileCheck %s

// CHECK:      parameters (persistent region: 192 bytes):
// CHECK-NEXT:   w: tensor<2x4xf32> offset 0 #dl.zeros
// CHECK-NEXT:   table: tensor<2x2xf32> offset 64 dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:   flags: tensor<3xi1> offset 128 dense<[true, false, true]> : tensor<3xi1> (state)
// CHECK-NEXT:   trainable 48 bytes, state 3 bytes
// CHECK-NEXT: entry forward (arena {{[0-9]+}} bytes):
// CHECK-NEXT:   input x: tensor<2x4xf32>
// CHECK-NEXT:   input i: tensor<4xi64>
// CHECK-NEXT:   input bias: tensor<4xf32>
// CHECK-NEXT:   output picked: tensor<2x4xf32>
// CHECK-NEXT:   output flat: tensor<8xf32>
// CHECK-NEXT:   output spread: tensor<2x4xf32>
// CHECK-NEXT:   output twice: tensor<4xi64>
// CHECK-NEXT:   output same: tensor<2x4xf32>
// CHECK-NEXT:   output both: tensor<4x4xf32>
// CHECK-NEXT:     0 Launch k0_cast -> k0_cast:{{[0-9]+}} @
// CHECK-NEXT:     1 Launch k1_select constant, x, k0_cast:{{[0-9]+}} -> picked @
// CHECK-NEXT:     2 Copy w -> flat @
// CHECK-NEXT:     3 Launch k2_broadcast_to bias -> spread @
// CHECK-NEXT:     4 Launch k3_add i -> twice @
// CHECK-NEXT:     5 Concat x, x -> both @
// CHECK-NEXT:     6 Copy x -> same @
// CHECK-NEXT: kernels: 4
// CHECK-NEXT:   k0_cast [] f32: %0 = Constant 1; %1 = Cast %0 to f32 -> %1
// CHECK-NEXT:   k1_select [2x4] f32: %0 = Load 0; %1 = Load 1; %2 = Load 2; %3 = Select %0, %1, %2 -> %3
// CHECK-NEXT:   k2_broadcast_to [2x4] f32: %0 = Load 0 -> %0
// CHECK-NEXT:   k3_add [4] f64: %0 = Load 0; %1 = Add %0, %0 -> %1
// CHECK-NEXT: constants: 4 bytes
// CHECK-NEXT:   constant: tensor<4xi1> offset 0: 01 00 01 01
// CHECK-NOT: {{.}}

module @emitter {
  dl.param @w : tensor<2x4xf32> = #dl.zeros
  dl.param @table : tensor<2x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  dl.param state @flags : tensor<3xi1> = dense<[true, false, true]> : tensor<3xi1>

  func.func @forward(%x: tensor<2x4xf32>, %i: tensor<4xi64>, %bias: tensor<4xf32>)
      -> (tensor<2x4xf32>, tensor<8xf32>, tensor<2x4xf32>, tensor<4xi64>,
          tensor<2x4xf32> {dl.name = "same"}, tensor<4x4xf32>) {
    %mask = dl.constant dense<[true, false, true, true]> : tensor<4xi1>
    %true = dl.constant dense<true> : tensor<i1>
    %ones = dl.cast %true : tensor<i1> -> tensor<f32>
    %picked = dl.select %mask, %x, %ones : tensor<4xi1>, tensor<2x4xf32>, tensor<f32>
    %w = dl.param.get @w : tensor<2x4xf32>
    %flat = dl.reshape %w : tensor<2x4xf32> -> tensor<8xf32>
    %spread = dl.broadcast_to %bias : tensor<4xf32> -> tensor<2x4xf32>
    %twice = dl.add %i, %i : tensor<4xi64>
    %both = dl.concat %x, %x axis = 0 : tensor<2x4xf32>, tensor<2x4xf32>
    return %picked, %flat, %spread, %twice, %x, %both
        : tensor<2x4xf32>, tensor<8xf32>, tensor<2x4xf32>, tensor<4xi64>, tensor<2x4xf32>, tensor<4x4xf32>
  }
}
