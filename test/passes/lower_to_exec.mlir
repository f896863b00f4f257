// RUN: dlc-opt %s --dl-lower-to-exec --split-input-file --verify-diagnostics | FileCheck %s

// Every public function becomes an exec.entry: each op that is a library
// routine an exec.call with the routine's attributes (defaults filled in), each
// elementwise op a kernel and its launch, each result an exec.alloc of its
// own.

// CHECK-LABEL: exec.entry @matmul outputs ["output0", "output1"] {
// CHECK-NEXT: %[[A:.*]] = exec.input "input0" : memref<4x8xf32>
// CHECK-NEXT: %[[B:.*]] = exec.input "input1" : memref<5x8xf32>
// CHECK-NEXT: %[[C:.*]] = exec.alloc : memref<4x5xf32>
// CHECK-NEXT: exec.call "matmul" ins(%[[A]], %[[B]] : memref<4x8xf32>, memref<5x8xf32>) outs(%[[C]] : memref<4x5xf32>) {transpose_a = false, transpose_b = true}
// CHECK-NEXT: %[[D:.*]] = exec.alloc : memref<8x8xf32>
// CHECK-NEXT: exec.call "matmul" ins(%[[A]], %[[A]] : memref<4x8xf32>, memref<4x8xf32>) outs(%[[D]] : memref<8x8xf32>) {transpose_a = true, transpose_b = false}
// CHECK-NEXT: exec.return %[[C]], %[[D]] : memref<4x5xf32>, memref<8x8xf32>
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<5x8xf32>) -> (tensor<4x5xf32>, tensor<8x8xf32>) {
  %0 = dl.matmul %a, %b transpose_b : tensor<4x8xf32>, tensor<5x8xf32>
  %1 = dl.matmul %a, %a transpose_a : tensor<4x8xf32>, tensor<4x8xf32>
  return %0, %1 : tensor<4x5xf32>, tensor<8x8xf32>
}

// -----

