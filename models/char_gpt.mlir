// A character-level GPT: a decoder-only transformer over bytes, after
// Radford et al., "Improving Language Understanding by Generative
// Pre-Training" (2018) and "Language Models are Unsupervised Multitask
// Learners" (GPT-2, 2019), in the small form of Karpathy's nanoGPT /
// minGPT character models: byte vocabulary (256), token and learned position
// embeddings, 3 pre-norm blocks (layer norm, 4-head causal self-attention,
// residual; layer norm, GELU MLP 128-512-128, residual), a final layer norm
// and an output head tied to the token embedding. Context 64 bytes, batch
// 32, AdamW (weight decay 0.1, gradients clipped to norm 1) with a linear
// warm-up over 100 steps and cosine decay over 5000. Trains on
// dl.dataset = "text" (the Jargon File, or dlrun --data FILE.txt); dlrun
// --generate samples from it.
//
// The causal mask is built once from positions: key position j is visible
// from query position i when i >= j, else the score gets -1e9 before the
// softmax.
module @char_gpt attributes {
  dl.dataset = "text",
  dl.optimizer = #dl.adamw<lr = 1.0e-3, weight_decay = 1.0e-1, clip_norm = 1.0>,
  dl.lr_schedule = #dl.cosine_lr<warmup_steps = 100, total_steps = 5000, min_lr = 1.0e-4>
} {
  dl.param @tok : tensor<256x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @pos : tensor<64x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @b0_ln1_g : tensor<128xf32> = #dl.ones
  dl.param @b0_ln1_b : tensor<128xf32> = #dl.zeros
  dl.param @b0_qkv_w : tensor<128x384xf32> = #dl.normal<stddev = 0.02>
  dl.param @b0_qkv_b : tensor<384xf32> = #dl.zeros
  dl.param @b0_proj_w : tensor<128x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @b0_proj_b : tensor<128xf32> = #dl.zeros
  dl.param @b0_ln2_g : tensor<128xf32> = #dl.ones
  dl.param @b0_ln2_b : tensor<128xf32> = #dl.zeros
  dl.param @b0_fc1_w : tensor<128x512xf32> = #dl.normal<stddev = 0.02>
  dl.param @b0_fc1_b : tensor<512xf32> = #dl.zeros
  dl.param @b0_fc2_w : tensor<512x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @b0_fc2_b : tensor<128xf32> = #dl.zeros
  dl.param @b1_ln1_g : tensor<128xf32> = #dl.ones
  dl.param @b1_ln1_b : tensor<128xf32> = #dl.zeros
  dl.param @b1_qkv_w : tensor<128x384xf32> = #dl.normal<stddev = 0.02>
  dl.param @b1_qkv_b : tensor<384xf32> = #dl.zeros
  dl.param @b1_proj_w : tensor<128x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @b1_proj_b : tensor<128xf32> = #dl.zeros
  dl.param @b1_ln2_g : tensor<128xf32> = #dl.ones
  dl.param @b1_ln2_b : tensor<128xf32> = #dl.zeros
  dl.param @b1_fc1_w : tensor<128x512xf32> = #dl.normal<stddev = 0.02>
  dl.param @b1_fc1_b : tensor<512xf32> = #dl.zeros
  dl.param @b1_fc2_w : tensor<512x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @b1_fc2_b : tensor<128xf32> = #dl.zeros
  dl.param @b2_ln1_g : tensor<128xf32> = #dl.ones
  dl.param @b2_ln1_b : tensor<128xf32> = #dl.zeros
  dl.param @b2_qkv_w : tensor<128x384xf32> = #dl.normal<stddev = 0.02>
  dl.param @b2_qkv_b : tensor<384xf32> = #dl.zeros
  dl.param @b2_proj_w : tensor<128x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @b2_proj_b : tensor<128xf32> = #dl.zeros
  dl.param @b2_ln2_g : tensor<128xf32> = #dl.ones
  dl.param @b2_ln2_b : tensor<128xf32> = #dl.zeros
  dl.param @b2_fc1_w : tensor<128x512xf32> = #dl.normal<stddev = 0.02>
  dl.param @b2_fc1_b : tensor<512xf32> = #dl.zeros
  dl.param @b2_fc2_w : tensor<512x128xf32> = #dl.normal<stddev = 0.02>
  dl.param @b2_fc2_b : tensor<128xf32> = #dl.zeros
  dl.param @ln_g : tensor<128xf32> = #dl.ones
  dl.param @ln_b : tensor<128xf32> = #dl.zeros

  // One pre-norm block over the 2048 positions (32 sequences of 64 bytes).
  func.func private @block(%x: tensor<2048x128xf32>, %mask: tensor<64x64xf32>,
      %ln1_g: tensor<128xf32>, %ln1_b: tensor<128xf32>,
      %qkv_w: tensor<128x384xf32>, %qkv_b: tensor<384xf32>,
      %proj_w: tensor<128x128xf32>, %proj_b: tensor<128xf32>,
      %ln2_g: tensor<128xf32>, %ln2_b: tensor<128xf32>,
      %fc1_w: tensor<128x512xf32>, %fc1_b: tensor<512xf32>,
      %fc2_w: tensor<512x128xf32>, %fc2_b: tensor<128xf32>) -> tensor<2048x128xf32> {
    // Causal self-attention: 4 heads of 32 features.
    %n1 = dl.layer_norm %x, %ln1_g, %ln1_b epsilon = 1.0e-5 : tensor<2048x128xf32>, tensor<128xf32>
    %qkv0 = dl.matmul %n1, %qkv_w : tensor<2048x128xf32>, tensor<128x384xf32>
    %qkv = dl.add %qkv0, %qkv_b : tensor<2048x384xf32>, tensor<384xf32>
    %q0 = dl.slice %qkv starts = [0, 0] limits = [2048, 128] : tensor<2048x384xf32>
    %k0 = dl.slice %qkv starts = [0, 128] limits = [2048, 256] : tensor<2048x384xf32>
    %v0 = dl.slice %qkv starts = [0, 256] limits = [2048, 384] : tensor<2048x384xf32>
    %q1 = dl.reshape %q0 : tensor<2048x128xf32> -> tensor<32x64x4x32xf32>
    %k1 = dl.reshape %k0 : tensor<2048x128xf32> -> tensor<32x64x4x32xf32>
    %v1 = dl.reshape %v0 : tensor<2048x128xf32> -> tensor<32x64x4x32xf32>
    %q = dl.transpose %q1 perm = [0, 2, 1, 3] : tensor<32x64x4x32xf32>
    %k = dl.transpose %k1 perm = [0, 2, 1, 3] : tensor<32x64x4x32xf32>
    %v = dl.transpose %v1 perm = [0, 2, 1, 3] : tensor<32x64x4x32xf32>
    %s0 = dl.matmul %q, %k transpose_b : tensor<32x4x64x32xf32>, tensor<32x4x64x32xf32>
    %scale = dl.constant dense<0.17677669529663687> : tensor<f32>
    %s1 = dl.mul %s0, %scale : tensor<32x4x64x64xf32>, tensor<f32>
    %s = dl.add %s1, %mask : tensor<32x4x64x64xf32>, tensor<64x64xf32>
    %a = dl.softmax %s axis = 3 : tensor<32x4x64x64xf32>
    %o0 = dl.matmul %a, %v : tensor<32x4x64x64xf32>, tensor<32x4x64x32xf32>
    %o1 = dl.transpose %o0 perm = [0, 2, 1, 3] : tensor<32x4x64x32xf32>
    %o = dl.reshape %o1 : tensor<32x64x4x32xf32> -> tensor<2048x128xf32>
    %p0 = dl.matmul %o, %proj_w : tensor<2048x128xf32>, tensor<128x128xf32>
    %p = dl.add %p0, %proj_b : tensor<2048x128xf32>, tensor<128xf32>
    %r1 = dl.add %x, %p : tensor<2048x128xf32>, tensor<2048x128xf32>
    // MLP.
    %n2 = dl.layer_norm %r1, %ln2_g, %ln2_b epsilon = 1.0e-5 : tensor<2048x128xf32>, tensor<128xf32>
    %h0 = dl.matmul %n2, %fc1_w : tensor<2048x128xf32>, tensor<128x512xf32>
    %h1 = dl.add %h0, %fc1_b : tensor<2048x512xf32>, tensor<512xf32>
    %h = dl.gelu %h1 : tensor<2048x512xf32>
    %m0 = dl.matmul %h, %fc2_w : tensor<2048x512xf32>, tensor<512x128xf32>
    %m = dl.add %m0, %fc2_b : tensor<2048x128xf32>, tensor<128xf32>
    %r2 = dl.add %r1, %m : tensor<2048x128xf32>, tensor<2048x128xf32>
    return %r2 : tensor<2048x128xf32>
  }

  func.func @forward(%tokens: tensor<32x64xi32>) -> tensor<2048x256xf32> {
    %tok = dl.param.get @tok : tensor<256x128xf32>
    %e0 = dl.embedding %tok, %tokens : tensor<256x128xf32>, tensor<32x64xi32>
    %pos = dl.param.get @pos : tensor<64x128xf32>
    %e1 = dl.add %e0, %pos : tensor<32x64x128xf32>, tensor<64x128xf32>
    %x0 = dl.reshape %e1 : tensor<32x64x128xf32> -> tensor<2048x128xf32>

    // The causal mask: 0 where query i may see key j (i >= j), else -1e9.
    %positions = dl.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0]> : tensor<64xf32>
    %query = dl.reshape %positions : tensor<64xf32> -> tensor<64x1xf32>
    %key = dl.reshape %positions : tensor<64xf32> -> tensor<1x64xf32>
    %visible = dl.compare ge, %query, %key : tensor<64x1xf32>, tensor<1x64xf32>
    %zero = dl.constant dense<0.0> : tensor<64x64xf32>
    %hidden = dl.constant dense<-1.0e9> : tensor<64x64xf32>
    %mask = dl.select %visible, %zero, %hidden : tensor<64x64xi1>, tensor<64x64xf32>, tensor<64x64xf32>

    // Block 0.
    %b0_ln1_g = dl.param.get @b0_ln1_g : tensor<128xf32>
    %b0_ln1_b = dl.param.get @b0_ln1_b : tensor<128xf32>
    %b0_qkv_w = dl.param.get @b0_qkv_w : tensor<128x384xf32>
    %b0_qkv_b = dl.param.get @b0_qkv_b : tensor<384xf32>
    %b0_proj_w = dl.param.get @b0_proj_w : tensor<128x128xf32>
    %b0_proj_b = dl.param.get @b0_proj_b : tensor<128xf32>
    %b0_ln2_g = dl.param.get @b0_ln2_g : tensor<128xf32>
    %b0_ln2_b = dl.param.get @b0_ln2_b : tensor<128xf32>
    %b0_fc1_w = dl.param.get @b0_fc1_w : tensor<128x512xf32>
    %b0_fc1_b = dl.param.get @b0_fc1_b : tensor<512xf32>
    %b0_fc2_w = dl.param.get @b0_fc2_w : tensor<512x128xf32>
    %b0_fc2_b = dl.param.get @b0_fc2_b : tensor<128xf32>
    %x1 = func.call @block(%x0, %mask, %b0_ln1_g, %b0_ln1_b, %b0_qkv_w, %b0_qkv_b, %b0_proj_w, %b0_proj_b, %b0_ln2_g, %b0_ln2_b, %b0_fc1_w, %b0_fc1_b, %b0_fc2_w, %b0_fc2_b)
        : (tensor<2048x128xf32>, tensor<64x64xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x384xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x512xf32>, tensor<512xf32>, tensor<512x128xf32>, tensor<128xf32>) -> tensor<2048x128xf32>

    // Block 1.
    %b1_ln1_g = dl.param.get @b1_ln1_g : tensor<128xf32>
    %b1_ln1_b = dl.param.get @b1_ln1_b : tensor<128xf32>
    %b1_qkv_w = dl.param.get @b1_qkv_w : tensor<128x384xf32>
    %b1_qkv_b = dl.param.get @b1_qkv_b : tensor<384xf32>
    %b1_proj_w = dl.param.get @b1_proj_w : tensor<128x128xf32>
    %b1_proj_b = dl.param.get @b1_proj_b : tensor<128xf32>
    %b1_ln2_g = dl.param.get @b1_ln2_g : tensor<128xf32>
    %b1_ln2_b = dl.param.get @b1_ln2_b : tensor<128xf32>
    %b1_fc1_w = dl.param.get @b1_fc1_w : tensor<128x512xf32>
    %b1_fc1_b = dl.param.get @b1_fc1_b : tensor<512xf32>
    %b1_fc2_w = dl.param.get @b1_fc2_w : tensor<512x128xf32>
    %b1_fc2_b = dl.param.get @b1_fc2_b : tensor<128xf32>
    %x2 = func.call @block(%x1, %mask, %b1_ln1_g, %b1_ln1_b, %b1_qkv_w, %b1_qkv_b, %b1_proj_w, %b1_proj_b, %b1_ln2_g, %b1_ln2_b, %b1_fc1_w, %b1_fc1_b, %b1_fc2_w, %b1_fc2_b)
        : (tensor<2048x128xf32>, tensor<64x64xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x384xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x512xf32>, tensor<512xf32>, tensor<512x128xf32>, tensor<128xf32>) -> tensor<2048x128xf32>

    // Block 2.
    %b2_ln1_g = dl.param.get @b2_ln1_g : tensor<128xf32>
    %b2_ln1_b = dl.param.get @b2_ln1_b : tensor<128xf32>
    %b2_qkv_w = dl.param.get @b2_qkv_w : tensor<128x384xf32>
    %b2_qkv_b = dl.param.get @b2_qkv_b : tensor<384xf32>
    %b2_proj_w = dl.param.get @b2_proj_w : tensor<128x128xf32>
    %b2_proj_b = dl.param.get @b2_proj_b : tensor<128xf32>
    %b2_ln2_g = dl.param.get @b2_ln2_g : tensor<128xf32>
    %b2_ln2_b = dl.param.get @b2_ln2_b : tensor<128xf32>
    %b2_fc1_w = dl.param.get @b2_fc1_w : tensor<128x512xf32>
    %b2_fc1_b = dl.param.get @b2_fc1_b : tensor<512xf32>
    %b2_fc2_w = dl.param.get @b2_fc2_w : tensor<512x128xf32>
    %b2_fc2_b = dl.param.get @b2_fc2_b : tensor<128xf32>
    %x3 = func.call @block(%x2, %mask, %b2_ln1_g, %b2_ln1_b, %b2_qkv_w, %b2_qkv_b, %b2_proj_w, %b2_proj_b, %b2_ln2_g, %b2_ln2_b, %b2_fc1_w, %b2_fc1_b, %b2_fc2_w, %b2_fc2_b)
        : (tensor<2048x128xf32>, tensor<64x64xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x384xf32>, tensor<384xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x512xf32>, tensor<512xf32>, tensor<512x128xf32>, tensor<128xf32>) -> tensor<2048x128xf32>

    // Final norm; the head is the token embedding, transposed.
    %g = dl.param.get @ln_g : tensor<128xf32>
    %c = dl.param.get @ln_b : tensor<128xf32>
    %n = dl.layer_norm %x3, %g, %c epsilon = 1.0e-5 : tensor<2048x128xf32>, tensor<128xf32>
    %logits = dl.matmul %n, %tok transpose_b : tensor<2048x128xf32>, tensor<256x128xf32>
    return %logits : tensor<2048x256xf32>
  }

  func.func @loss(%tokens: tensor<32x64xi32>, %targets: tensor<2048xi32>) -> tensor<f32> {
    %logits = func.call @forward(%tokens) : (tensor<32x64xi32>) -> tensor<2048x256xf32>
    %loss = dl.softmax_cross_entropy %logits, %targets : tensor<2048x256xf32>, tensor<2048xi32>
    return %loss : tensor<f32>
  }
}
