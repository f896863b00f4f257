// RUN: dlc-opt %s --dl-build-train-step --canonicalize --cse --split-input-file --verify-diagnostics | FileCheck %s
//
// dl-build-train-step: train_step = the loss in training form, its
// gradients, clipping, the learning rate of the step, the optimizer update
// written back with dl.param.set, and the step counter; eval = the loss as
// written. The update's numbers are checked end to end by training (test/e2e).

// SGD with Nesterov momentum, weight decay, global-norm clipping and a step
// schedule. Dropout's training form takes the step counter, and its
// gradient is the same mask applied to the incoming gradient.
// CHECK-LABEL: module @sgd
// CHECK: dl.param state @train.step : tensor<i64> = #dl.zeros {dl.optimizer_state}
// CHECK-NEXT: dl.param state @w.velocity : tensor<4xf32> = #dl.zeros {dl.optimizer_state}
// CHECK: func.func @eval(%{{.*}}: tensor<4xf32>) -> tensor<f32>
// CHECK: func.func @train_step(%[[X:.*]]: tensor<4xf32>) -> tensor<f32>
// CHECK: %[[T:.*]] = dl.param.get @train.step : tensor<i64>
// CHECK-NEXT: %[[W:.*]] = dl.param.get @w : tensor<4xf32>
// CHECK-NEXT: %[[D:.*]] = dl.dropout %[[W]] rate = 5.000000e-01 seed = 3 training step = %[[T]] : tensor<4xf32>
// CHECK-NEXT: %[[M:.*]] = dl.mul %[[D]], %[[X]] : tensor<4xf32>
// CHECK-NEXT: %[[LOSS:.*]] = dl.reduce_sum %[[M]] axes = [0] : tensor<4xf32>
// CHECK-NEXT: %[[G:.*]] = dl.dropout %[[X]] rate = 5.000000e-01 seed = 3 training step = %[[T]] : tensor<4xf32>
// lr(t) = 0.1 * 0.5^(t / 10):
// CHECK-NEXT: %[[DECAYS:.*]] = dl.div %[[T]], %{{.*}} : tensor<i64>
// CHECK-NEXT: %[[DECAYS64:.*]] = dl.cast %[[DECAYS]] : tensor<i64> -> tensor<f64>
// CHECK-NEXT: %[[FACTOR:.*]] = dl.pow %{{.*}}, %[[DECAYS64]] : tensor<f64>
// CHECK-NEXT: %[[LR:.*]] = dl.mul %{{.*}}, %[[FACTOR]] : tensor<f64>
// Clipping: the factor min(1, 1.0 / ||g||):
// CHECK-NEXT: %[[SQ:.*]] = dl.mul %[[G]], %[[G]] : tensor<4xf32>
// CHECK-NEXT: %[[SUMSQ:.*]] = dl.reduce_sum %[[SQ]] axes = [0] : tensor<4xf32>
// CHECK-NEXT: %[[SUMSQ64:.*]] = dl.cast %[[SUMSQ]] : tensor<f32> -> tensor<f64>
// CHECK-NEXT: %[[NORM:.*]] = dl.sqrt %[[SUMSQ64]] : tensor<f64>
// CHECK-NEXT: %[[RATIO:.*]] = dl.div %{{.*}}, %[[NORM]] : tensor<f64>
// CHECK-NEXT: %[[SCALE:.*]] = dl.minimum %{{.*}}, %[[RATIO]] : tensor<f64>
// The rate and the factor in f32, before the updates:
// CHECK-NEXT: %[[LR32:.*]] = dl.cast %[[LR]] : tensor<f64> -> tensor<f32>
// CHECK-NEXT: %[[SCALE32:.*]] = dl.cast %[[SCALE]] : tensor<f64> -> tensor<f32>
// The clipped gradient leads the update's run of elementwise ops (one
// kernel); g + weight_decay * w; v = momentum * v + g;
// w -= lr * (g + momentum * v):
// CHECK-NEXT: %[[CLIPPED:.*]] = dl.mul %[[G]], %[[SCALE32]] : tensor<4xf32>, tensor<f32>
// CHECK-NEXT: %[[DECAY:.*]] = dl.mul %{{.*}}, %[[W]] : tensor<f32>, tensor<4xf32>
// CHECK-NEXT: %[[GD:.*]] = dl.add %[[CLIPPED]], %[[DECAY]] : tensor<4xf32>
// CHECK-NEXT: %[[V:.*]] = dl.param.get @w.velocity : tensor<4xf32>
// CHECK-NEXT: %[[MV:.*]] = dl.mul %[[MU:.*]], %[[V]] : tensor<f32>, tensor<4xf32>
// CHECK-NEXT: %[[VNEW:.*]] = dl.add %[[MV]], %[[GD]] : tensor<4xf32>
// CHECK-NEXT: %[[MVNEW:.*]] = dl.mul %[[MU]], %[[VNEW]] : tensor<f32>, tensor<4xf32>
// CHECK-NEXT: %[[DIR:.*]] = dl.add %[[GD]], %[[MVNEW]] : tensor<4xf32>
// CHECK-NEXT: %[[STEP:.*]] = dl.mul %[[LR32]], %[[DIR]] : tensor<f32>, tensor<4xf32>
// CHECK-NEXT: %[[WNEW:.*]] = dl.sub %[[W]], %[[STEP]] : tensor<4xf32>
// The writes come last, so each update is one run of elementwise ops:
// CHECK-NEXT: dl.param.set @w.velocity, %[[VNEW]] : tensor<4xf32>
// CHECK-NEXT: dl.param.set @w, %[[WNEW]] : tensor<4xf32>
// CHECK-NEXT: %[[TNEXT:.*]] = dl.add %[[T]], %{{.*}} : tensor<i64>
// CHECK-NEXT: dl.param.set @train.step, %[[TNEXT]] : tensor<i64>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
module @sgd attributes {dl.optimizer = #dl.sgd<lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 0.01, clip_norm = 1.0>, dl.lr_schedule = #dl.step_lr<step_size = 10, gamma = 0.5>} {
  dl.param @w : tensor<4xf32> = #dl.zeros
  func.func @loss(%x: tensor<4xf32>) -> tensor<f32> {
    %w = dl.param.get @w : tensor<4xf32>
    %d = dl.dropout %w rate = 0.5 seed = 3 : tensor<4xf32>
    %m = dl.mul %d, %x : tensor<4xf32>
    %l = dl.reduce_sum %m axes = [0] : tensor<4xf32>
    return %l : tensor<f32>
  }
}

