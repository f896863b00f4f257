// Fashion-MNIST "2 Conv+pooling" network: conv 5x5x32 (same padding), ReLU,
// 2x2 max pool, conv 5x5x64, ReLU, 2x2 max pool, dense 1024 with ReLU,
// dropout 0.5, dense 10. Batch 128, softmax cross-entropy, Adam at lr 1e-3.
module @fashion_cnn attributes {dl.dataset = "fashion_mnist", dl.optimizer = #dl.adam<lr = 1.0e-3>} {
  dl.param @conv1_w : tensor<32x1x5x5xf32> = #dl.he_normal
  dl.param @conv1_b : tensor<32xf32> = #dl.zeros
  dl.param @conv2_w : tensor<64x32x5x5xf32> = #dl.he_normal
  dl.param @conv2_b : tensor<64xf32> = #dl.zeros
  dl.param @fc1_w : tensor<3136x1024xf32> = #dl.he_normal
  dl.param @fc1_b : tensor<1024xf32> = #dl.zeros
  dl.param @fc2_w : tensor<1024x10xf32> = #dl.glorot_uniform
  dl.param @fc2_b : tensor<10xf32> = #dl.zeros

  func.func @forward(%images: tensor<128x28x28xui8>) -> tensor<128x10xf32> {
    %pixels = dl.cast %images : tensor<128x28x28xui8> -> tensor<128x28x28xf32>
    %inv255 = dl.constant dense<0.003921568627> : tensor<f32>
    %scaled = dl.mul %pixels, %inv255 : tensor<128x28x28xf32>, tensor<f32>
    %x = dl.reshape %scaled : tensor<128x28x28xf32> -> tensor<128x1x28x28xf32>

    %w1 = dl.param.get @conv1_w : tensor<32x1x5x5xf32>
    %b1 = dl.param.get @conv1_b : tensor<32xf32>
    %c1 = dl.conv2d %x, %w1, %b1 padding = [2, 2]
        : tensor<128x1x28x28xf32>, tensor<32x1x5x5xf32>, tensor<32xf32>
    %r1 = dl.relu %c1 : tensor<128x32x28x28xf32>
    %p1 = dl.max_pool2d %r1 kernel = [2, 2] : tensor<128x32x28x28xf32>

    %w2 = dl.param.get @conv2_w : tensor<64x32x5x5xf32>
    %b2 = dl.param.get @conv2_b : tensor<64xf32>
    %c2 = dl.conv2d %p1, %w2, %b2 padding = [2, 2]
        : tensor<128x32x14x14xf32>, tensor<64x32x5x5xf32>, tensor<64xf32>
    %r2 = dl.relu %c2 : tensor<128x64x14x14xf32>
    %p2 = dl.max_pool2d %r2 kernel = [2, 2] : tensor<128x64x14x14xf32>
    %flat = dl.reshape %p2 : tensor<128x64x7x7xf32> -> tensor<128x3136xf32>

    %w3 = dl.param.get @fc1_w : tensor<3136x1024xf32>
    %b3 = dl.param.get @fc1_b : tensor<1024xf32>
    %f0 = dl.matmul %flat, %w3 : tensor<128x3136xf32>, tensor<3136x1024xf32>
    %f1 = dl.add %f0, %b3 : tensor<128x1024xf32>, tensor<1024xf32>
    %f = dl.relu %f1 : tensor<128x1024xf32>
    %d = dl.dropout %f rate = 0.5 seed = 1 : tensor<128x1024xf32>

    %w4 = dl.param.get @fc2_w : tensor<1024x10xf32>
    %b4 = dl.param.get @fc2_b : tensor<10xf32>
    %l0 = dl.matmul %d, %w4 : tensor<128x1024xf32>, tensor<1024x10xf32>
    %logits = dl.add %l0, %b4 : tensor<128x10xf32>, tensor<10xf32>
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
