// RUN: dlc-opt %s --dl-channels-last --canonicalize --cse --split-input-file | FileCheck %s

// Two convolutions with ReLU and pooling between them run NHWC end to end:
// the input's unit channel dim moves by a reshape, the transposes between
// the convolutions cancel, one transpose returns the result to NCHW.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<8x1x28x28xf32>
// CHECK-NEXT: %[[R:.*]] = dl.reshape %[[X]] : tensor<8x1x28x28xf32> -> tensor<8x28x28x1xf32>
// CHECK-NEXT: %[[C1:.*]] = dl.conv2d %[[R]], %{{.*}}, %{{.*}} padding = [2, 2] layout = nhwc : tensor<8x28x28x1xf32>, tensor<4x1x5x5xf32>, tensor<4xf32>
// CHECK-NEXT: %[[A1:.*]] = dl.relu %[[C1]] : tensor<8x28x28x4xf32>
// CHECK-NEXT: %[[P1:.*]] = dl.max_pool2d %[[A1]] kernel = [2, 2] layout = nhwc : tensor<8x28x28x4xf32>
// CHECK-NEXT: %[[C2:.*]] = dl.conv2d %[[P1]], %{{.*}} layout = nhwc : tensor<8x14x14x4xf32>, tensor<6x4x3x3xf32>
// CHECK-NEXT: %[[S:.*]] = dl.mul %[[C2]], %{{.*}} : tensor<8x12x12x6xf32>, tensor<f32>
// CHECK-NEXT: %[[P2:.*]] = dl.avg_pool2d %[[S]] kernel = [2, 2] layout = nhwc : tensor<8x12x12x6xf32>
// CHECK-NEXT: %[[T:.*]] = dl.transpose %[[P2]] perm = [0, 3, 1, 2] : tensor<8x6x6x6xf32>
// CHECK-NEXT: return %[[T]] : tensor<8x6x6x6xf32>
func.func @chain(%x: tensor<8x1x28x28xf32>, %w1: tensor<4x1x5x5xf32>, %b1: tensor<4xf32>,
                 %w2: tensor<6x4x3x3xf32>, %s: tensor<f32>) -> tensor<8x6x6x6xf32> {
  %c1 = dl.conv2d %x, %w1, %b1 padding = [2, 2] : tensor<8x1x28x28xf32>, tensor<4x1x5x5xf32>, tensor<4xf32>
  %a1 = dl.relu %c1 : tensor<8x4x28x28xf32>
  %p1 = dl.max_pool2d %a1 kernel = [2, 2] : tensor<8x4x28x28xf32>
  %c2 = dl.conv2d %p1, %w2 : tensor<8x4x14x14xf32>, tensor<6x4x3x3xf32>
  %sc = dl.mul %c2, %s : tensor<8x6x12x12xf32>, tensor<f32>
  %p2 = dl.avg_pool2d %sc kernel = [2, 2] : tensor<8x6x12x12xf32>
  return %p2 : tensor<8x6x6x6xf32>
}

// -----

// A value observed in NCHW keeps a transpose: the ReLU's input is also
// returned, so the ReLU stays NCHW; a broadcast operand that is not a scalar
// stops the elementwise op from moving; a pool of a plain NCHW input stays
// NCHW.
// CHECK-LABEL: func.func @observed
// CHECK: %[[C:.*]] = dl.conv2d %{{.*}}, %{{.*}} layout = nhwc : tensor<2x5x5x3xf32>, tensor<4x3x1x1xf32>
// CHECK-NEXT: %[[T:.*]] = dl.transpose %[[C]] perm = [0, 3, 1, 2] : tensor<2x5x5x4xf32>
// CHECK-NEXT: %[[R:.*]] = dl.relu %[[T]] : tensor<2x4x5x5xf32>
// CHECK-NEXT: %[[A:.*]] = dl.add %[[R]], %{{.*}} : tensor<2x4x5x5xf32>, tensor<4x1x1xf32>
// CHECK-NEXT: %[[P:.*]] = dl.max_pool2d %{{.*}} kernel = [2, 2] : tensor<2x3x5x5xf32>
// CHECK-NEXT: return %[[T]], %[[A]], %[[P]]
func.func @observed(%x: tensor<2x3x5x5xf32>, %w: tensor<4x3x1x1xf32>, %b: tensor<4x1x1xf32>)
    -> (tensor<2x4x5x5xf32>, tensor<2x4x5x5xf32>, tensor<2x3x2x2xf32>) {
  %c = dl.conv2d %x, %w : tensor<2x3x5x5xf32>, tensor<4x3x1x1xf32>
  %r = dl.relu %c : tensor<2x4x5x5xf32>
  %a = dl.add %r, %b : tensor<2x4x5x5xf32>, tensor<4x1x1xf32>
  %p = dl.max_pool2d %x kernel = [2, 2] : tensor<2x3x5x5xf32>
  return %c, %a, %p : tensor<2x4x5x5xf32>, tensor<2x4x5x5xf32>, tensor<2x3x2x2xf32>
}

// -----

