// RUN: dlc-opt %s --dl-autodiff --split-input-file --verify-diagnostics | FileCheck %s
//
// dl-autodiff adds @loss_grad: @loss's body, the backward pass (each op's
// rule, in reverse), and a return of loss's results followed by each
// trainable parameter's gradient. The numbers are checked against finite
// differences by test/e2e/grad_check.py; this file pins the IR the rules
// build.

// The seed is 1.0; reduce_sum spreads it back, relu masks by its result > 0,
// exp multiplies by its result.
// CHECK-LABEL: module @chain
// CHECK: func.func @loss_grad() -> (tensor<f32>, tensor<4xf32> {dl.gradient_of = @p, dl.name = "p.grad"})
// CHECK-NEXT: %[[P:.*]] = dl.param.get @p : tensor<4xf32>
// CHECK-NEXT: %[[E:.*]] = dl.exp %[[P]] : tensor<4xf32>
// CHECK-NEXT: %[[R:.*]] = dl.relu %[[E]] : tensor<4xf32>
// CHECK-NEXT: %[[L:.*]] = dl.reduce_sum %[[R]] axes = [0] : tensor<4xf32>
// CHECK-NEXT: %[[ONE:.*]] = dl.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[K:.*]] = dl.reshape %[[ONE]] : tensor<f32> -> tensor<1xf32>
// CHECK-NEXT: %[[G:.*]] = dl.broadcast_to %[[K]] : tensor<1xf32> -> tensor<4xf32>
// CHECK-NEXT: %[[ZERO:.*]] = dl.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.*]] = dl.compare gt, %[[R]], %[[ZERO]] : tensor<4xf32>, tensor<f32>
// CHECK-NEXT: %[[GR:.*]] = dl.select %[[POS]], %[[G]], %[[ZERO]] : tensor<4xi1>, tensor<4xf32>, tensor<f32>
// CHECK-NEXT: %[[GP:.*]] = dl.mul %[[GR]], %[[E]] : tensor<4xf32>
// CHECK-NEXT: return %[[L]], %[[GP]] : tensor<f32>, tensor<4xf32>
module @chain {
  dl.param @p : tensor<4xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %p = dl.param.get @p : tensor<4xf32>
    %e = dl.exp %p : tensor<4xf32>
    %r = dl.relu %e : tensor<4xf32>
    %l = dl.reduce_sum %r axes = [0] : tensor<4xf32>
    return %l : tensor<f32>
  }
}

// -----

// Broadcasting is undone by summing: [3, 1] * [4] -> [3, 4]; a's gradient
// sums over dim 1 and is reshaped to 3x1, b's sums over dim 0.
// CHECK-LABEL: module @broadcast
// CHECK: func.func @loss_grad() -> (tensor<f32>, tensor<3x1xf32> {dl.gradient_of = @a, dl.name = "a.grad"}, tensor<4xf32> {dl.gradient_of = @b, dl.name = "b.grad"})
// CHECK: %[[G:.*]] = dl.broadcast_to %{{.*}} : tensor<1x1xf32> -> tensor<3x4xf32>
// CHECK-NEXT: %[[GA:.*]] = dl.mul %[[G]], %[[B:.*]] : tensor<3x4xf32>, tensor<4xf32>
// CHECK-NEXT: %[[SA:.*]] = dl.reduce_sum %[[GA]] axes = [1] : tensor<3x4xf32>
// CHECK-NEXT: %[[DA:.*]] = dl.reshape %[[SA]] : tensor<3xf32> -> tensor<3x1xf32>
// CHECK-NEXT: %[[GB:.*]] = dl.mul %[[G]], %[[A:.*]] : tensor<3x4xf32>, tensor<3x1xf32>
// CHECK-NEXT: %[[DB:.*]] = dl.reduce_sum %[[GB]] axes = [0] : tensor<3x4xf32>
// CHECK-NEXT: return %{{.*}}, %[[DA]], %[[DB]]
module @broadcast {
  dl.param @a : tensor<3x1xf32> = #dl.zeros
  dl.param @b : tensor<4xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %a = dl.param.get @a : tensor<3x1xf32>
    %b = dl.param.get @b : tensor<4xf32>
    %m = dl.mul %a, %b : tensor<3x1xf32>, tensor<4xf32>
    %l = dl.reduce_sum %m axes = [0, 1] : tensor<3x4xf32>
    return %l : tensor<f32>
  }
}