// -----

// AdamW: moments m and v, bias corrections 1 - beta^(t + 1) computed in f64,
// decoupled weight decay; metrics are returned as they are.
// CHECK-LABEL: module @adamw
// CHECK: dl.param state @train.step : tensor<i64> = #dl.zeros {dl.optimizer_state}
// CHECK-NEXT: dl.param state @w.m : tensor<3xf32> = #dl.zeros {dl.optimizer_state}
// CHECK-NEXT: dl.param state @w.v : tensor<3xf32> = #dl.zeros {dl.optimizer_state}
// CHECK: func.func @train_step(%[[X:.*]]: tensor<3xf32>) -> (tensor<f32>, tensor<f32>)
// CHECK: %[[T:.*]] = dl.param.get @train.step : tensor<i64>
// CHECK-NEXT: %[[W:.*]] = dl.param.get @w : tensor<3xf32>
// CHECK: %[[MAX:.*]] = dl.reduce_max %[[X]] axes = [0] : tensor<3xf32>
// CHECK-NEXT: %[[T64:.*]] = dl.cast %[[T]] : tensor<i64> -> tensor<f64>
// CHECK-NEXT: %[[T1:.*]] = dl.add %[[T64]], %{{.*}} : tensor<f64>
// CHECK-NEXT: %[[B1T:.*]] = dl.pow %{{.*}}, %[[T1]] : tensor<f64>
// CHECK-NEXT: %[[C1:.*]] = dl.sub %{{.*}}, %[[B1T]] : tensor<f64>
// CHECK-NEXT: %[[B2T:.*]] = dl.pow %{{.*}}, %[[T1]] : tensor<f64>
// CHECK-NEXT: %[[C2:.*]] = dl.sub %{{.*}}, %[[B2T]] : tensor<f64>
// CHECK-NEXT: %[[C1F:.*]] = dl.cast %[[C1]] : tensor<f64> -> tensor<f32>
// CHECK-NEXT: %[[C2F:.*]] = dl.cast %[[C2]] : tensor<f64> -> tensor<f32>
// CHECK-NEXT: %[[G1:.*]] = dl.mul %{{.*}}, %[[X]] : tensor<f32>, tensor<3xf32>
// CHECK-NEXT: %[[MOLD:.*]] = dl.param.get @w.m : tensor<3xf32>
// CHECK-NEXT: %[[MDECAY:.*]] = dl.mul %{{.*}}, %[[MOLD]] : tensor<f32>, tensor<3xf32>
// CHECK-NEXT: %[[MNEW:.*]] = dl.add %[[MDECAY]], %[[G1]] : tensor<3xf32>
// CHECK-NEXT: %[[GSQ:.*]] = dl.mul %[[X]], %[[X]] : tensor<3xf32>
// CHECK-NEXT: %[[G2:.*]] = dl.mul %{{.*}}, %[[GSQ]] : tensor<f32>, tensor<3xf32>
// CHECK-NEXT: %[[VOLD:.*]] = dl.param.get @w.v : tensor<3xf32>
// CHECK-NEXT: %[[VDECAY:.*]] = dl.mul %{{.*}}, %[[VOLD]] : tensor<f32>, tensor<3xf32>
// CHECK-NEXT: %[[VNEW:.*]] = dl.add %[[VDECAY]], %[[G2]] : tensor<3xf32>
// CHECK-NEXT: %[[VHAT:.*]] = dl.div %[[VNEW]], %[[C2F]] : tensor<3xf32>, tensor<f32>
// CHECK-NEXT: %[[ROOT:.*]] = dl.sqrt %[[VHAT]] : tensor<3xf32>
// CHECK-NEXT: %[[DEN:.*]] = dl.add %[[ROOT]], %{{.*}} : tensor<3xf32>, tensor<f32>
// CHECK-NEXT: %[[MHAT:.*]] = dl.div %[[MNEW]], %[[C1F]] : tensor<3xf32>, tensor<f32>
// CHECK-NEXT: %[[ADAM:.*]] = dl.div %[[MHAT]], %[[DEN]] : tensor<3xf32>
// CHECK-NEXT: %[[WD:.*]] = dl.mul %{{.*}}, %[[W]] : tensor<f32>, tensor<3xf32>
// CHECK-NEXT: %[[DIR:.*]] = dl.add %[[ADAM]], %[[WD]] : tensor<3xf32>
// CHECK-NEXT: %[[STEP:.*]] = dl.mul %{{.*}}, %[[DIR]] : tensor<f32>, tensor<3xf32>
// CHECK-NEXT: %[[WNEW:.*]] = dl.sub %[[W]], %[[STEP]] : tensor<3xf32>
// CHECK-NEXT: dl.param.set @w.m, %[[MNEW]] : tensor<3xf32>
// CHECK-NEXT: dl.param.set @w.v, %[[VNEW]] : tensor<3xf32>
// CHECK-NEXT: dl.param.set @w, %[[WNEW]] : tensor<3xf32>
// CHECK: dl.param.set @train.step
// CHECK-NEXT: return %{{.*}}, %[[MAX]] : tensor<f32>, tensor<f32>
module @adamw attributes {dl.optimizer = #dl.adamw<lr = 0.01, weight_decay = 0.1>} {
  dl.param @w : tensor<3xf32> = #dl.zeros
  func.func @loss(%x: tensor<3xf32>) -> (tensor<f32>, tensor<f32>) {
    %w = dl.param.get @w : tensor<3xf32>
    %m = dl.mul %w, %x : tensor<3xf32>
    %l = dl.reduce_sum %m axes = [0] : tensor<3xf32>
    %s = dl.reduce_max %x axes = [0] : tensor<3xf32>
    return %l, %s : tensor<f32>, tensor<f32>
  }
}

