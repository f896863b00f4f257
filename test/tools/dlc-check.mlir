// `dlc check` on a valid model prints its summary and exits 0.
// RUN: dlc check %s | FileCheck %s
// RUN: dlc check - < %s | FileCheck %s

// CHECK:      model: tiny_bn_mlp
// CHECK-NEXT: optimizer: #dl.sgd<lr = 1.000000e-01, momentum = 9.000000e-01>
// CHECK-NEXT: lr schedule: #dl.step_lr<step_size = 100, gamma = 5.000000e-01>
// CHECK-EMPTY:
// CHECK-NEXT: parameters:
// CHECK-NEXT:   name      type                initializer          elements    bytes
// CHECK-NEXT:   @w1       tensor<784x32xf32>  #dl.he_normal          25,088  100,352
// CHECK-NEXT:   @b1       tensor<32xf32>      #dl.zeros                  32      128
// CHECK-NEXT:   @gamma    tensor<32xf32>      #dl.ones                   32      128
// CHECK-NEXT:   @beta     tensor<32xf32>      #dl.zeros                  32      128
// CHECK-NEXT:   @bn_mean  tensor<32xf32>      #dl.zeros                  32      128  state
// CHECK-NEXT:   @bn_var   tensor<32xf32>      #dl.ones                   32      128  state
// CHECK-NEXT:   @w2       tensor<32x10xf16>   #dl.glorot_uniform        320      640
// CHECK-NEXT:   @b2       tensor<10xf16>      dense<5.000000e-01>        10       20
// CHECK-NEXT:   @scale    tensor<2xf32>       dense<...>                  2        8
// CHECK-NEXT: trainable: 7 tensors, 25,516 parameters, 101,404 bytes (99.0 KiB)
// CHECK-NEXT: state: 2 tensors, 64 elements, 256 bytes
// CHECK-EMPTY:
// CHECK-NEXT: functions:
// CHECK-NEXT:   forward(img: tensor<16x28x28xui8>) -> (logits: tensor<16x10xf32>)
// CHECK-NEXT:   loss(img: tensor<16x28x28xui8>, label: tensor<16xi32>) -> (l: tensor<f32>, acc: tensor<f32>)
// CHECK-NEXT:     minimises: l; metrics: acc
// CHECK-NOT: {{.}}

module @tiny_bn_mlp attributes {
    dl.optimizer = #dl.sgd<lr = 0.1, momentum = 0.9>,
    dl.lr_schedule = #dl.step_lr<step_size = 100, gamma = 0.5>} {
  dl.param @w1 : tensor<784x32xf32> = #dl.he_normal
  dl.param @b1 : tensor<32xf32> = #dl.zeros
  dl.param @gamma : tensor<32xf32> = #dl.ones
  dl.param @beta : tensor<32xf32> = #dl.zeros
  dl.param state @bn_mean : tensor<32xf32> = #dl.zeros
  dl.param state @bn_var : tensor<32xf32> = #dl.ones
  dl.param @w2 : tensor<32x10xf16> = #dl.glorot_uniform
  dl.param @b2 : tensor<10xf16> = dense<0.5> : tensor<10xf16>
  dl.param @scale : tensor<2xf32> = dense<[0.5, 2.0]> : tensor<2xf32>

  func.func @forward(%img: tensor<16x28x28xui8>) -> tensor<16x10xf32> {
    %x = dl.cast %img : tensor<16x28x28xui8> -> tensor<16x28x28xf32>
    %flat = dl.reshape %x : tensor<16x28x28xf32> -> tensor<16x784xf32>
    %w1 = dl.param.get @w1 : tensor<784x32xf32>
    %b1 = dl.param.get @b1 : tensor<32xf32>
    %h = dl.matmul %flat, %w1 : tensor<16x784xf32>, tensor<784x32xf32>
    %hb = dl.add %h, %b1 : tensor<16x32xf32>, tensor<32xf32>
    %gamma = dl.param.get @gamma : tensor<32xf32>
    %beta = dl.param.get @beta : tensor<32xf32>
    %n = dl.batch_norm %hb, %gamma, %beta running = (@bn_mean, @bn_var)
        : tensor<16x32xf32>, tensor<32xf32>
    %r = dl.relu %n : tensor<16x32xf32>
    %r16 = dl.cast %r : tensor<16x32xf32> -> tensor<16x32xf16>
    %w2 = dl.param.get @w2 : tensor<32x10xf16>
    %b2 = dl.param.get @b2 : tensor<10xf16>
    %o = dl.matmul %r16, %w2 : tensor<16x32xf16>, tensor<32x10xf16>
    %ob = dl.add %o, %b2 : tensor<16x10xf16>, tensor<10xf16>
    %logits = call @widen(%ob) : (tensor<16x10xf16>) -> tensor<16x10xf32>
    return %logits : tensor<16x10xf32>
  }

  func.func @loss(%img: tensor<16x28x28xui8>, %label: tensor<16xi32>)
      -> (tensor<f32>, tensor<f32>) {
    %logits = call @forward(%img) : (tensor<16x28x28xui8>) -> tensor<16x10xf32>
    %l = dl.softmax_cross_entropy %logits, %label : tensor<16x10xf32>, tensor<16xi32>
    %acc = dl.accuracy %logits, %label : tensor<16x10xf32>, tensor<16xi32>
    return %l, %acc : tensor<f32>, tensor<f32>
  }

  // Private functions are helpers, not entry points: the summary leaves them out.
  func.func private @widen(%x: tensor<16x10xf16>) -> tensor<16x10xf32> {
    %y = dl.cast %x : tensor<16x10xf16> -> tensor<16x10xf32>
    return %y : tensor<16x10xf32>
  }
}