// -----

// A weight shared across a batch: dW = x^T g per batch (transpose_a, no
// transpose materialized), summed over the batch dim; the input gets none.
// reduce_mean scales by 1/24.
// CHECK-LABEL: module @matmul
// CHECK: func.func @loss_grad(%[[X:.*]]: tensor<2x4x5xf32>) -> (tensor<f32>, tensor<5x3xf32> {dl.gradient_of = @w, dl.name = "w.grad"})
// CHECK: dl.constant dense<0.0416666679> : tensor<f32>
// CHECK: %[[G:.*]] = dl.broadcast_to %{{.*}} : tensor<1x1x1xf32> -> tensor<2x4x3xf32>
// CHECK-NEXT: %[[XG:.*]] = dl.matmul %[[X]], %[[G]] transpose_a : tensor<2x4x5xf32>, tensor<2x4x3xf32>
// CHECK-NEXT: %[[DW:.*]] = dl.reduce_sum %[[XG]] axes = [0] : tensor<2x5x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]] : tensor<f32>, tensor<5x3xf32>
module @matmul {
  dl.param @w : tensor<5x3xf32> = #dl.zeros
  func.func @loss(%x: tensor<2x4x5xf32>) -> tensor<f32> {
    %w = dl.param.get @w : tensor<5x3xf32>
    %y = dl.matmul %x, %w : tensor<2x4x5xf32>, tensor<5x3xf32>
    %l = dl.reduce_mean %y axes = [0, 1, 2] : tensor<2x4x3xf32>
    return %l : tensor<f32>
  }
}

// -----

// Softmax cross-entropy: (softmax(logits) - onehot(labels)) * g / N, the
// one-hot matrix from comparing the labels with 0..K-1. Metrics (accuracy)
// are returned but not differentiated.
// CHECK-LABEL: module @sce
// CHECK: func.func @loss_grad(%[[X:.*]]: tensor<4x6xf32>, %[[LABELS:.*]]: tensor<4xi32>) -> (tensor<f32>, tensor<f32>, tensor<6x3xf32> {dl.gradient_of = @w, dl.name = "w.grad"})
// CHECK: %[[Y:.*]] = dl.matmul %[[X]], %{{.*}} : tensor<4x6xf32>, tensor<6x3xf32>
// CHECK: %[[CLASSES:.*]] = dl.constant dense<[0, 1, 2]> : tensor<3xi32>
// CHECK-NEXT: %[[COLUMN:.*]] = dl.reshape %[[LABELS]] : tensor<4xi32> -> tensor<4x1xi32>
// CHECK-NEXT: %[[HIT:.*]] = dl.compare eq, %[[COLUMN]], %[[CLASSES]] : tensor<4x1xi32>, tensor<3xi32>
// CHECK-NEXT: %[[ONEHOT:.*]] = dl.cast %[[HIT]] : tensor<4x3xi1> -> tensor<4x3xf32>
// CHECK-NEXT: %[[SOFTMAX:.*]] = dl.softmax %[[Y]] : tensor<4x3xf32>
// CHECK-NEXT: dl.constant dense<2.500000e-01> : tensor<f32>
// CHECK-NEXT: %[[SCALE:.*]] = dl.mul
// CHECK-NEXT: %[[DIFF:.*]] = dl.sub %[[SOFTMAX]], %[[ONEHOT]] : tensor<4x3xf32>
// CHECK-NEXT: %[[DY:.*]] = dl.mul %[[DIFF]], %[[SCALE]] : tensor<4x3xf32>, tensor<f32>
// CHECK-NEXT: %[[DW:.*]] = dl.matmul %[[X]], %[[DY]] transpose_a : tensor<4x6xf32>, tensor<4x3xf32>
// CHECK-NEXT: return %{{.*}}, %{{.*}}, %[[DW]] : tensor<f32>, tensor<f32>, tensor<6x3xf32>
module @sce {
  dl.param @w : tensor<6x3xf32> = #dl.zeros
  func.func @loss(%x: tensor<4x6xf32>, %labels: tensor<4xi32>) -> (tensor<f32>, tensor<f32>) {
    %w = dl.param.get @w : tensor<6x3xf32>
    %y = dl.matmul %x, %w : tensor<4x6xf32>, tensor<6x3xf32>
    %l = dl.softmax_cross_entropy %y, %labels : tensor<4x3xf32>, tensor<4xi32>
    %a = dl.accuracy %y, %labels : tensor<4x3xf32>, tensor<4xi32>
    return %l, %a : tensor<f32>, tensor<f32>
  }
}

