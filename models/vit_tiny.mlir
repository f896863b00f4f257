// A small vision transformer (ViT) on Fashion-MNIST, after Dosovitskiy et al.,
// "An Image is Worth 16x16 Words: Transformers for Image Recognition at
// Scale" (ICLR 2021): the 28x28 image cut into 16 patches of 7x7 pixels,
// each embedded linearly to 64 features, plus a learned position embedding; three
// pre-norm encoder blocks (layer norm, 4-head self-attention, residual; layer
// norm, GELU MLP 64-128-64, residual); a final layer norm, the mean over the
// patches (global average pooling instead of a class token, as in Beyer et
// al., "Better plain ViT baselines for ImageNet-1k", 2022) and a linear head.
// Batch 128, AdamW at lr 1e-3 (weight decay 0.1), warm-up and cosine decay
// over 15 epochs. The block is a helper function called once per layer
// with that layer's parameters.
module @vit_tiny attributes {
  dl.dataset = "fashion_mnist",
  dl.optimizer = #dl.adamw<lr = 1.0e-3, weight_decay = 1.0e-1>,
  dl.lr_schedule = #dl.cosine_lr<warmup_steps = 468, total_steps = 7020>
} {
  dl.param @patch_w : tensor<49x64xf32> = #dl.glorot_uniform
  dl.param @patch_b : tensor<64xf32> = #dl.zeros
  dl.param @pos : tensor<16x64xf32> = #dl.normal<stddev = 0.02>
  dl.param @b0_ln1_g : tensor<64xf32> = #dl.ones
  dl.param @b0_ln1_b : tensor<64xf32> = #dl.zeros
  dl.param @b0_qkv_w : tensor<64x192xf32> = #dl.glorot_uniform
  dl.param @b0_qkv_b : tensor<192xf32> = #dl.zeros
  dl.param @b0_proj_w : tensor<64x64xf32> = #dl.glorot_uniform
  dl.param @b0_proj_b : tensor<64xf32> = #dl.zeros
  dl.param @b0_ln2_g : tensor<64xf32> = #dl.ones
  dl.param @b0_ln2_b : tensor<64xf32> = #dl.zeros
  dl.param @b0_fc1_w : tensor<64x128xf32> = #dl.glorot_uniform
  dl.param @b0_fc1_b : tensor<128xf32> = #dl.zeros
  dl.param @b0_fc2_w : tensor<128x64xf32> = #dl.glorot_uniform
  dl.param @b0_fc2_b : tensor<64xf32> = #dl.zeros
  dl.param @b1_ln1_g : tensor<64xf32> = #dl.ones
  dl.param @b1_ln1_b : tensor<64xf32> = #dl.zeros
  dl.param @b1_qkv_w : tensor<64x192xf32> = #dl.glorot_uniform
  dl.param @b1_qkv_b : tensor<192xf32> = #dl.zeros
  dl.param @b1_proj_w : tensor<64x64xf32> = #dl.glorot_uniform
  dl.param @b1_proj_b : tensor<64xf32> = #dl.zeros
  dl.param @b1_ln2_g : tensor<64xf32> = #dl.ones
  dl.param @b1_ln2_b : tensor<64xf32> = #dl.zeros
  dl.param @b1_fc1_w : tensor<64x128xf32> = #dl.glorot_uniform
  dl.param @b1_fc1_b : tensor<128xf32> = #dl.zeros
  dl.param @b1_fc2_w : tensor<128x64xf32> = #dl.glorot_uniform
  dl.param @b1_fc2_b : tensor<64xf32> = #dl.zeros
  dl.param @b2_ln1_g : tensor<64xf32> = #dl.ones
  dl.param @b2_ln1_b : tensor<64xf32> = #dl.zeros
  dl.param @b2_qkv_w : tensor<64x192xf32> = #dl.glorot_uniform
  dl.param @b2_qkv_b : tensor<192xf32> = #dl.zeros
  dl.param @b2_proj_w : tensor<64x64xf32> = #dl.glorot_uniform
  dl.param @b2_proj_b : tensor<64xf32> = #dl.zeros
  dl.param @b2_ln2_g : tensor<64xf32> = #dl.ones
  dl.param @b2_ln2_b : tensor<64xf32> = #dl.zeros
  dl.param @b2_fc1_w : tensor<64x128xf32> = #dl.glorot_uniform
  dl.param @b2_fc1_b : tensor<128xf32> = #dl.zeros
  dl.param @b2_fc2_w : tensor<128x64xf32> = #dl.glorot_uniform
  dl.param @b2_fc2_b : tensor<64xf32> = #dl.zeros
  dl.param @ln_g : tensor<64xf32> = #dl.ones
  dl.param @ln_b : tensor<64xf32> = #dl.zeros
  dl.param @head_w : tensor<64x10xf32> = #dl.zeros
  dl.param @head_b : tensor<10xf32> = #dl.zeros

  // One pre-norm encoder block over the 2048 tokens (128 images x 16 patches).
  func.func private @block(%x: tensor<2048x64xf32>,
      %ln1_g: tensor<64xf32>, %ln1_b: tensor<64xf32>,
      %qkv_w: tensor<64x192xf32>, %qkv_b: tensor<192xf32>,
      %proj_w: tensor<64x64xf32>, %proj_b: tensor<64xf32>,
      %ln2_g: tensor<64xf32>, %ln2_b: tensor<64xf32>,
      %fc1_w: tensor<64x128xf32>, %fc1_b: tensor<128xf32>,
      %fc2_w: tensor<128x64xf32>, %fc2_b: tensor<64xf32>) -> tensor<2048x64xf32> {
    // Self-attention: 4 heads of 16 features.
    %n1 = dl.layer_norm %x, %ln1_g, %ln1_b epsilon = 1.0e-6 : tensor<2048x64xf32>, tensor<64xf32>
    %qkv0 = dl.matmul %n1, %qkv_w : tensor<2048x64xf32>, tensor<64x192xf32>
    %qkv = dl.add %qkv0, %qkv_b : tensor<2048x192xf32>, tensor<192xf32>
    %q0 = dl.slice %qkv starts = [0, 0] limits = [2048, 64] : tensor<2048x192xf32>
    %k0 = dl.slice %qkv starts = [0, 64] limits = [2048, 128] : tensor<2048x192xf32>
    %v0 = dl.slice %qkv starts = [0, 128] limits = [2048, 192] : tensor<2048x192xf32>
    %q1 = dl.reshape %q0 : tensor<2048x64xf32> -> tensor<128x16x4x16xf32>
    %k1 = dl.reshape %k0 : tensor<2048x64xf32> -> tensor<128x16x4x16xf32>
    %v1 = dl.reshape %v0 : tensor<2048x64xf32> -> tensor<128x16x4x16xf32>
    %q = dl.transpose %q1 perm = [0, 2, 1, 3] : tensor<128x16x4x16xf32>
    %k = dl.transpose %k1 perm = [0, 2, 1, 3] : tensor<128x16x4x16xf32>
    %v = dl.transpose %v1 perm = [0, 2, 1, 3] : tensor<128x16x4x16xf32>
    %s0 = dl.matmul %q, %k transpose_b : tensor<128x4x16x16xf32>, tensor<128x4x16x16xf32>
    %scale = dl.constant dense<0.25> : tensor<f32>
    %s = dl.mul %s0, %scale : tensor<128x4x16x16xf32>, tensor<f32>
    %a = dl.softmax %s axis = 3 : tensor<128x4x16x16xf32>
    %o0 = dl.matmul %a, %v : tensor<128x4x16x16xf32>, tensor<128x4x16x16xf32>
    %o1 = dl.transpose %o0 perm = [0, 2, 1, 3] : tensor<128x4x16x16xf32>
    %o = dl.reshape %o1 : tensor<128x16x4x16xf32> -> tensor<2048x64xf32>
    %p0 = dl.matmul %o, %proj_w : tensor<2048x64xf32>, tensor<64x64xf32>
    %p = dl.add %p0, %proj_b : tensor<2048x64xf32>, tensor<64xf32>
    %r1 = dl.add %x, %p : tensor<2048x64xf32>, tensor<2048x64xf32>
    // MLP.
    %n2 = dl.layer_norm %r1, %ln2_g, %ln2_b epsilon = 1.0e-6 : tensor<2048x64xf32>, tensor<64xf32>
    %h0 = dl.matmul %n2, %fc1_w : tensor<2048x64xf32>, tensor<64x128xf32>
    %h1 = dl.add %h0, %fc1_b : tensor<2048x128xf32>, tensor<128xf32>
    %h = dl.gelu %h1 : tensor<2048x128xf32>
    %m0 = dl.matmul %h, %fc2_w : tensor<2048x128xf32>, tensor<128x64xf32>
    %m = dl.add %m0, %fc2_b : tensor<2048x64xf32>, tensor<64xf32>
    %r2 = dl.add %r1, %m : tensor<2048x64xf32>, tensor<2048x64xf32>
    return %r2 : tensor<2048x64xf32>
  }

  func.func @forward(%images: tensor<128x28x28xui8>) -> tensor<128x10xf32> {
    %pixels = dl.cast %images : tensor<128x28x28xui8> -> tensor<128x28x28xf32>
    %inv255 = dl.constant dense<0.003921568627> : tensor<f32>
    %scaled = dl.mul %pixels, %inv255 : tensor<128x28x28xf32>, tensor<f32>
    // Patches: [image, patch row, row in patch, patch column, column in patch]
    // -> [image, patch row, patch column, row, column] -> one row of 49 per patch.
    %grid = dl.reshape %scaled : tensor<128x28x28xf32> -> tensor<128x4x7x4x7xf32>
    %tiles = dl.transpose %grid perm = [0, 1, 3, 2, 4] : tensor<128x4x7x4x7xf32>
    %patches = dl.reshape %tiles : tensor<128x4x4x7x7xf32> -> tensor<2048x49xf32>
    %pw = dl.param.get @patch_w : tensor<49x64xf32>
    %pb = dl.param.get @patch_b : tensor<64xf32>
    %e0 = dl.matmul %patches, %pw : tensor<2048x49xf32>, tensor<49x64xf32>
    %e1 = dl.add %e0, %pb : tensor<2048x64xf32>, tensor<64xf32>
    %e2 = dl.reshape %e1 : tensor<2048x64xf32> -> tensor<128x16x64xf32>
    %pos = dl.param.get @pos : tensor<16x64xf32>
    %e3 = dl.add %e2, %pos : tensor<128x16x64xf32>, tensor<16x64xf32>
    %x0 = dl.reshape %e3 : tensor<128x16x64xf32> -> tensor<2048x64xf32>

    // Block 0.
    %b0_ln1_g = dl.param.get @b0_ln1_g : tensor<64xf32>
    %b0_ln1_b = dl.param.get @b0_ln1_b : tensor<64xf32>
    %b0_qkv_w = dl.param.get @b0_qkv_w : tensor<64x192xf32>
    %b0_qkv_b = dl.param.get @b0_qkv_b : tensor<192xf32>
    %b0_proj_w = dl.param.get @b0_proj_w : tensor<64x64xf32>
    %b0_proj_b = dl.param.get @b0_proj_b : tensor<64xf32>
    %b0_ln2_g = dl.param.get @b0_ln2_g : tensor<64xf32>
    %b0_ln2_b = dl.param.get @b0_ln2_b : tensor<64xf32>
    %b0_fc1_w = dl.param.get @b0_fc1_w : tensor<64x128xf32>
    %b0_fc1_b = dl.param.get @b0_fc1_b : tensor<128xf32>
    %b0_fc2_w = dl.param.get @b0_fc2_w : tensor<128x64xf32>
    %b0_fc2_b = dl.param.get @b0_fc2_b : tensor<64xf32>
    %x1 = func.call @block(%x0, %b0_ln1_g, %b0_ln1_b, %b0_qkv_w, %b0_qkv_b, %b0_proj_w, %b0_proj_b, %b0_ln2_g, %b0_ln2_b, %b0_fc1_w, %b0_fc1_b, %b0_fc2_w, %b0_fc2_b)
        : (tensor<2048x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x192xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x128xf32>, tensor<128xf32>, tensor<128x64xf32>, tensor<64xf32>) -> tensor<2048x64xf32>

    // Block 1.
    %b1_ln1_g = dl.param.get @b1_ln1_g : tensor<64xf32>
    %b1_ln1_b = dl.param.get @b1_ln1_b : tensor<64xf32>
    %b1_qkv_w = dl.param.get @b1_qkv_w : tensor<64x192xf32>
    %b1_qkv_b = dl.param.get @b1_qkv_b : tensor<192xf32>
    %b1_proj_w = dl.param.get @b1_proj_w : tensor<64x64xf32>
    %b1_proj_b = dl.param.get @b1_proj_b : tensor<64xf32>
    %b1_ln2_g = dl.param.get @b1_ln2_g : tensor<64xf32>
    %b1_ln2_b = dl.param.get @b1_ln2_b : tensor<64xf32>
    %b1_fc1_w = dl.param.get @b1_fc1_w : tensor<64x128xf32>
    %b1_fc1_b = dl.param.get @b1_fc1_b : tensor<128xf32>
    %b1_fc2_w = dl.param.get @b1_fc2_w : tensor<128x64xf32>
    %b1_fc2_b = dl.param.get @b1_fc2_b : tensor<64xf32>
    %x2 = func.call @block(%x1, %b1_ln1_g, %b1_ln1_b, %b1_qkv_w, %b1_qkv_b, %b1_proj_w, %b1_proj_b, %b1_ln2_g, %b1_ln2_b, %b1_fc1_w, %b1_fc1_b, %b1_fc2_w, %b1_fc2_b)
        : (tensor<2048x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x192xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x128xf32>, tensor<128xf32>, tensor<128x64xf32>, tensor<64xf32>) -> tensor<2048x64xf32>

    // Block 2.
    %b2_ln1_g = dl.param.get @b2_ln1_g : tensor<64xf32>
    %b2_ln1_b = dl.param.get @b2_ln1_b : tensor<64xf32>
    %b2_qkv_w = dl.param.get @b2_qkv_w : tensor<64x192xf32>
    %b2_qkv_b = dl.param.get @b2_qkv_b : tensor<192xf32>
    %b2_proj_w = dl.param.get @b2_proj_w : tensor<64x64xf32>
    %b2_proj_b = dl.param.get @b2_proj_b : tensor<64xf32>
    %b2_ln2_g = dl.param.get @b2_ln2_g : tensor<64xf32>
    %b2_ln2_b = dl.param.get @b2_ln2_b : tensor<64xf32>
    %b2_fc1_w = dl.param.get @b2_fc1_w : tensor<64x128xf32>
    %b2_fc1_b = dl.param.get @b2_fc1_b : tensor<128xf32>
    %b2_fc2_w = dl.param.get @b2_fc2_w : tensor<128x64xf32>
    %b2_fc2_b = dl.param.get @b2_fc2_b : tensor<64xf32>
    %x3 = func.call @block(%x2, %b2_ln1_g, %b2_ln1_b, %b2_qkv_w, %b2_qkv_b, %b2_proj_w, %b2_proj_b, %b2_ln2_g, %b2_ln2_b, %b2_fc1_w, %b2_fc1_b, %b2_fc2_w, %b2_fc2_b)
        : (tensor<2048x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x192xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x128xf32>, tensor<128xf32>, tensor<128x64xf32>, tensor<64xf32>) -> tensor<2048x64xf32>

    // Final norm, mean over the patches, head.
    %g = dl.param.get @ln_g : tensor<64xf32>
    %c = dl.param.get @ln_b : tensor<64xf32>
    %n = dl.layer_norm %x3, %g, %c epsilon = 1.0e-6 : tensor<2048x64xf32>, tensor<64xf32>
    %n3 = dl.reshape %n : tensor<2048x64xf32> -> tensor<128x16x64xf32>
    %pooled = dl.reduce_mean %n3 axes = [1] : tensor<128x16x64xf32>
    %hw = dl.param.get @head_w : tensor<64x10xf32>
    %hb = dl.param.get @head_b : tensor<10xf32>
    %l0 = dl.matmul %pooled, %hw : tensor<128x64xf32>, tensor<64x10xf32>
    %logits = dl.add %l0, %hb : tensor<128x10xf32>, tensor<10xf32>
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
