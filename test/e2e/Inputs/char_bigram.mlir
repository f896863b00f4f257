// A byte-level bigram model for the text-data tests: each byte's embedding
// predicts the next byte. Trains on dl.dataset = "text" (or --data FILE.txt).
module @char_bigram attributes {dl.dataset = "text", dl.optimizer = #dl.adam<lr = 1.0e-2>} {
  dl.param @emb : tensor<256x32xf32> = #dl.normal<stddev = 0.1>
  dl.param @head_w : tensor<32x256xf32> = #dl.glorot_uniform
  dl.param @head_b : tensor<256xf32> = #dl.zeros

  func.func @forward(%tokens: tensor<8x16xi32>) -> tensor<128x256xf32> {
    %e = dl.param.get @emb : tensor<256x32xf32>
    %x = dl.embedding %e, %tokens : tensor<256x32xf32>, tensor<8x16xi32>
    %x2 = dl.reshape %x : tensor<8x16x32xf32> -> tensor<128x32xf32>
    %w = dl.param.get @head_w : tensor<32x256xf32>
    %b = dl.param.get @head_b : tensor<256xf32>
    %l0 = dl.matmul %x2, %w : tensor<128x32xf32>, tensor<32x256xf32>
    %logits = dl.add %l0, %b : tensor<128x256xf32>, tensor<256xf32>
    return %logits : tensor<128x256xf32>
  }

  func.func @loss(%tokens: tensor<8x16xi32>, %targets: tensor<128xi32>) -> tensor<f32> {
    %logits = func.call @forward(%tokens) : (tensor<8x16xi32>) -> tensor<128x256xf32>
    %l = dl.softmax_cross_entropy %logits, %targets : tensor<128x256xf32>, tensor<128xi32>
    return %l : tensor<f32>
  }
}