// The bias is the third input; padding [h, w] becomes [top, left, bottom,
// right]; stride, dilation and groups get their defaults.
// CHECK-LABEL: exec.entry @conv2d
// CHECK: %[[X:.*]] = exec.input "input0" : memref<2x4x9x9xf32>
// CHECK: %[[W:.*]] = exec.input "input1" : memref<8x4x3x3xf32>
// CHECK: %[[B:.*]] = exec.input "input2" : memref<8xf32>
// CHECK: exec.call "conv2d" ins(%[[X]], %[[W]] : memref<2x4x9x9xf32>, memref<8x4x3x3xf32>) outs(%{{.*}} : memref<2x8x7x7xf32>) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
// CHECK: exec.call "conv2d" ins(%[[X]], %[[W]], %[[B]] : memref<2x4x9x9xf32>, memref<8x4x3x3xf32>, memref<8xf32>) outs(%{{.*}} : memref<2x8x9x9xf32>) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
// CHECK: exec.call "conv2d" ins(%[[X]], %[[W]] : memref<2x4x9x9xf32>, memref<8x4x3x3xf32>) outs(%{{.*}} : memref<2x8x8x10xf32>) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 2, 0, 1>, stride = array<i64: 1, 1>}
// CHECK: exec.call "conv2d" ins(%[[X]], %[[W]] : memref<2x4x9x9xf32>, memref<8x4x3x3xf32>) outs(%{{.*}} : memref<2x8x5x7xf32>) {dilation = array<i64: 2, 1>, groups = 1 : i64, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
func.func @conv2d(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>)
    -> (tensor<2x8x7x7xf32>, tensor<2x8x9x9xf32>, tensor<2x8x8x10xf32>, tensor<2x8x5x7xf32>) {
  %0 = dl.conv2d %x, %w : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  %1 = dl.conv2d %x, %w, %b padding = [1, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>
  %2 = dl.conv2d %x, %w padding = [1, 2, 0, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  %3 = dl.conv2d %x, %w dilation = [2, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return %0, %1, %2, %3 : tensor<2x8x7x7xf32>, tensor<2x8x9x9xf32>, tensor<2x8x8x10xf32>, tensor<2x8x5x7xf32>
}

// -----

// The stride defaults to the kernel; count_include_pad picks the average
// that divides by the whole window.
// CHECK-LABEL: exec.entry @pooling
// CHECK: exec.call "pool2d" ins(%{{.*}} : memref<2x3x8x8xf32>) outs(%{{.*}} : memref<2x3x4x4xf32>) {kernel = array<i64: 2, 2>, kind = "max", padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}
// CHECK: exec.call "pool2d" ins(%{{.*}} : memref<2x3x8x8xf32>) outs(%{{.*}} : memref<2x3x4x4xf32>) {kernel = array<i64: 3, 3>, kind = "average", padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>}
// CHECK: exec.call "pool2d" ins(%{{.*}} : memref<2x3x8x8xf32>) outs(%{{.*}} : memref<2x3x9x9xf32>) {kernel = array<i64: 2, 2>, kind = "average_include_pad", padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
func.func @pooling(%x: tensor<2x3x8x8xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x9x9xf32>) {
  %0 = dl.max_pool2d %x kernel = [2, 2] : tensor<2x3x8x8xf32>
  %1 = dl.avg_pool2d %x kernel = [3, 3] stride = [2, 2] padding = [1, 1] : tensor<2x3x8x8xf32>
  %2 = dl.avg_pool2d %x kernel = [2, 2] stride = [1, 1] padding = [1, 1] count_include_pad : tensor<2x3x8x8xf32>
  return %0, %1, %2 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x9x9xf32>
}

// -----

// keepdims changes only the output's shape, not the routine's attributes.
// CHECK-LABEL: exec.entry @reductions
// CHECK: exec.call "reduce" ins(%{{.*}} : memref<2x3x4xf32>) outs(%{{.*}} : memref<2xf32>) {axes = array<i64: 1, 2>, kind = "sum"}
// CHECK: exec.call "reduce" ins(%{{.*}} : memref<2x3x4xf32>) outs(%{{.*}} : memref<1x1x1xf32>) {axes = array<i64: 0, 1, 2>, kind = "mean"}
// CHECK: exec.call "reduce" ins(%{{.*}} : memref<2x3x4xf32>) outs(%{{.*}} : memref<3x4xf32>) {axes = array<i64: 0>, kind = "max"}
// CHECK: exec.call "argmax" ins(%{{.*}} : memref<2x3x4xf32>) outs(%{{.*}} : memref<2x4xi32>) {axis = 1 : i64}
func.func @reductions(%x: tensor<2x3x4xf32>) -> (tensor<2xf32>, tensor<1x1x1xf32>, tensor<3x4xf32>, tensor<2x4xi32>) {
  %0 = dl.reduce_sum %x axes = [1, 2] : tensor<2x3x4xf32>
  %1 = dl.reduce_mean %x axes = [0, 1, 2] keepdims : tensor<2x3x4xf32>
  %2 = dl.reduce_max %x axes = [0] : tensor<2x3x4xf32>
  %3 = dl.argmax %x axis = 1 : tensor<2x3x4xf32> -> tensor<2x4xi32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<1x1x1xf32>, tensor<3x4xf32>, tensor<2x4xi32>
}

// -----

// Slice strides default to ones and pad's value to 0; a call passes a
// repeated operand once per use.
// CHECK-LABEL: exec.entry @shapes
// CHECK: %[[A:.*]] = exec.input "input0" : memref<4x3xf32>
// CHECK: %[[B:.*]] = exec.input "input1" : memref<4x5xf32>
// CHECK: %[[X:.*]] = exec.input "input2" : memref<4x8xf32>
// CHECK: exec.call "transpose" ins(%[[A]] : memref<4x3xf32>) outs(%{{.*}} : memref<3x4xf32>) {perm = array<i64: 1, 0>}
// CHECK: exec.call "concat" ins(%[[A]], %[[B]], %[[A]] : memref<4x3xf32>, memref<4x5xf32>, memref<4x3xf32>) outs(%{{.*}} : memref<4x11xf32>) {axis = 1 : i64}
// CHECK: exec.call "slice" ins(%[[X]] : memref<4x8xf32>) outs(%{{.*}} : memref<2x5xf32>) {starts = array<i64: 1, 3>, strides = array<i64: 1, 1>}
// CHECK: exec.call "slice" ins(%[[X]] : memref<4x8xf32>) outs(%{{.*}} : memref<4x3xf32>) {starts = array<i64: 0, 2>, strides = array<i64: 1, 2>}
// CHECK: exec.call "pad" ins(%[[X]] : memref<4x8xf32>) outs(%{{.*}} : memref<4x10xf32>) {low = array<i64: 0, 1>, value = 0.000000e+00 : f64}
// CHECK: exec.call "pad" ins(%[[X]] : memref<4x8xf32>) outs(%{{.*}} : memref<7x9xf32>) {low = array<i64: 1, 0>, value = -1.000000e+00 : f64}
func.func @shapes(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>, %x: tensor<4x8xf32>)
    -> (tensor<3x4xf32>, tensor<4x11xf32>, tensor<2x5xf32>, tensor<4x3xf32>, tensor<4x10xf32>, tensor<7x9xf32>) {
  %0 = dl.transpose %a perm = [1, 0] : tensor<4x3xf32>
  %1 = dl.concat %a, %b, %a axis = 1 : tensor<4x3xf32>, tensor<4x5xf32>, tensor<4x3xf32>
  %2 = dl.slice %x starts = [1, 3] limits = [3, 8] : tensor<4x8xf32>
  %3 = dl.slice %x starts = [0, 2] limits = [4, 7] strides = [1, 2] : tensor<4x8xf32>
  %4 = dl.pad %x low = [0, 1] high = [0, 1] : tensor<4x8xf32>
  %5 = dl.pad %x low = [1, 0] high = [2, 1] value = -1.0 : tensor<4x8xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<3x4xf32>, tensor<4x11xf32>, tensor<2x5xf32>, tensor<4x3xf32>, tensor<4x10xf32>, tensor<7x9xf32>
}

// -----

// The axis defaults to the last one.
// CHECK-LABEL: exec.entry @softmax
// CHECK: exec.call "softmax" ins(%{{.*}} : memref<64x10xf32>) outs(%{{.*}} : memref<64x10xf32>) {axis = 1 : i64, log = false}
// CHECK: exec.call "softmax" ins(%{{.*}} : memref<64x10xf32>) outs(%{{.*}} : memref<64x10xf32>) {axis = 0 : i64, log = false}
// CHECK: exec.call "softmax" ins(%{{.*}} : memref<64x10xf32>) outs(%{{.*}} : memref<64x10xf32>) {axis = 1 : i64, log = true}
// CHECK: exec.call "softmax" ins(%{{.*}} : memref<64x10xf32>) outs(%{{.*}} : memref<64x10xf32>) {axis = 0 : i64, log = true}
func.func @softmax(%x: tensor<64x10xf32>) -> (tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>) {
  %0 = dl.softmax %x : tensor<64x10xf32>
  %1 = dl.softmax %x axis = 0 : tensor<64x10xf32>
  %2 = dl.log_softmax %x : tensor<64x10xf32>
  %3 = dl.log_softmax %x axis = 0 : tensor<64x10xf32>
  return %0, %1, %2, %3 : tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>, tensor<64x10xf32>
}

// -----

// softmax's and log-softmax's gradients are one library call each.
// CHECK-LABEL: exec.entry @softmax_backward
// CHECK: exec.call "softmax_backward" ins(%{{.*}}, %{{.*}} : memref<64x10xf32>, memref<64x10xf32>) outs(%{{.*}} : memref<64x10xf32>) {axis = 1 : i64, log = false}
// CHECK: exec.call "softmax_backward" ins(%{{.*}}, %{{.*}} : memref<64x10xf32>, memref<64x10xf32>) outs(%{{.*}} : memref<64x10xf32>) {axis = 0 : i64, log = true}
func.func @softmax_backward(%y: tensor<64x10xf32>, %dy: tensor<64x10xf32>) -> (tensor<64x10xf32>, tensor<64x10xf32>) {
  %0 = dl.softmax_backward %y, %dy : tensor<64x10xf32>
  %1 = dl.softmax_backward %y, %dy axis = 0 log : tensor<64x10xf32>
  return %0, %1 : tensor<64x10xf32>, tensor<64x10xf32>
}

// -----

// The running statistics, named by symbol on the dl op, become exec.param
// inputs 4 and 5 of the routine; epsilon and momentum get their defaults.
dl.param @gamma : tensor<8xf32> = #dl.ones
dl.param @beta : tensor<8xf32> = #dl.zeros
dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones

// CHECK-LABEL: exec.entry @batch_norm
// CHECK: %[[X:.*]] = exec.input "input0" : memref<2x8x4x4xf32>
// CHECK: %[[G:.*]] = exec.param @gamma : memref<8xf32>
// CHECK: %[[B:.*]] = exec.param @beta : memref<8xf32>
// CHECK: %[[M:.*]] = exec.param @mean : memref<8xf32>
// CHECK: %[[V:.*]] = exec.param @var : memref<8xf32>
// CHECK: exec.call "batch_norm" ins(%[[X]], %[[G]], %[[B]], %[[M]], %[[V]] : memref<2x8x4x4xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>) outs(%{{.*}} : memref<2x8x4x4xf32>) {epsilon = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64, training = false}
// CHECK: %[[M2:.*]] = exec.param @mean : memref<8xf32>
// CHECK: %[[V2:.*]] = exec.param @var : memref<8xf32>
// CHECK: exec.call "batch_norm" ins(%[[X]], %[[G]], %[[B]], %[[M2]], %[[V2]] : {{.*}}) outs(%{{.*}} : memref<2x8x4x4xf32>) {epsilon = 1.000000e-03 : f64, momentum = 5.000000e-01 : f64, training = true}
// The gradient is one call with three outputs; NHWC is channels_last.
// CHECK: exec.call "batch_norm_backward" ins(%[[X]], %[[X]], %[[G]] : memref<2x8x4x4xf32>, memref<2x8x4x4xf32>, memref<8xf32>) outs(%{{.*}}, %{{.*}}, %{{.*}} : memref<2x8x4x4xf32>, memref<8xf32>, memref<8xf32>) {epsilon = 1.000000e-03 : f64}
// CHECK: exec.call "batch_norm" {{.*}} {channels_last = true, epsilon = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64, training = false}
func.func @batch_norm(%x: tensor<2x8x4x4xf32>, %h: tensor<2x4x4x8xf32>)
    -> (tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32>, tensor<8xf32>,
        tensor<8xf32>, tensor<2x4x4x8xf32>) {
  %g = dl.param.get @gamma : tensor<8xf32>
  %b = dl.param.get @beta : tensor<8xf32>
  %0 = dl.batch_norm %x, %g, %b running = (@mean, @var) : tensor<2x8x4x4xf32>, tensor<8xf32>
  %1 = dl.batch_norm %x, %g, %b running = (@mean, @var) epsilon = 1.0e-3 momentum = 0.5 training : tensor<2x8x4x4xf32>, tensor<8xf32>
  %dx, %ds, %do = dl.batch_norm_backward %x, %x, %g epsilon = 1.0e-3 : tensor<2x8x4x4xf32>, tensor<8xf32>
  %2 = dl.batch_norm %h, %g, %b running = (@mean, @var) layout = nhwc : tensor<2x4x4x8xf32>, tensor<8xf32>
  return %0, %1, %dx, %ds, %do, %2 : tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32>,
      tensor<8xf32>, tensor<8xf32>, tensor<2x4x4x8xf32>
}

// -----

// CHECK-LABEL: exec.entry @layer_norm
// CHECK: exec.call "layer_norm" ins({{.*}} : memref<8x16x64xf32>, memref<64xf32>, memref<64xf32>) outs(%{{.*}} : memref<8x16x64xf32>) {axis = 2 : i64, epsilon = 1.000000e-05 : f64}
// CHECK: exec.call "layer_norm" ins({{.*}} : memref<8x16x64xf32>, memref<16x64xf32>, memref<16x64xf32>) outs(%{{.*}} : memref<8x16x64xf32>) {axis = 1 : i64, epsilon = 9.9999999999999995E-7 : f64}
func.func @layer_norm(%x: tensor<8x16x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>, %g2: tensor<16x64xf32>, %b2: tensor<16x64xf32>)
    -> (tensor<8x16x64xf32>, tensor<8x16x64xf32>) {
  %0 = dl.layer_norm %x, %g, %b : tensor<8x16x64xf32>, tensor<64xf32>
  %1 = dl.layer_norm %x, %g2, %b2 axis = 1 epsilon = 1.0e-6 : tensor<8x16x64xf32>, tensor<16x64xf32>
  return %0, %1 : tensor<8x16x64xf32>, tensor<8x16x64xf32>
}

// -----

// Its gradient: one call with two outputs, the input's gradient and the
// normalized input.
// CHECK-LABEL: exec.entry @layer_norm_backward
// CHECK: exec.call "layer_norm_backward" ins({{.*}} : memref<8x16x64xf32>, memref<8x16x64xf32>, memref<16x64xf32>) outs(%[[DX:.*]], %[[XHAT:.*]] : memref<8x16x64xf32>, memref<8x16x64xf32>) {axis = 1 : i64, epsilon = 1.000000e-05 : f64}
// CHECK: exec.return %[[DX]], %[[XHAT]]
func.func @layer_norm_backward(%x: tensor<8x16x64xf32>, %dy: tensor<8x16x64xf32>, %g: tensor<16x64xf32>)
    -> (tensor<8x16x64xf32>, tensor<8x16x64xf32>) {
  %dx, %xhat = dl.layer_norm_backward %x, %dy, %g axis = 1 : tensor<8x16x64xf32>, tensor<16x64xf32>
  return %dx, %xhat : tensor<8x16x64xf32>, tensor<8x16x64xf32>
}

// -----

// CHECK-LABEL: exec.entry @embedding
// CHECK: %[[T:.*]] = exec.input "input0" : memref<1000x64xf32>
// CHECK: %[[I:.*]] = exec.input "input1" : memref<8x16xi32>
// CHECK: exec.call "embedding" ins(%[[T]], %[[I]] : memref<1000x64xf32>, memref<8x16xi32>) outs(%{{.*}} : memref<8x16x64xf32>){{$}}
func.func @embedding(%table: tensor<1000x64xf32>, %ids: tensor<8x16xi32>) -> tensor<8x16x64xf32> {
  %0 = dl.embedding %table, %ids : tensor<1000x64xf32>, tensor<8x16xi32>
  return %0 : tensor<8x16x64xf32>
}

// -----

// Outside training dropout is the identity: no command, the result is the
// input's buffer (returned, so copied into an output). The training form is
// a call, with the step counter as a second input when it has one.
// CHECK-LABEL: exec.entry @dropout
// CHECK: %[[X:.*]] = exec.input "input0" : memref<4x8xf32>
// CHECK-NEXT: %[[T:.*]] = exec.input "input1" : memref<i64>
// CHECK-NEXT: %[[D:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: exec.call "dropout" ins(%[[X]], %[[T]] : memref<4x8xf32>, memref<i64>) outs(%[[D]] : memref<4x8xf32>) {rate = 2.500000e-01 : f64, seed = 7 : i64, training = true}
// CHECK-NEXT: %[[C:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[X]] : memref<4x8xf32>) outs(%[[C]] : memref<4x8xf32>)
// CHECK-NEXT: exec.return %[[C]], %[[D]]
func.func @dropout(%x: tensor<4x8xf32>, %t: tensor<i64>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = dl.dropout %x rate = 0.5 : tensor<4x8xf32>
  %1 = dl.dropout %x rate = 0.25 seed = 7 training step = %t : tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: exec.entry @losses
// CHECK: %[[L:.*]] = exec.input "input0" : memref<64x10xf32>
// CHECK: %[[I:.*]] = exec.input "input1" : memref<64xi32>
// CHECK: %[[Y:.*]] = exec.input "input2" : memref<64x10xf32>
// CHECK: exec.call "softmax_cross_entropy" ins(%[[L]], %[[I]] : memref<64x10xf32>, memref<64xi32>) outs(%{{.*}} : memref<f32>){{$}}
// CHECK: exec.call "mse_loss" ins(%[[L]], %[[Y]] : memref<64x10xf32>, memref<64x10xf32>) outs(%{{.*}} : memref<f32>) {reduction = "mean"}
// CHECK: exec.call "mse_loss" ins(%[[L]], %[[Y]] : memref<64x10xf32>, memref<64x10xf32>) outs(%{{.*}} : memref<f32>) {reduction = "batch_mean"}
// CHECK: exec.call "accuracy" ins(%[[L]], %[[I]] : memref<64x10xf32>, memref<64xi32>) outs(%{{.*}} : memref<f32>){{$}}
func.func @losses(%logits: tensor<64x10xf32>, %labels: tensor<64xi32>, %y: tensor<64x10xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = dl.softmax_cross_entropy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
  %1 = dl.mse_loss %logits, %y reduction = mean : tensor<64x10xf32>
  %2 = dl.mse_loss %logits, %y reduction = batch_mean : tensor<64x10xf32>
  %3 = dl.accuracy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
  return %0, %1, %2, %3 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// Consecutive elementwise ops of one shape and compute type fuse into one
// kernel, with an output per value used outside it (here all six are
// returned). A splat constant is an immediate inside the kernel; a
// non-splat constant is an exec.constant buffer, made once however often it
// is used; an operand used twice is one kernel input.
// CHECK-LABEL: exec.entry @elementwise
// CHECK-NEXT: %[[X:.*]] = exec.input "input0" : memref<4x8xf32>
// CHECK-NEXT: %[[M:.*]] = exec.input "input1" : memref<4x8xi1>
// CHECK-NEXT: %[[RAMP:.*]] = exec.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]> : tensor<8xf32> : memref<8xf32>
// CHECK-NEXT: %[[SCALED:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: %[[SUM:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: %[[SQUARE:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: %[[PICK:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: %[[CAST:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: %[[BIAS:.*]] = exec.alloc : memref<4x8xf32>
// CHECK-NEXT: exec.launch @k0_mul_add_mul_select_and_2_more ins(%[[X]], %[[RAMP]], %[[M]] : memref<4x8xf32>, memref<8xf32>, memref<4x8xi1>) outs(%[[SCALED]], %[[SUM]], %[[SQUARE]], %[[PICK]], %[[CAST]], %[[BIAS]] :
// CHECK-NEXT: exec.return %[[SCALED]], %[[SUM]], %[[SQUARE]], %[[PICK]], %[[CAST]], %[[BIAS]] :
// CHECK-LABEL: exec.kernel @k0_mul_add_mul_select_and_2_more {
// CHECK-NEXT: ^bb0(%[[IN:.*]]: tensor<4x8xf32>, %[[R:.*]]: tensor<8xf32>, %[[C:.*]]: tensor<4x8xi1>):
// CHECK-NEXT: %[[HALF:.*]] = dl.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT: %[[A:.*]] = dl.mul %[[IN]], %[[HALF]] : tensor<4x8xf32>, tensor<f32>
// CHECK-NEXT: %[[B:.*]] = dl.add %[[A]], %[[R]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[D:.*]] = dl.mul %[[B]], %[[B]] : tensor<4x8xf32>
// CHECK-NEXT: %[[E:.*]] = dl.select %[[C]], %[[D]], %[[R]]
// CHECK-NEXT: %[[F:.*]] = dl.cast %[[C]] : tensor<4x8xi1> -> tensor<4x8xf32>
// CHECK-NEXT: %[[G:.*]] = dl.broadcast_to %[[R]] : tensor<8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: exec.yield %[[A]], %[[B]], %[[D]], %[[E]], %[[F]], %[[G]] :
func.func @elementwise(%x: tensor<4x8xf32>, %m: tensor<4x8xi1>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %half = dl.constant dense<0.5> : tensor<f32>
  %ramp = dl.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %0 = dl.mul %x, %half : tensor<4x8xf32>, tensor<f32>
  %1 = dl.add %0, %ramp : tensor<4x8xf32>, tensor<8xf32>
  %2 = dl.mul %1, %1 : tensor<4x8xf32>
  %3 = dl.select %m, %2, %ramp : tensor<4x8xi1>, tensor<4x8xf32>, tensor<8xf32>
  %4 = dl.cast %m : tensor<4x8xi1> -> tensor<4x8xf32>
  %5 = dl.broadcast_to %ramp : tensor<8xf32> -> tensor<4x8xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Fusion stops at a library call and at a change of shape or of compute
// type (the f32 -> f64 cast stays alone), and leaves integer arithmetic
// alone; a value used only inside a group gets no buffer (the first exp).
// CHECK-LABEL: exec.entry @fusion_boundaries
// CHECK: exec.launch @k0_exp_neg ins(%{{.*}} : memref<4x8xf32>) outs(%{{.*}} : memref<4x8xf32>)
// CHECK-NEXT: exec.alloc : memref<4x1xf32>
// CHECK-NEXT: exec.call "reduce"
// CHECK-NEXT: exec.alloc : memref<4x8xf32>
// CHECK-NEXT: exec.launch @k1_sub ins
// CHECK-NEXT: exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.call "reduce"
// CHECK-NEXT: exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.launch @k2_sqrt ins
// CHECK-NEXT: exec.alloc : memref<4x8xf64>
// CHECK-NEXT: exec.launch @k3_cast ins
// CHECK-NEXT: exec.alloc : memref<4x8xf64>
// CHECK-NEXT: exec.launch @k4_exp ins
// CHECK-NEXT: exec.alloc : memref<4xi32>
// CHECK-NEXT: exec.launch @k5_add ins
// CHECK-NEXT: exec.alloc : memref<4xi32>
// CHECK-NEXT: exec.launch @k6_mul ins
func.func @fusion_boundaries(%x: tensor<4x8xf32>, %i: tensor<4xi32>)
    -> (tensor<4x8xf32>, tensor<4xf32>, tensor<4x8xf64>, tensor<4xi32>) {
  %e = dl.exp %x : tensor<4x8xf32>
  %n = dl.neg %e : tensor<4x8xf32>
  %r = dl.reduce_sum %n axes = [1] keepdims : tensor<4x8xf32>
  %s = dl.sub %n, %r : tensor<4x8xf32>, tensor<4x1xf32>
  %q = dl.reduce_sum %s axes = [1] : tensor<4x8xf32>
  %t = dl.sqrt %q : tensor<4xf32>
  %w = dl.cast %s : tensor<4x8xf32> -> tensor<4x8xf64>
  %v = dl.exp %w : tensor<4x8xf64>
  %a = dl.add %i, %i : tensor<4xi32>
  %b = dl.mul %a, %a : tensor<4xi32>
  return %s, %t, %v, %b : tensor<4x8xf32>, tensor<4xf32>, tensor<4x8xf64>, tensor<4xi32>
}

// -----

// A kernel whose operands are all splats has no inputs: here an i1 splat
// condition and two immediates.
// CHECK-LABEL: exec.entry @all_immediates
// CHECK: exec.launch @k0_select ins() outs(%{{.*}} : memref<4xf32>)
// CHECK-LABEL: exec.kernel @k0_select {
// CHECK-NEXT: %[[C:.*]] = dl.constant dense<true> : tensor<i1>
// CHECK-NEXT: %[[A:.*]] = dl.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: %[[B:.*]] = dl.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[S:.*]] = dl.select %[[C]], %[[A]], %[[B]]
// CHECK-NEXT: exec.yield %[[S]] : tensor<4xf32>
func.func @all_immediates() -> tensor<4xf32> {
  %c = dl.constant dense<true> : tensor<i1>
  %a = dl.constant dense<1.0> : tensor<4xf32>
  %b = dl.constant dense<2.0> : tensor<f32>
  %0 = dl.select %c, %a, %b : tensor<i1>, tensor<4xf32>, tensor<f32>
  return %0 : tensor<4xf32>
}

// -----

// A reshape of an arena buffer is a view of it (and a view returned is the
// output); of a parameter, a copy into the arena (the executable has no
// aliases of persistent buffers); of a constant, a reshaped constant.
dl.param @w : tensor<2x4xf32> = #dl.zeros

// CHECK-LABEL: exec.entry @reshape outputs ["output0", "output1", "output2"] {
// CHECK-NEXT: %[[X:.*]] = exec.input "input0" : memref<2x3x4xf32>
// CHECK-NEXT: %[[R:.*]] = exec.alloc : memref<2x3x4xf32>
// CHECK-NEXT: exec.launch @k0_relu ins(%[[X]] : memref<2x3x4xf32>) outs(%[[R]] : memref<2x3x4xf32>)
// CHECK-NEXT: %[[RV:.*]] = exec.view %[[R]] : memref<2x3x4xf32> -> memref<6x4xf32>
// CHECK-NEXT: %[[W:.*]] = exec.param @w : memref<2x4xf32>
// CHECK-NEXT: %[[WC:.*]] = exec.alloc : memref<8xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[W]] : memref<2x4xf32>) outs(%[[WC]] : memref<8xf32>)
// CHECK-NEXT: %[[C:.*]] = exec.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]]> : tensor<2x4xf32> : memref<2x4xf32>
// CHECK-NEXT: %[[S:.*]] = exec.alloc : memref<2x4xf32>
// CHECK-NEXT: exec.launch @k1_add ins(%[[C]], %[[W]] : memref<2x4xf32>, memref<2x4xf32>) outs(%[[S]] : memref<2x4xf32>)
// CHECK-NEXT: %[[SV:.*]] = exec.view %[[S]] : memref<2x4xf32> -> memref<4x2xf32>
// CHECK-NEXT: exec.return %[[RV]], %[[WC]], %[[SV]] : memref<6x4xf32>, memref<8xf32>, memref<4x2xf32>
func.func @reshape(%x: tensor<2x3x4xf32>) -> (tensor<6x4xf32>, tensor<8xf32>, tensor<4x2xf32>) {
  %r = dl.relu %x : tensor<2x3x4xf32>
  %0 = dl.reshape %r : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %w = dl.param.get @w : tensor<2x4xf32>
  %1 = dl.reshape %w : tensor<2x4xf32> -> tensor<8xf32>
  %c = dl.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %2 = dl.reshape %c : tensor<4x2xf32> -> tensor<2x4xf32>
  %3 = dl.add %2, %w : tensor<2x4xf32>, tensor<2x4xf32>
  %4 = dl.reshape %3 : tensor<2x4xf32> -> tensor<4x2xf32>
  return %0, %1, %4 : tensor<6x4xf32>, tensor<8xf32>, tensor<4x2xf32>
}

// -----

// Outputs are arena buffers of their own: a returned input, parameter or
// constant is copied, and so is a buffer returned a second time, directly or
// through a view.
dl.param @w : tensor<4xf32> = #dl.zeros

// CHECK-LABEL: exec.entry @copies
// CHECK-NEXT: %[[X:.*]] = exec.input "input0" : memref<4xf32>
// CHECK-NEXT: %[[W:.*]] = exec.param @w : memref<4xf32>
// CHECK-NEXT: %[[R:.*]] = exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.launch @k0_relu ins(%[[X]] : memref<4xf32>) outs(%[[R]] : memref<4xf32>)
// CHECK-NEXT: %[[V:.*]] = exec.view %[[R]] : memref<4xf32> -> memref<2x2xf32>
// CHECK-NEXT: %[[XC:.*]] = exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[X]] : memref<4xf32>) outs(%[[XC]] : memref<4xf32>)
// CHECK-NEXT: %[[WC:.*]] = exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[W]] : memref<4xf32>) outs(%[[WC]] : memref<4xf32>)
// CHECK-NEXT: %[[RC:.*]] = exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[R]] : memref<4xf32>) outs(%[[RC]] : memref<4xf32>)
// CHECK-NEXT: %[[VC:.*]] = exec.alloc : memref<2x2xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[V]] : memref<2x2xf32>) outs(%[[VC]] : memref<2x2xf32>)
// CHECK-NEXT: %[[C:.*]] = exec.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32> : memref<4xf32>
// CHECK-NEXT: %[[CC:.*]] = exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[C]] : memref<4xf32>) outs(%[[CC]] : memref<4xf32>)
// CHECK-NEXT: exec.return %[[XC]], %[[WC]], %[[R]], %[[RC]], %[[VC]], %[[CC]] :
func.func @copies(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>) {
  %w = dl.param.get @w : tensor<4xf32>
  %c = dl.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %r = dl.relu %x : tensor<4xf32>
  %v = dl.reshape %r : tensor<4xf32> -> tensor<2x2xf32>
  return %x, %w, %r, %r, %v, %c : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>
}

// -----

// Names come from dl.name (set by the importer); without one, input<N> and
// output<N>. Private functions are dropped once inlined.
// CHECK-NOT: func.func
// CHECK-LABEL: exec.entry @names outputs ["logits", "output1"] {
// CHECK-NEXT: exec.input "images" : memref<4xf32>
// CHECK-NEXT: exec.input "input1" : memref<4xf32>
// CHECK-NOT: func.func
func.func private @unused(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

func.func @names(%a: tensor<4xf32> {dl.name = "images"}, %b: tensor<4xf32>) -> (tensor<4xf32> {dl.name = "logits"}, tensor<4xf32>) {
  %0 = dl.add %a, %b : tensor<4xf32>
  %1 = dl.sub %a, %b : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// A kernel's name that a parameter already has is made unique.
dl.param @k0_relu : tensor<4xf32> = #dl.zeros

// CHECK-LABEL: exec.entry @kernel_name
// CHECK: exec.launch @[[KERNEL:k0_relu_[0-9]+]] ins(
// CHECK: exec.kernel @[[KERNEL]] {
func.func @kernel_name(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dl.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dl.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

func.func @not_inlined(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{calls must be inlined before dl-lower-to-exec}}
  %0 = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Epilogues: a bias add along the last dim and a ReLU after a matmul, or a
// ReLU after a conv2d, run inside the library call when each is the only
// user of the value before it. NHWC convs and pools are marked
// channels_last.
// CHECK-LABEL: exec.entry @epilogues
// CHECK: %[[X:.*]] = exec.input "input0" : memref<4x8xf32>
// CHECK: %[[W:.*]] = exec.input "input1" : memref<8x5xf32>
// CHECK: %[[B:.*]] = exec.input "input2" : memref<5xf32>
// CHECK: %[[IMG:.*]] = exec.input "input3" : memref<2x6x6x3xf32>
// CHECK: %[[F:.*]] = exec.input "input4" : memref<4x3x3x3xf32>
// CHECK: exec.call "matmul" ins(%[[X]], %[[W]], %[[B]] : memref<4x8xf32>, memref<8x5xf32>, memref<5xf32>) outs(%{{.*}} : memref<4x5xf32>) {activation = "relu", transpose_a = false, transpose_b = false}
// CHECK-NOT: exec.launch
// CHECK: exec.call "conv2d" ins(%[[IMG]], %[[F]] : memref<2x6x6x3xf32>, memref<4x3x3x3xf32>) outs(%[[C:.*]] : memref<2x4x4x4xf32>) {activation = "relu", channels_last = true, dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
// CHECK: exec.call "pool2d" ins(%[[C]] : memref<2x4x4x4xf32>) outs(%{{.*}} : memref<2x2x2x4xf32>) {channels_last = true, kernel = array<i64: 2, 2>, kind = "max", padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}
func.func @epilogues(%x: tensor<4x8xf32>, %w: tensor<8x5xf32>, %b: tensor<5xf32>,
                     %img: tensor<2x6x6x3xf32>, %f: tensor<4x3x3x3xf32>)
    -> (tensor<4x5xf32>, tensor<2x2x2x4xf32>) {
  %0 = dl.matmul %x, %w : tensor<4x8xf32>, tensor<8x5xf32>
  %1 = dl.add %b, %0 : tensor<5xf32>, tensor<4x5xf32>
  %2 = dl.relu %1 : tensor<4x5xf32>
  %3 = dl.conv2d %img, %f layout = nhwc : tensor<2x6x6x3xf32>, tensor<4x3x3x3xf32>
  %4 = dl.relu %3 : tensor<2x4x4x4xf32>
  %5 = dl.max_pool2d %4 kernel = [2, 2] layout = nhwc : tensor<2x4x4x4xf32>
  return %2, %5 : tensor<4x5xf32>, tensor<2x2x2x4xf32>
}

// -----

// A tanh after a conv2d (LeNet's activation) runs inside the call too; after
// a matmul it stays a kernel (cuBLASLt has no tanh epilogue), and a tanh
// whose input has another user stays a kernel.
// CHECK-LABEL: exec.entry @tanh_epilogue
// CHECK: exec.call "conv2d" ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<2x3x6x6xf32>, memref<4x3x3x3xf32>, memref<4xf32>) outs(%[[C:.*]] : memref<2x4x4x4xf32>) {activation = "tanh", dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
// CHECK-NOT: exec.launch
// CHECK: exec.call "matmul" ins(%{{.*}}, %{{.*}} : memref<4x8xf32>, memref<8x5xf32>) outs(%[[M:.*]] : memref<4x5xf32>) {transpose_a = false, transpose_b = false}
// CHECK: exec.launch @{{k[0-9]+}}_tanh ins(%[[M]] : memref<4x5xf32>)
// CHECK: exec.call "conv2d" ins(%{{.*}}, %{{.*}} : memref<2x3x6x6xf32>, memref<4x3x3x3xf32>) outs(%[[C2:.*]] : memref<2x4x4x4xf32>) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
// CHECK: exec.launch @{{k[0-9]+}}_tanh{{.*}} ins(%[[C2]] : memref<2x4x4x4xf32>)
func.func @tanh_epilogue(%img: tensor<2x3x6x6xf32>, %f: tensor<4x3x3x3xf32>, %b: tensor<4xf32>,
                         %x: tensor<4x8xf32>, %w: tensor<8x5xf32>)
    -> (tensor<2x4x4x4xf32>, tensor<4x5xf32>, tensor<2x4x4x4xf32>, tensor<2x4x4x4xf32>) {
  %0 = dl.conv2d %img, %f, %b : tensor<2x3x6x6xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  %1 = dl.tanh %0 : tensor<2x4x4x4xf32>
  %2 = dl.matmul %x, %w : tensor<4x8xf32>, tensor<8x5xf32>
  %3 = dl.tanh %2 : tensor<4x5xf32>
  %4 = dl.conv2d %img, %f : tensor<2x3x6x6xf32>, tensor<4x3x3x3xf32>
  %5 = dl.tanh %4 : tensor<2x4x4x4xf32>
  return %1, %3, %4, %5 : tensor<2x4x4x4xf32>, tensor<4x5xf32>, tensor<2x4x4x4xf32>, tensor<2x4x4x4xf32>
}

// -----

// Gradients: a max pool's gradient applies the ReLU mask (the select of its
// result where the pool's input is > 0) as it scatters, and a filter
// gradient computes the bias gradient (the output gradient summed over N, H
// and W) alongside.
// CHECK-LABEL: exec.entry @gradient_fusion
// CHECK: %[[R:.*]] = exec.input "input0" : memref<2x4x4x3xf32>
// CHECK: %[[DY:.*]] = exec.input "input1" : memref<2x2x2x3xf32>
// CHECK: %[[X:.*]] = exec.input "input2" : memref<2x4x4x2xf32>
// CHECK: exec.call "pool2d_backward" ins(%[[R]], %[[DY]] : memref<2x4x4x3xf32>, memref<2x2x2x3xf32>) outs(%[[DR:.*]] : memref<2x4x4x3xf32>) {channels_last = true, kernel = array<i64: 2, 2>, kind = "max", padding = array<i64: 0, 0, 0, 0>, relu_mask = true, stride = array<i64: 2, 2>}
// CHECK-NOT: exec.launch
// CHECK: exec.call "conv2d_backward_filter" ins(%[[X]], %[[DR]] : memref<2x4x4x2xf32>, memref<2x4x4x3xf32>) outs(%[[DW:.*]], %[[DB:.*]] : memref<3x2x3x3xf32>, memref<3xf32>) {channels_last = true,
// CHECK-NOT: exec.call "reduce"
// CHECK: exec.return %[[DW]], %[[DB]]
func.func @gradient_fusion(%r: tensor<2x4x4x3xf32>, %dy: tensor<2x2x2x3xf32>,
                           %x: tensor<2x4x4x2xf32>)
    -> (tensor<3x2x3x3xf32>, tensor<3xf32>) {
  %zero = dl.constant dense<0.0> : tensor<f32>
  %p = dl.pool2d_backward max %r, %dy kernel = [2, 2] layout = nhwc
      : tensor<2x4x4x3xf32>, tensor<2x2x2x3xf32>
  %m = dl.compare gt, %r, %zero : tensor<2x4x4x3xf32>, tensor<f32>
  %s = dl.select %m, %p, %zero : tensor<2x4x4x3xi1>, tensor<2x4x4x3xf32>, tensor<f32>
  %dw = dl.conv2d_backward_filter %x, %s padding = [1, 1] layout = nhwc
      : tensor<2x4x4x2xf32>, tensor<2x4x4x3xf32> -> tensor<3x2x3x3xf32>
  %db = dl.reduce_sum %s axes = [2, 1, 0] : tensor<2x4x4x3xf32>
  return %dw, %db : tensor<3x2x3x3xf32>, tensor<3xf32>
}

// -----

// Not fused: a mask by another value than the pool's input, a pool gradient
// with another user, an average pool; a sum over other axes, and a sum used
// before the filter gradient runs.
// CHECK-LABEL: exec.entry @no_gradient_fusion
// CHECK: exec.call "pool2d_backward" {{.*}} {kernel = {{.*}}, kind = "max", padding = {{.*}}, stride = {{.*}}}
// CHECK-NEXT: exec.alloc
// CHECK-NEXT: exec.launch @{{.*}}_compare_select
// CHECK: exec.call "pool2d_backward" {{.*}} {kernel = {{.*}}, kind = "max", padding = {{.*}}, stride = {{.*}}}
// CHECK-NEXT: exec.alloc
// CHECK-NEXT: exec.alloc
// CHECK-NEXT: exec.launch @{{.*}}_compare_select
// CHECK: exec.call "pool2d_backward" {{.*}} {kernel = {{.*}}, kind = "average", padding = {{.*}}, stride = {{.*}}}
// CHECK-NEXT: exec.alloc
// CHECK-NEXT: exec.launch @{{.*}}_select
// CHECK: exec.call "reduce" {{.*}} {axes = array<i64: 0, 2, 3>, kind = "sum"}
// CHECK: exec.launch @{{.*}}_exp
// CHECK: exec.call "conv2d_backward_filter" ins({{.*}}) outs(%{{[^,]*}} : memref<3x2x3x3xf32>)
// CHECK: exec.call "reduce" {{.*}} {axes = array<i64: 0, 1, 2>, kind = "sum"}
// CHECK-NOT: relu_mask
func.func @no_gradient_fusion(%r: tensor<2x3x4x4xf32>, %other: tensor<2x3x4x4xf32>,
                              %dy: tensor<2x3x2x2xf32>, %x: tensor<2x2x4x4xf32>)
    -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>,
        tensor<3x2x3x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) {
  %zero = dl.constant dense<0.0> : tensor<f32>
  %p1 = dl.pool2d_backward max %r, %dy kernel = [2, 2] : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32>
  %m1 = dl.compare gt, %other, %zero : tensor<2x3x4x4xf32>, tensor<f32>
  %s1 = dl.select %m1, %p1, %zero : tensor<2x3x4x4xi1>, tensor<2x3x4x4xf32>, tensor<f32>
  %p2 = dl.pool2d_backward max %r, %dy kernel = [2, 2] : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32>
  %m2 = dl.compare gt, %r, %zero : tensor<2x3x4x4xf32>, tensor<f32>
  %s2 = dl.select %m2, %p2, %zero : tensor<2x3x4x4xi1>, tensor<2x3x4x4xf32>, tensor<f32>
  %p3 = dl.pool2d_backward average %r, %dy kernel = [2, 2] : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32>
  %s3 = dl.select %m2, %p3, %zero : tensor<2x3x4x4xi1>, tensor<2x3x4x4xf32>, tensor<f32>
  %early = dl.reduce_sum %s1 axes = [0, 2, 3] : tensor<2x3x4x4xf32>
  %e = dl.exp %early : tensor<3xf32>
  %dw = dl.conv2d_backward_filter %x, %s1 padding = [1, 1]
      : tensor<2x2x4x4xf32>, tensor<2x3x4x4xf32> -> tensor<3x2x3x3xf32>
  %wrong = dl.reduce_sum %s1 axes = [0, 1, 2] : tensor<2x3x4x4xf32>
  return %s1, %s2, %p2, %s3, %dw, %e, %early, %wrong
      : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>,
        tensor<3x2x3x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>
}

// -----

// The epilogue stops at a value with another user (the biased result is
// also returned, so the ReLU is a kernel of its own); no bias where the add
// is not a vector along the last dim, or where the bias is computed after
// the matmul.
// CHECK-LABEL: exec.entry @no_epilogues
// CHECK: exec.call "matmul" ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<4x8xf32>, memref<8x5xf32>, memref<5xf32>) outs(%[[BIASED:.*]] : memref<4x5xf32>) {transpose_a = false, transpose_b = false}
// CHECK-NEXT: exec.alloc
// CHECK-NEXT: exec.launch @{{.*}}_relu ins(%[[BIASED]]
// CHECK: exec.call "matmul" ins(%{{.*}}, %{{.*}} : memref<4x8xf32>, memref<8x5xf32>) outs(%{{.*}} : memref<4x5xf32>) {transpose_a = false, transpose_b = false}
// CHECK: exec.launch @{{.*}}_add
// CHECK: exec.call "matmul" ins(%{{.*}}, %{{.*}} : memref<4x8xf32>, memref<8x5xf32>) outs(%{{.*}} : memref<4x5xf32>) {transpose_a = false, transpose_b = false}
// CHECK: exec.launch @{{.*}}_exp
// CHECK: exec.launch @{{.*}}_add
func.func @no_epilogues(%x: tensor<4x8xf32>, %w: tensor<8x5xf32>, %b: tensor<5xf32>,
                        %m: tensor<4x5xf32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  %0 = dl.matmul %x, %w : tensor<4x8xf32>, tensor<8x5xf32>
  %1 = dl.add %0, %b : tensor<4x5xf32>, tensor<5xf32>
  %2 = dl.relu %1 : tensor<4x5xf32>
  %3 = dl.matmul %x, %w : tensor<4x8xf32>, tensor<8x5xf32>
  %4 = dl.add %3, %m : tensor<4x5xf32>, tensor<4x5xf32>
  %5 = dl.matmul %x, %w : tensor<4x8xf32>, tensor<8x5xf32>
  %6 = dl.exp %b : tensor<5xf32>
  %7 = dl.add %5, %6 : tensor<4x5xf32>, tensor<5xf32>
  return %1, %2, %4, %7 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}

// -----

// A kernel output whose only use outside the kernel is a dl.param.set is
// written straight into the parameter (@w: the kernel reads and writes it);
// not when the parameter is read again later (@u).
// CHECK-LABEL: exec.entry @update
// CHECK: %[[W:.*]] = exec.param @w : memref<4xf32>
// CHECK: %[[WOUT:.*]] = exec.param @w : memref<4xf32>
// CHECK-NEXT: exec.launch @k0_mul_sub ins(%{{.*}}, %[[W]] : memref<4xf32>, memref<4xf32>) outs(%[[WOUT]] : memref<4xf32>)
// CHECK: %[[U:.*]] = exec.param @u : memref<4xf32>
// CHECK-NEXT: %[[UNEW:.*]] = exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.launch @k1_sub ins(%[[U]], %{{.*}} : memref<4xf32>, memref<4xf32>) outs(%[[UNEW]] : memref<4xf32>)
// CHECK: %[[UAGAIN:.*]] = exec.param @u : memref<4xf32>
// CHECK: %[[UDEST:.*]] = exec.param @u : memref<4xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[UNEW]] : memref<4xf32>) outs(%[[UDEST]] : memref<4xf32>)
// CHECK-NEXT: %[[RET:.*]] = exec.alloc : memref<4xf32>
// CHECK-NEXT: exec.call "copy" ins(%{{.*}} : memref<4xf32>) outs(%[[RET]] : memref<4xf32>)
// CHECK-NEXT: exec.return %[[RET]]
module {
  dl.param @w : tensor<4xf32> = #dl.zeros
  dl.param @u : tensor<4xf32> = #dl.zeros
  func.func @update(%g: tensor<4xf32>) -> tensor<4xf32> {
    %w = dl.param.get @w : tensor<4xf32>
    %s = dl.mul %g, %g : tensor<4xf32>
    %n = dl.sub %w, %s : tensor<4xf32>
    dl.param.set @w, %n : tensor<4xf32>
    %u = dl.param.get @u : tensor<4xf32>
    %m = dl.sub %u, %g : tensor<4xf32>
    %again = dl.param.get @u : tensor<4xf32>
    %r = dl.reduce_sum %again axes = [0] keepdims : tensor<4xf32>
    dl.param.set @u, %m : tensor<4xf32>
    return %g : tensor<4xf32>
  }
}

// -----

// Not in place either when an earlier read of the parameter is used after
// the kernel.
// CHECK-LABEL: exec.entry @late_use
// CHECK: exec.launch @k0_sub ins(%{{.*}}, %{{.*}} : memref<4xf32>, memref<4xf32>) outs(%[[NEW:.*]] : memref<4xf32>)
// CHECK: exec.call "reduce"
// CHECK: %[[DEST:.*]] = exec.param @w : memref<4xf32>
// CHECK-NEXT: exec.call "copy" ins(%[[NEW]] : memref<4xf32>) outs(%[[DEST]] : memref<4xf32>)
module {
  dl.param @w : tensor<4xf32> = #dl.zeros
  func.func @late_use(%g: tensor<4xf32>) -> tensor<f32> {
    %w = dl.param.get @w : tensor<4xf32>
    %n = dl.sub %w, %g : tensor<4xf32>
    %r = dl.reduce_sum %w axes = [0] : tensor<4xf32>
    dl.param.set @w, %n : tensor<4xf32>
    return %r : tensor<f32>
  }
}
