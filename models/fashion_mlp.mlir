// Fashion-MNIST classifier: 28x28 u8 images -> 784 -> 256 (ReLU) -> 10.
// Pixels are scaled to [0, 1] inside the model, so the data stays raw bytes.
// Batch 128, softmax cross-entropy, Adam at lr 1e-3; reports accuracy.
module @fashion_mlp attributes {dl.dataset = "fashion_mnist", dl.optimizer = #dl.adam<lr = 1.0e-3>} {
  dl.param @w1 : tensor<784x256xf32> = #dl.he_normal
  dl.param @b1 : tensor<256xf32> = #dl.zeros
  dl.param @w2 : tensor<256x10xf32> = #dl.glorot_uniform
  dl.param @b2 : tensor<10xf32> = #dl.zeros

  func.func @forward(%images: tensor<128x28x28xui8>) -> tensor<128x10xf32> {
    %pixels = dl.cast %images : tensor<128x28x28xui8> -> tensor<128x28x28xf32>
    %inv255 = dl.constant dense<0.003921568627> : tensor<f32>
    %scaled = dl.mul %pixels, %inv255 : tensor<128x28x28xf32>, tensor<f32>
    %x = dl.reshape %scaled : tensor<128x28x28xf32> -> tensor<128x784xf32>

    %w1 = dl.param.get @w1 : tensor<784x256xf32>
    %b1 = dl.param.get @b1 : tensor<256xf32>
    %h0 = dl.matmul %x, %w1 : tensor<128x784xf32>, tensor<784x256xf32>
    %h1 = dl.add %h0, %b1 : tensor<128x256xf32>, tensor<256xf32>
    %h = dl.relu %h1 : tensor<128x256xf32>

    %w2 = dl.param.get @w2 : tensor<256x10xf32>
    %b2 = dl.param.get @b2 : tensor<10xf32>
    %l0 = dl.matmul %h, %w2 : tensor<128x256xf32>, tensor<256x10xf32>
    %logits = dl.add %l0, %b2 : tensor<128x10xf32>, tensor<10xf32>
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