// -----

// State is not differentiated, an unreached parameter gets no result, and a
// parameter read twice gets the sum of both reads' gradients. reduce_max
// splits its gradient among ties.
// CHECK-LABEL: module @reads
// CHECK: func.func @loss_grad() -> (tensor<f32>, tensor<4xf32> {dl.gradient_of = @p, dl.name = "p.grad"})
// CHECK: %[[IS_MAX:.*]] = dl.compare eq, %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<1xf32>
// CHECK-NEXT: %[[HITS:.*]] = dl.cast %[[IS_MAX]] : tensor<4xi1> -> tensor<4xf32>
// CHECK-NEXT: %[[COUNT:.*]] = dl.reduce_sum %[[HITS]] axes = [0] keepdims : tensor<4xf32>
// CHECK-NEXT: %[[G:.*]] = dl.reshape %{{.*}} : tensor<f32> -> tensor<1xf32>
// CHECK-NEXT: %[[SHARE:.*]] = dl.div %[[G]], %[[COUNT]] : tensor<1xf32>
// CHECK-NEXT: %[[ZERO:.*]] = dl.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DN:.*]] = dl.select %[[IS_MAX]], %[[SHARE]], %[[ZERO]]
// CHECK-NEXT: %[[VIA_MUL:.*]] = dl.mul %[[DN]], %{{.*}} : tensor<4xf32>
// CHECK-NEXT: %[[TOTAL:.*]] = dl.add %[[VIA_MUL]], %[[DN]] : tensor<4xf32>
// CHECK-NEXT: return %{{.*}}, %[[TOTAL]] : tensor<f32>, tensor<4xf32>
module @reads {
  dl.param @p : tensor<4xf32> = #dl.zeros
  dl.param @unused : tensor<4xf32> = #dl.zeros
  dl.param state @s : tensor<4xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %p = dl.param.get @p : tensor<4xf32>
    %s = dl.param.get @s : tensor<4xf32>
    %m = dl.mul %p, %s : tensor<4xf32>
    %p2 = dl.param.get @p : tensor<4xf32>
    %n = dl.add %m, %p2 : tensor<4xf32>
    %l = dl.reduce_max %n axes = [0] : tensor<4xf32>
    return %l : tensor<f32>
  }
}

// -----

// Shape ops: transpose by the inverse permutation, slice by padding with
// zeros, pad by slicing, concat by slicing each operand's part.
// CHECK-LABEL: module @shapes
// CHECK: %[[FIRST:.*]] = dl.slice %[[G:.*]] starts = [0, 0] limits = [4, 3] : tensor<4x6xf32>
// CHECK-NEXT: %[[SECOND:.*]] = dl.slice %[[G]] starts = [0, 3] limits = [4, 6] : tensor<4x6xf32>
// CHECK-NEXT: %[[BOTH:.*]] = dl.add %[[FIRST]], %[[SECOND]] : tensor<4x3xf32>
// CHECK-NEXT: %[[PADDED:.*]] = dl.pad %[[BOTH]] low = [1, 0] high = [1, 1] : tensor<4x3xf32>
// CHECK-NEXT: %[[UNPADDED:.*]] = dl.slice %[[PADDED]] starts = [0, 1] limits = [5, 4] : tensor<6x4xf32>
// CHECK-NEXT: %[[DA:.*]] = dl.transpose %[[UNPADDED]] perm = [1, 0] : tensor<5x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[DA]] : tensor<f32>, tensor<3x5xf32>
module @shapes {
  dl.param @a : tensor<3x5xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %a = dl.param.get @a : tensor<3x5xf32>
    %t = dl.transpose %a perm = [1, 0] : tensor<3x5xf32>
    %p = dl.pad %t low = [0, 1] high = [1, 0] : tensor<5x3xf32>
    %s = dl.slice %p starts = [1, 0] limits = [5, 3] : tensor<6x4xf32>
    %c = dl.concat %s, %s axis = 1 : tensor<4x3xf32>, tensor<4x3xf32>
    %l = dl.reduce_sum %c axes = [0, 1] : tensor<4x6xf32>
    return %l : tensor<f32>
  }
}

