// RUN: dlc-opt %s --dl-fold-batch-norm --split-input-file | FileCheck %s
//
// dl-fold-batch-norm: an inference-form batch norm right after a convolution
// that nothing else reads becomes the convolution's filter scale and bias.
// (The numbers: test/e2e/op-reference's batch-norm and convolution cases,
// and the models' outputs against PyTorch in bench/forward.py.)

// Without a convolution bias: s = scale * rsqrt(var + eps), the filter times
// s per output channel, bias offset - mean * s.
// CHECK-LABEL: func.func @no_bias
// CHECK: %[[EPS:.*]] = dl.constant dense<1.000000e-03> : tensor<f32>
// CHECK: %[[MEAN:.*]] = dl.param.get @mean : tensor<4xf32>
// CHECK: %[[VAR:.*]] = dl.param.get @var : tensor<4xf32>
// CHECK: %[[SUM:.*]] = dl.add %[[VAR]], %[[EPS]]
// CHECK: %[[INV:.*]] = dl.rsqrt %[[SUM]]
// CHECK: %[[S:.*]] = dl.mul %[[SCALE:.*]], %[[INV]]
// CHECK: %[[COLUMN:.*]] = dl.reshape %[[S]] : tensor<4xf32> -> tensor<4x1x1x1xf32>
// CHECK: %[[W:.*]] = dl.mul %[[FILTER:.*]], %[[COLUMN]]
// CHECK: %[[MS:.*]] = dl.mul %[[MEAN]], %[[S]]
// CHECK: %[[NEG:.*]] = dl.neg %[[MS]]
// CHECK: %[[B:.*]] = dl.add %[[NEG]], %[[OFFSET:.*]]
// CHECK: %[[Y:.*]] = dl.conv2d %{{.*}}, %[[W]], %[[B]] padding = [1, 1, 1, 1]
// CHECK-NOT: dl.batch_norm
// CHECK: return %[[Y]]
module {
  dl.param @w : tensor<4x2x3x3xf32> = #dl.he_normal
  dl.param @g : tensor<4xf32> = #dl.ones
  dl.param @o : tensor<4xf32> = #dl.zeros
  dl.param state @mean : tensor<4xf32> = #dl.zeros
  dl.param state @var : tensor<4xf32> = #dl.ones
  func.func @no_bias(%x: tensor<2x2x5x5xf32>) -> tensor<2x4x5x5xf32> {
    %w = dl.param.get @w : tensor<4x2x3x3xf32>
    %g = dl.param.get @g : tensor<4xf32>
    %o = dl.param.get @o : tensor<4xf32>
    %c = dl.conv2d %x, %w padding = [1, 1, 1, 1] : tensor<2x2x5x5xf32>, tensor<4x2x3x3xf32>
    %y = dl.batch_norm %c, %g, %o running = (@mean, @var) epsilon = 1.0e-3 : tensor<2x4x5x5xf32>, tensor<4xf32>
    return %y : tensor<2x4x5x5xf32>
  }
}

// -----

// With a bias: (bias - mean) * s + offset.
// CHECK-LABEL: func.func @with_bias
// CHECK: %[[S:.*]] = dl.mul %{{.*}}, %{{.*}} : tensor<4xf32>
// CHECK: %[[D:.*]] = dl.sub %[[BIAS:.*]], %[[MEAN:.*]] : tensor<4xf32>
// CHECK: %[[DS:.*]] = dl.mul %[[D]], %[[S]]
// CHECK: %[[B:.*]] = dl.add %[[DS]], %{{.*}} : tensor<4xf32>
// CHECK: dl.conv2d %{{.*}}, %{{.*}}, %[[B]] layout = nhwc
// CHECK-NOT: dl.batch_norm
module {
  dl.param @w : tensor<4x2x3x3xf32> = #dl.he_normal
  dl.param @b : tensor<4xf32> = #dl.zeros
  dl.param @g : tensor<4xf32> = #dl.ones
  dl.param @o : tensor<4xf32> = #dl.zeros
  dl.param state @mean : tensor<4xf32> = #dl.zeros
  dl.param state @var : tensor<4xf32> = #dl.ones
  func.func @with_bias(%x: tensor<2x5x5x2xf32>) -> tensor<2x3x3x4xf32> {
    %w = dl.param.get @w : tensor<4x2x3x3xf32>
    %b = dl.param.get @b : tensor<4xf32>
    %g = dl.param.get @g : tensor<4xf32>
    %o = dl.param.get @o : tensor<4xf32>
    %c = dl.conv2d %x, %w, %b layout = nhwc : tensor<2x5x5x2xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>
    %y = dl.batch_norm %c, %g, %o running = (@mean, @var) layout = nhwc : tensor<2x3x3x4xf32>, tensor<4xf32>
    return %y : tensor<2x3x3x4xf32>
  }
}

// -----

// Left alone: the training form (batch statistics), and a convolution whose
// output is also read elsewhere.
// CHECK-LABEL: func.func @kept
// CHECK: dl.batch_norm {{.*}} training
// CHECK: dl.batch_norm
// CHECK-NOT: dl.rsqrt
module {
  dl.param @w : tensor<4x2x3x3xf32> = #dl.he_normal
  dl.param @g : tensor<4xf32> = #dl.ones
  dl.param @o : tensor<4xf32> = #dl.zeros
  dl.param state @mean : tensor<4xf32> = #dl.zeros
  dl.param state @var : tensor<4xf32> = #dl.ones
  func.func @kept(%x: tensor<2x2x5x5xf32>) -> (tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32>) {
    %w = dl.param.get @w : tensor<4x2x3x3xf32>
    %g = dl.param.get @g : tensor<4xf32>
    %o = dl.param.get @o : tensor<4xf32>
    %c = dl.conv2d %x, %w : tensor<2x2x5x5xf32>, tensor<4x2x3x3xf32>
    %t = dl.batch_norm %c, %g, %o running = (@mean, @var) training : tensor<2x4x3x3xf32>, tensor<4xf32>
    %d = dl.conv2d %x, %w : tensor<2x2x5x5xf32>, tensor<4x2x3x3xf32>
    %y = dl.batch_norm %d, %g, %o running = (@mean, @var) : tensor<2x4x3x3xf32>, tensor<4xf32>
    return %t, %y, %d : tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32>
  }
}