// -----

// Batch norm trains on batch statistics (and updates its running ones); its
// gradient is one dl.batch_norm_backward (same epsilon) giving dx, dscale
// and doffset.
// CHECK-LABEL: module @batch_norm
// CHECK: func.func @eval
// CHECK: dl.batch_norm %{{.*}} running = (@mean, @var) epsilon = 1.000000e-03 : tensor<4x2xf32>, tensor<2xf32>
// CHECK: func.func @train_step
// CHECK: %[[X:.*]] = dl.cast
// CHECK: %[[G:.*]] = dl.param.get @g
// CHECK: dl.batch_norm %[[X]], %[[G]], %{{.*}} running = (@mean, @var) epsilon = 1.000000e-03 training : tensor<4x2xf32>, tensor<2xf32>
// CHECK: %{{.*}}, %[[DG:.*]], %[[DO:.*]] = dl.batch_norm_backward %[[X]], %{{.*}}, %[[G]] epsilon = 1.000000e-03 : tensor<4x2xf32>, tensor<2xf32>
// CHECK: dl.mul %{{.*}}, %[[DG]]
// CHECK: dl.mul %{{.*}}, %[[DO]]
module @batch_norm attributes {dl.optimizer = #dl.sgd<lr = 0.1>} {
  dl.param @g : tensor<2xf32> = #dl.ones
  dl.param @o : tensor<2xf32> = #dl.zeros
  dl.param state @mean : tensor<2xf32> = #dl.zeros
  dl.param state @var : tensor<2xf32> = #dl.ones
  func.func @loss(%x16: tensor<4x2xf16>) -> tensor<f32> {
    %x = dl.cast %x16 : tensor<4x2xf16> -> tensor<4x2xf32>
    %g = dl.param.get @g : tensor<2xf32>
    %o = dl.param.get @o : tensor<2xf32>
    %y = dl.batch_norm %x, %g, %o running = (@mean, @var) epsilon = 1.0e-3
        : tensor<4x2xf32>, tensor<2xf32>
    %r = dl.mul %y, %y : tensor<4x2xf32>
    %l = dl.reduce_sum %r axes = [0, 1] : tensor<4x2xf32>
    return %l : tensor<f32>
  }
}

// -----

// expected-error @+1 {{training needs an optimizer: add an attribute such as {dl.optimizer = #dl.adam<lr = 1.0e-3>} to the module}}
module @no_optimizer {
  dl.param @w : tensor<f32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %w = dl.param.get @w : tensor<f32>
    return %w : tensor<f32>
  }
}

// -----

// expected-error @+1 {{the training step needs the name @w.m for optimizer state; rename the model's symbol}}
module @name_taken attributes {dl.optimizer = #dl.adam<lr = 0.1>} {
  dl.param @w : tensor<f32> = #dl.zeros
  dl.param state @w.m : tensor<f32> = #dl.zeros
  func.func @loss() -> tensor<f32> {
    %w = dl.param.get @w : tensor<f32>
    return %w : tensor<f32>
  }
}

// -----

// expected-error @+1 {{dl-build-train-step: no function @loss to train}}
module @no_loss attributes {dl.optimizer = #dl.adam<lr = 0.1>} {
}