// -----

// Inference-form dropout passes the gradient through; mse_loss's gradient
// is 2 (prediction - target) g / n (n = 12 for mean), the target's its
// negation.
// CHECK-LABEL: module @mse
// CHECK: dl.constant dense<0.166666672> : tensor<f32>
// CHECK: %[[D:.*]] = dl.sub %[[P:.*]], %[[T:.*]] : tensor<3x4xf32>
// CHECK-NEXT: %[[DP:.*]] = dl.mul %[[D]], %{{.*}} : tensor<3x4xf32>, tensor<f32>
// CHECK-NEXT: %[[DT:.*]] = dl.neg %[[DP]] : tensor<3x4xf32>
// CHECK-NEXT: return %{{.*}}, %[[DP]], %[[DT]]
module @mse {
  dl.param @p : tensor<3x4xf32> = #dl.zeros
  dl.param @t : tensor<3x4xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %p = dl.param.get @p : tensor<3x4xf32>
    %d = dl.dropout %p rate = 0.5 : tensor<3x4xf32>
    %t = dl.param.get @t : tensor<3x4xf32>
    %l = dl.mse_loss %d, %t : tensor<3x4xf32>
    return %l : tensor<f32>
  }
}

// -----

module @no_rule {
  dl.param @w : tensor<6x3xf32> = #dl.zeros
  func.func @loss(%x: tensor<4x6xf32>, %labels: tensor<4xi32>) -> tensor<f32> {
    %w = dl.param.get @w : tensor<6x3xf32>
    %y = dl.matmul %x, %w : tensor<4x6xf32>, tensor<6x3xf32>
    %l = dl.softmax_cross_entropy %y, %labels : tensor<4x3xf32>, tensor<4xi32>
    // expected-error @+1 {{the loss's gradient must flow through 'dl.accuracy', which has no gradient rule}}
    %a = dl.accuracy %y, %labels : tensor<4x3xf32>, tensor<4xi32>
    %s = dl.add %l, %a : tensor<f32>
    return %s : tensor<f32>
  }
}

// -----

module @strided_slice {
  dl.param @p : tensor<6xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %p = dl.param.get @p : tensor<6xf32>
    // expected-error @+1 {{'dl.slice' op has no gradient rule for strides other than 1 yet}}
    %s = dl.slice %p starts = [0] limits = [6] strides = [2] : tensor<6xf32>
    %l = dl.reduce_sum %s axes = [0] : tensor<3xf32>
    return %l : tensor<f32>
  }
}

// -----

module @vector_loss {
  dl.param @p : tensor<6xf32> = #dl.zeros
  // expected-error @+1 {{differentiates its first result, which must be a float scalar (tensor<f32>)}}
  func.func @loss() -> tensor<6xf32> {
    %p = dl.param.get @p : tensor<6xf32>
    return %p : tensor<6xf32>
  }
}

// -----

module @constant_loss {
  dl.param state @s : tensor<f32> = #dl.zeros
  // expected-error @+1 {{the loss does not depend on any trainable parameter}}
  func.func @loss() -> tensor<f32> {
    %s = dl.param.get @s : tensor<f32>
    return %s : tensor<f32>
  }
}

// -----

// Slices that split a tensor (attention's q, k and v of one projection):
// their gradients are joined by one concat, not padded and added; two
// pieces that leave part of the tensor out keep a pad for the rest, and
// pieces that are not side by side are added.
// CHECK-LABEL: module @split
// CHECK: func.func @loss_grad
// CHECK-NOT: dl.pad
// CHECK: %[[QKV:.*]] = dl.concat %{{.*}}, %{{.*}}, %{{.*}} axis = 1 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
// CHECK-NEXT: return %{{.*}}, %[[QKV]] : tensor<f32>, tensor<4x6xf32>
module @split {
  dl.param @p : tensor<4x6xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %p = dl.param.get @p : tensor<4x6xf32>
    %q = dl.slice %p starts = [0, 0] limits = [4, 2] : tensor<4x6xf32>
    %k = dl.slice %p starts = [0, 2] limits = [4, 4] : tensor<4x6xf32>
    %v = dl.slice %p starts = [0, 4] limits = [4, 6] : tensor<4x6xf32>
    %qk = dl.mul %q, %k : tensor<4x2xf32>, tensor<4x2xf32>
    %e = dl.exp %v : tensor<4x2xf32>
    %s = dl.add %qk, %e : tensor<4x2xf32>, tensor<4x2xf32>
    %l = dl.reduce_sum %s axes = [0, 1] : tensor<4x2xf32>
    return %l : tensor<f32>
  }
}