// An NHWC convolution is left as it is.
// CHECK-LABEL: func.func @already_nhwc
// CHECK-NEXT: dl.conv2d %{{.*}}, %{{.*}} layout = nhwc
// CHECK-NEXT: return
func.func @already_nhwc(%x: tensor<2x5x5x3xf32>, %w: tensor<4x3x1x1xf32>) -> tensor<2x5x5x4xf32> {
  %c = dl.conv2d %x, %w layout = nhwc : tensor<2x5x5x3xf32>, tensor<4x3x1x1xf32>
  return %c : tensor<2x5x5x4xf32>
}

// -----

// The gradient ops move too: a conv's two gradients, the ReLU mask
// (compare and select, the conv output's transpose serving only ops that
// move) and the bias gradient's sum (axes N, H, W of NHWC).
// CHECK-LABEL: func.func @backward
// CHECK: %[[X:.*]] = dl.transpose %{{.*}} perm = [0, 2, 3, 1] : tensor<2x3x8x8xf32>
// CHECK-NEXT: %[[C:.*]] = dl.conv2d %[[X]], %{{.*}} padding = [1, 1] layout = nhwc
// CHECK-NEXT: %[[R:.*]] = dl.relu %[[C]] : tensor<2x8x8x4xf32>
// CHECK-NEXT: %[[RT:.*]] = dl.transpose %[[R]] perm = [0, 3, 1, 2] : tensor<2x8x8x4xf32>
// CHECK-NEXT: %[[M:.*]] = dl.compare gt, %[[C]], %{{.*}} : tensor<2x8x8x4xf32>, tensor<f32>
// CHECK-NEXT: %[[S:.*]] = dl.select %[[M]], %{{.*}}, %{{.*}} : tensor<2x8x8x4xi1>, tensor<2x8x8x4xf32>, tensor<f32>
// CHECK-NEXT: %[[DW:.*]] = dl.conv2d_backward_filter %[[X]], %[[S]] padding = [1, 1] layout = nhwc
// CHECK-NEXT: %[[DB:.*]] = dl.reduce_sum %[[S]] axes = [0, 1, 2] : tensor<2x8x8x4xf32>
// CHECK-NEXT: %[[DX:.*]] = dl.conv2d_backward_data %[[S]], %{{.*}} padding = [1, 1] layout = nhwc
// CHECK-NEXT: %[[DXT:.*]] = dl.transpose %[[DX]] perm = [0, 3, 1, 2] : tensor<2x8x8x3xf32>
// CHECK-NEXT: return %[[RT]], %[[DW]], %[[DB]], %[[DXT]]
func.func @backward(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %gh: tensor<2x8x8x4xf32>)
    -> (tensor<2x4x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<2x3x8x8xf32>) {
  %g = dl.transpose %gh perm = [0, 3, 1, 2] : tensor<2x8x8x4xf32>
  %c = dl.conv2d %x, %w padding = [1, 1] : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>
  %r = dl.relu %c : tensor<2x4x8x8xf32>
  %zero = dl.constant dense<0.0> : tensor<f32>
  %m = dl.compare gt, %c, %zero : tensor<2x4x8x8xf32>, tensor<f32>
  %s = dl.select %m, %g, %zero : tensor<2x4x8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>
  %dw = dl.conv2d_backward_filter %x, %s padding = [1, 1] : tensor<2x3x8x8xf32>, tensor<2x4x8x8xf32> -> tensor<4x3x3x3xf32>
  %db = dl.reduce_sum %s axes = [0, 2, 3] : tensor<2x4x8x8xf32>
  %dx = dl.conv2d_backward_data %s, %w padding = [1, 1] : tensor<2x4x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x3x8x8xf32>
  return %r, %dw, %db, %dx : tensor<2x4x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<2x3x8x8xf32>
}

// -----

// Batch norm and its training gradient move too: the whole block runs NHWC,
// dx leaves through the one transpose the NCHW result needs.
// CHECK-LABEL: func.func @batch_norm
// CHECK: %[[C:.*]] = dl.conv2d %{{.*}} layout = nhwc
// CHECK-NEXT: %[[B:.*]] = dl.batch_norm %[[C]], %{{.*}}, %{{.*}} running = (@mean, @var) training layout = nhwc : tensor<2x8x8x4xf32>, tensor<4xf32>
// CHECK: %[[DX:.*]], %[[DS:.*]], %[[DO:.*]] = dl.batch_norm_backward %[[C]], %{{.*}}, %{{.*}} layout = nhwc : tensor<2x8x8x4xf32>, tensor<4xf32>
// CHECK: dl.transpose %[[DX]] perm = [0, 3, 1, 2]
// CHECK: return {{.*}}, %[[DS]], %[[DO]]
dl.param state @mean : tensor<4xf32> = #dl.zeros
dl.param state @var : tensor<4xf32> = #dl.ones
func.func @batch_norm(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %g: tensor<4xf32>,
                      %dy: tensor<2x4x8x8xf32>)
    -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) {
  %c = dl.conv2d %x, %w padding = [1, 1] : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>
  %b = dl.batch_norm %c, %g, %g running = (@mean, @var) training : tensor<2x4x8x8xf32>, tensor<4xf32>
  %dx, %ds, %do = dl.batch_norm_backward %c, %dy, %g : tensor<2x4x8x8xf32>, tensor<4xf32>
  return %b, %dx, %ds, %do : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>
}
