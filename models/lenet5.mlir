// LeNet-5 on Fashion-MNIST: the network of LeCun, Bottou, Bengio and Haffner,
// "Gradient-based learning applied to document recognition" (Proc. IEEE,
// 1998): C1 six 5x5 convolutions, S2 2x2 average pooling, C3 sixteen 5x5
// convolutions, S4 2x2 average pooling, C5/F6 dense 120 and 84, output 10,
// tanh after every hidden layer. The paper's 32x32 input is the 28x28 image
// padded by 2 in C1. As in today's re-implementations, C3 connects to all
// six S2 maps (the paper's partial table was a 1998 economy), the
// subsampling layers have no trainable coefficients, and the output is a
// dense layer trained with softmax cross-entropy instead of RBF units.
// Batch 128, Adam at lr 1e-3 with cosine decay over 15 epochs.
module @lenet5 attributes {
  dl.dataset = "fashion_mnist",
  dl.optimizer = #dl.adam<lr = 1.0e-3>,
  dl.lr_schedule = #dl.cosine_lr<total_steps = 7020>
} {
  dl.param @c1_w : tensor<6x1x5x5xf32> = #dl.glorot_uniform
  dl.param @c1_b : tensor<6xf32> = #dl.zeros
  dl.param @c3_w : tensor<16x6x5x5xf32> = #dl.glorot_uniform
  dl.param @c3_b : tensor<16xf32> = #dl.zeros
  dl.param @c5_w : tensor<400x120xf32> = #dl.glorot_uniform
  dl.param @c5_b : tensor<120xf32> = #dl.zeros
  dl.param @f6_w : tensor<120x84xf32> = #dl.glorot_uniform
  dl.param @f6_b : tensor<84xf32> = #dl.zeros
  dl.param @out_w : tensor<84x10xf32> = #dl.glorot_uniform
  dl.param @out_b : tensor<10xf32> = #dl.zeros

  func.func @forward(%images: tensor<128x28x28xui8>) -> tensor<128x10xf32> {
    %pixels = dl.cast %images : tensor<128x28x28xui8> -> tensor<128x28x28xf32>
    %inv255 = dl.constant dense<0.003921568627> : tensor<f32>
    %scaled = dl.mul %pixels, %inv255 : tensor<128x28x28xf32>, tensor<f32>
    %x = dl.reshape %scaled : tensor<128x28x28xf32> -> tensor<128x1x28x28xf32>

    // C1 (28x28 padded to 32x32 -> 6x28x28), S2 (-> 6x14x14)
    %w1 = dl.param.get @c1_w : tensor<6x1x5x5xf32>
    %b1 = dl.param.get @c1_b : tensor<6xf32>
    %c1 = dl.conv2d %x, %w1, %b1 padding = [2, 2]
        : tensor<128x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>
    %t1 = dl.tanh %c1 : tensor<128x6x28x28xf32>
    %s2 = dl.avg_pool2d %t1 kernel = [2, 2] : tensor<128x6x28x28xf32>

    // C3 (-> 16x10x10), S4 (-> 16x5x5)
    %w3 = dl.param.get @c3_w : tensor<16x6x5x5xf32>
    %b3 = dl.param.get @c3_b : tensor<16xf32>
    %c3 = dl.conv2d %s2, %w3, %b3 : tensor<128x6x14x14xf32>, tensor<16x6x5x5xf32>, tensor<16xf32>
    %t3 = dl.tanh %c3 : tensor<128x16x10x10xf32>
    %s4 = dl.avg_pool2d %t3 kernel = [2, 2] : tensor<128x16x10x10xf32>
    %flat = dl.reshape %s4 : tensor<128x16x5x5xf32> -> tensor<128x400xf32>

    // C5 (a 5x5 convolution over 5x5 maps: dense 400 -> 120), F6, output
    %w5 = dl.param.get @c5_w : tensor<400x120xf32>
    %b5 = dl.param.get @c5_b : tensor<120xf32>
    %m5 = dl.matmul %flat, %w5 : tensor<128x400xf32>, tensor<400x120xf32>
    %a5 = dl.add %m5, %b5 : tensor<128x120xf32>, tensor<120xf32>
    %c5 = dl.tanh %a5 : tensor<128x120xf32>
    %w6 = dl.param.get @f6_w : tensor<120x84xf32>
    %b6 = dl.param.get @f6_b : tensor<84xf32>
    %m6 = dl.matmul %c5, %w6 : tensor<128x120xf32>, tensor<120x84xf32>
    %a6 = dl.add %m6, %b6 : tensor<128x84xf32>, tensor<84xf32>
    %f6 = dl.tanh %a6 : tensor<128x84xf32>
    %wo = dl.param.get @out_w : tensor<84x10xf32>
    %bo = dl.param.get @out_b : tensor<10xf32>
    %mo = dl.matmul %f6, %wo : tensor<128x84xf32>, tensor<84x10xf32>
    %logits = dl.add %mo, %bo : tensor<128x10xf32>, tensor<10xf32>
    return %logits : tensor<128x10xf32>
  }

  func.func @loss(%images: tensor<128x28x28xui8>, %labels: tensor<128xi32>)
      -> (tensor<f32>, tensor<f32>) {
    %logits = func.call @forward(%images) : (tensor<128x28x28xui8>) -> tensor<128x10xf32>
    %loss = dl.softmax_cross_entropy %logits, %labels : tensor<128x10xf32>, tensor<128xi32>
    %accuracy = dl.accuracy %logits, %labels : tensor<128x10xf32>, tensor<128xi32>
    return %loss, %accuracy : tensor<f32>, tensor<f32>
  }
}
