// A small causal transformer block on tokens: embedding, pre-norm attention
// with 2 heads, GELU MLP, output head; AdamW with clipping and a cosine schedule.
module @block attributes {
  dl.optimizer = #dl.adamw<lr = 1.0e-3, clip_norm = 1.0>,
  dl.lr_schedule = #dl.cosine_lr<warmup_steps = 2, total_steps = 100>
} {
  dl.param @emb : tensor<16x32xf32> = #dl.normal<stddev = 0.02>
  dl.param @pos : tensor<8x32xf32> = #dl.normal<stddev = 0.02>
  dl.param @ln1_g : tensor<32xf32> = #dl.ones
  dl.param @ln1_b : tensor<32xf32> = #dl.zeros
  dl.param @wqkv : tensor<32x96xf32> = #dl.glorot_uniform
  dl.param @wo : tensor<32x32xf32> = #dl.glorot_uniform
  dl.param @ln2_g : tensor<32xf32> = #dl.ones
  dl.param @ln2_b : tensor<32xf32> = #dl.zeros
  dl.param @w1 : tensor<32x64xf32> = #dl.he_normal
  dl.param @b1 : tensor<64xf32> = #dl.zeros
  dl.param @w2 : tensor<64x32xf32> = #dl.he_normal
  dl.param @head : tensor<32x16xf32> = #dl.glorot_uniform

  func.func @forward(%tokens: tensor<4x8xi32>) -> tensor<32x16xf32> {
    %e = dl.param.get @emb : tensor<16x32xf32>
    %x0 = dl.embedding %e, %tokens : tensor<16x32xf32>, tensor<4x8xi32>
    %p = dl.param.get @pos : tensor<8x32xf32>
    %x = dl.add %x0, %p : tensor<4x8x32xf32>, tensor<8x32xf32>
    %g1 = dl.param.get @ln1_g : tensor<32xf32>
    %c1 = dl.param.get @ln1_b : tensor<32xf32>
    %h = dl.layer_norm %x, %g1, %c1 axis = 2 epsilon = 1.0e-5 : tensor<4x8x32xf32>, tensor<32xf32>
    %h2 = dl.reshape %h : tensor<4x8x32xf32> -> tensor<32x32xf32>
    %wqkv = dl.param.get @wqkv : tensor<32x96xf32>
    %qkv = dl.matmul %h2, %wqkv : tensor<32x32xf32>, tensor<32x96xf32>
    %q2 = dl.slice %qkv starts = [0, 0] limits = [32, 32] : tensor<32x96xf32>
    %k2 = dl.slice %qkv starts = [0, 32] limits = [32, 64] : tensor<32x96xf32>
    %v2 = dl.slice %qkv starts = [0, 64] limits = [32, 96] : tensor<32x96xf32>
    %q3 = dl.reshape %q2 : tensor<32x32xf32> -> tensor<4x8x2x16xf32>
    %k3 = dl.reshape %k2 : tensor<32x32xf32> -> tensor<4x8x2x16xf32>
    %v3 = dl.reshape %v2 : tensor<32x32xf32> -> tensor<4x8x2x16xf32>
    %q = dl.transpose %q3 perm = [0, 2, 1, 3] : tensor<4x8x2x16xf32>
    %k = dl.transpose %k3 perm = [0, 2, 1, 3] : tensor<4x8x2x16xf32>
    %v = dl.transpose %v3 perm = [0, 2, 1, 3] : tensor<4x8x2x16xf32>
    %s = dl.matmul %q, %k transpose_b : tensor<4x2x8x16xf32>, tensor<4x2x8x16xf32>
    %scale = dl.constant dense<0.25> : tensor<f32>
    %ss = dl.mul %s, %scale : tensor<4x2x8x8xf32>, tensor<f32>
    %mask = dl.constant dense<[[0.0, -1.0e9, -1.0e9, -1.0e9, -1.0e9, -1.0e9, -1.0e9, -1.0e9], [0.0, 0.0, -1.0e9, -1.0e9, -1.0e9, -1.0e9, -1.0e9, -1.0e9], [0.0, 0.0, 0.0, -1.0e9, -1.0e9, -1.0e9, -1.0e9, -1.0e9], [0.0, 0.0, 0.0, 0.0, -1.0e9, -1.0e9, -1.0e9, -1.0e9], [0.0, 0.0, 0.0, 0.0, 0.0, -1.0e9, -1.0e9, -1.0e9], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0e9, -1.0e9], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0e9], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<8x8xf32>
    %sm = dl.add %ss, %mask : tensor<4x2x8x8xf32>, tensor<8x8xf32>
    %a = dl.softmax %sm axis = 3 : tensor<4x2x8x8xf32>
    %o = dl.matmul %a, %v : tensor<4x2x8x8xf32>, tensor<4x2x8x16xf32>
    %ot = dl.transpose %o perm = [0, 2, 1, 3] : tensor<4x2x8x16xf32>
    %o2 = dl.reshape %ot : tensor<4x8x2x16xf32> -> tensor<32x32xf32>
    %wo = dl.param.get @wo : tensor<32x32xf32>
    %att = dl.matmul %o2, %wo : tensor<32x32xf32>, tensor<32x32xf32>
    %x2 = dl.reshape %x : tensor<4x8x32xf32> -> tensor<32x32xf32>
    %r1 = dl.add %x2, %att : tensor<32x32xf32>, tensor<32x32xf32>
    %g2 = dl.param.get @ln2_g : tensor<32xf32>
    %c2 = dl.param.get @ln2_b : tensor<32xf32>
    %n2 = dl.layer_norm %r1, %g2, %c2 axis = 1 epsilon = 1.0e-5 : tensor<32x32xf32>, tensor<32xf32>
    %w1 = dl.param.get @w1 : tensor<32x64xf32>
    %b1 = dl.param.get @b1 : tensor<64xf32>
    %m1 = dl.matmul %n2, %w1 : tensor<32x32xf32>, tensor<32x64xf32>
    %m1b = dl.add %m1, %b1 : tensor<32x64xf32>, tensor<64xf32>
    %gl = dl.gelu %m1b : tensor<32x64xf32>
    %w2 = dl.param.get @w2 : tensor<64x32xf32>
    %m2 = dl.matmul %gl, %w2 : tensor<32x64xf32>, tensor<64x32xf32>
    %r2 = dl.add %r1, %m2 : tensor<32x32xf32>, tensor<32x32xf32>
    %hd = dl.param.get @head : tensor<32x16xf32>
    %logits = dl.matmul %r2, %hd : tensor<32x32xf32>, tensor<32x16xf32>
    return %logits : tensor<32x16xf32>
  }

  func.func @loss(%tokens: tensor<4x8xi32>, %targets: tensor<32xi32>) -> (tensor<f32>, tensor<f32>) {
    %logits = func.call @forward(%tokens) : (tensor<4x8xi32>) -> tensor<32x16xf32>
    %l = dl.softmax_cross_entropy %logits, %targets : tensor<32x16xf32>, tensor<32xi32>
    %acc = dl.accuracy %logits, %targets : tensor<32x16xf32>, tensor<32xi32>
    return %l, %acc : tensor<f32>, tensor<f32>
  }
}
