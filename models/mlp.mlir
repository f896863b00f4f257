// The lecture's two-layer network: 1000 inputs, 100 hidden units with ReLU,
// 10 outputs, batch 64. The loss is the squared error summed over the outputs
// and averaged over the batch; Adam at lr 1e-4. It trains on random data.
module @mlp attributes {dl.dataset = "random", dl.optimizer = #dl.adam<lr = 1.0e-4>} {
  dl.param @w1 : tensor<1000x100xf32> = #dl.he_uniform
  dl.param @b1 : tensor<100xf32> = #dl.zeros
  dl.param @w2 : tensor<100x10xf32> = #dl.glorot_uniform
  dl.param @b2 : tensor<10xf32> = #dl.zeros

  func.func @forward(%x: tensor<64x1000xf32>) -> tensor<64x10xf32> {
    %w1 = dl.param.get @w1 : tensor<1000x100xf32>
    %b1 = dl.param.get @b1 : tensor<100xf32>
    %h0 = dl.matmul %x, %w1 : tensor<64x1000xf32>, tensor<1000x100xf32>
    %h1 = dl.add %h0, %b1 : tensor<64x100xf32>, tensor<100xf32>
    %h = dl.relu %h1 : tensor<64x100xf32>
    %w2 = dl.param.get @w2 : tensor<100x10xf32>
    %b2 = dl.param.get @b2 : tensor<10xf32>
    %y0 = dl.matmul %h, %w2 : tensor<64x100xf32>, tensor<100x10xf32>
    %y = dl.add %y0, %b2 : tensor<64x10xf32>, tensor<10xf32>
    return %y : tensor<64x10xf32>
  }

  func.func @loss(%x: tensor<64x1000xf32>, %target: tensor<64x10xf32>) -> tensor<f32> {
    %y = func.call @forward(%x) : (tensor<64x1000xf32>) -> tensor<64x10xf32>
    %loss = dl.mse_loss %y, %target reduction = batch_mean : tensor<64x10xf32>
    return %loss : tensor<f32>
  }
}