// -----

// CHECK-LABEL: module @gap
// CHECK: func.func @loss_grad
// CHECK: %[[J:.*]] = dl.concat %{{.*}}, %{{.*}} axis = 0 : tensor<1x3xf32>, tensor<2x3xf32>
// CHECK-NEXT: %[[P:.*]] = dl.pad %[[J]] low = [0, 0] high = [3, 0] : tensor<3x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[P]]
module @gap {
  dl.param @p : tensor<6x3xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %p = dl.param.get @p : tensor<6x3xf32>
    %a = dl.slice %p starts = [0, 0] limits = [1, 3] : tensor<6x3xf32>
    %b = dl.slice %p starts = [1, 0] limits = [3, 3] : tensor<6x3xf32>
    %ra = dl.reduce_sum %a axes = [0, 1] : tensor<1x3xf32>
    %rb = dl.reduce_sum %b axes = [0, 1] : tensor<2x3xf32>
    %l = dl.add %ra, %rb : tensor<f32>, tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// CHECK-LABEL: module @apart
// CHECK: func.func @loss_grad
// CHECK-NOT: dl.concat
// CHECK: %[[C:.*]] = dl.pad %{{.*}} low = [2, 0] high = [3, 0] : tensor<1x3xf32>
// CHECK: %[[A:.*]] = dl.pad %{{.*}} low = [0, 0] high = [5, 0] : tensor<1x3xf32>
// CHECK-NEXT: %[[SUM:.*]] = dl.add %[[C]], %[[A]] : tensor<6x3xf32>
// CHECK-NEXT: return %{{.*}}, %[[SUM]]
module @apart {
  dl.param @p : tensor<6x3xf32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %p = dl.param.get @p : tensor<6x3xf32>
    %a = dl.slice %p starts = [0, 0] limits = [1, 3] : tensor<6x3xf32>
    %c = dl.slice %p starts = [2, 0] limits = [3, 3] : tensor<6x3xf32>
    %ra = dl.reduce_sum %a axes = [0, 1] : tensor<1x3xf32>
    %rc = dl.reduce_sum %c axes = [0, 1] : tensor<1x3xf32>
    %l = dl.add %ra, %rc : tensor<f32>, tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

module @not_inlined {
  dl.param @p : tensor<f32> = #dl.zeros
  func.func private @helper() -> tensor<f32> {
    %p = dl.param.get @p : tensor<f32>
    return %p : tensor<f32>
  }
  func.func @loss() -> tensor<f32> {
    // expected-error @+1 {{calls must be inlined before dl-autodiff}}
    %x = func.call @helper() : () -> tensor<f32>
    return %x : tensor<f32>
  }
}

// -----

// expected-error @+1 {{dl-autodiff: no function @loss to differentiate}}
module @no_loss {
  func.func @forward() {
    return
  }
}

// -----

// layer_norm differentiates into one dl.layer_norm_backward (the input's
// gradient and the normalized input, with the op's axis and epsilon); the
// scale's gradient sums grad * normalized over the leading dims, the
// offset's sums grad.
// CHECK-LABEL: module @layer_norm
// CHECK: func.func @loss_grad(%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[G:.*]] = dl.param.get @g : tensor<3x4xf32>
// CHECK: %[[DY:.*]] = dl.broadcast_to %{{.*}} -> tensor<2x3x4xf32>
// CHECK: %[[DX:.*]], %[[XHAT:.*]] = dl.layer_norm_backward %[[X]], %[[DY]], %[[G]] axis = 1 epsilon = 1.000000e-03 : tensor<2x3x4xf32>, tensor<3x4xf32>
// CHECK: %[[P:.*]] = dl.mul %[[DY]], %[[XHAT]] : tensor<2x3x4xf32>
// CHECK: %[[DG:.*]] = dl.reduce_sum %[[P]] axes = [0] : tensor<2x3x4xf32>
// CHECK: %[[DB:.*]] = dl.reduce_sum %[[DY]] axes = [0] : tensor<2x3x4xf32>
// CHECK: return %{{.*}}, %[[DG]], %[[DB]]
module @layer_norm {
  dl.param @g : tensor<3x4xf32> = #dl.ones
  dl.param @b : tensor<3x4xf32> = #dl.zeros
  func.func @loss(%x: tensor<2x3x4xf32>) -> tensor<f32> {
    %g = dl.param.get @g : tensor<3x4xf32>
    %b = dl.param.get @b : tensor<3x4xf32>
    %y = dl.layer_norm %x, %g, %b axis = 1 epsilon = 1.0e-3 : tensor<2x3x4xf32>, tensor<3x4xf32>
    %l = dl.reduce_sum %y axes = [0, 1, 2] : tensor<2x3x4xf32>
    return %l : tensor<f32>
  }
}

// -----

// gelu differentiates into one dl.gelu_backward of its input and the
// incoming gradient, in the same form (exact, or tanh with `approximate`).
// CHECK-LABEL: module @gelu
// CHECK: func.func @loss_grad(%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[W:.*]] = dl.param.get @w : tensor<2x3xf32>
// CHECK: %[[A:.*]] = dl.mul %[[X]], %[[W]] : tensor<2x3xf32>
// CHECK: %[[Y:.*]] = dl.gelu %[[A]] : tensor<2x3xf32>
// CHECK: %[[T:.*]] = dl.gelu %[[Y]] approximate : tensor<2x3xf32>
// CHECK: %[[DT:.*]] = dl.broadcast_to %{{.*}} -> tensor<2x3xf32>
// CHECK: %[[DY:.*]] = dl.gelu_backward %[[Y]], %[[DT]] approximate : tensor<2x3xf32>
// CHECK: %[[DA:.*]] = dl.gelu_backward %[[A]], %[[DY]] : tensor<2x3xf32>
// CHECK: %[[DW:.*]] = dl.mul %[[DA]], %[[X]] : tensor<2x3xf32>
// CHECK: return %{{.*}}, %[[DW]]
module @gelu {
  dl.param @w : tensor<2x3xf32> = #dl.ones
  func.func @loss(%x: tensor<2x3xf32>) -> tensor<f32> {
    %w = dl.param.get @w : tensor<2x3xf32>
    %a = dl.mul %x, %w : tensor<2x3xf32>
    %y = dl.gelu %a : tensor<2x3xf32>
    %t = dl.gelu %y approximate : tensor<2x3xf32>
    %l = dl.reduce_sum %t axes = [0, 1] : tensor<2x3xf32>
    return %l : tensor<f32>
  }
}

// -----

// softmax and log_softmax differentiate into one dl.softmax_backward each,
// of the op's result and the incoming gradient, along the op's axis.
// CHECK-LABEL: module @softmax
// CHECK: func.func @loss_grad(%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[W:.*]] = dl.param.get @w : tensor<2x3xf32>
// CHECK: %[[A:.*]] = dl.mul %[[X]], %[[W]] : tensor<2x3xf32>
// CHECK: %[[S:.*]] = dl.softmax %[[A]] axis = 0 : tensor<2x3xf32>
// CHECK: %[[L:.*]] = dl.log_softmax %[[S]] : tensor<2x3xf32>
// CHECK: %[[DL:.*]] = dl.broadcast_to %{{.*}} -> tensor<2x3xf32>
// CHECK: %[[DS:.*]] = dl.softmax_backward %[[L]], %[[DL]] log : tensor<2x3xf32>
// CHECK: %[[DA:.*]] = dl.softmax_backward %[[S]], %[[DS]] axis = 0 : tensor<2x3xf32>
// CHECK: %[[DW:.*]] = dl.mul %[[DA]], %[[X]] : tensor<2x3xf32>
// CHECK: return %{{.*}}, %[[DW]]
module @softmax {
  dl.param @w : tensor<2x3xf32> = #dl.ones
  func.func @loss(%x: tensor<2x3xf32>) -> tensor<f32> {
    %w = dl.param.get @w : tensor<2x3xf32>
    %a = dl.mul %x, %w : tensor<2x3xf32>
    %s = dl.softmax %a axis = 0 : tensor<2x3xf32>
    %l = dl.log_softmax %s : tensor<2x3xf32>
    %r = dl.reduce_sum %l axes = [0, 1] : tensor<2x3xf32>
    return %r : tensor<f32>
  }
}
