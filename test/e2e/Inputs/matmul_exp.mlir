// Input of check-device.test: a matmul, then a generated kernel.
module @matmul_exp {
  func.func @forward(%a: tensor<4x8xf32>, %w: tensor<8x3xf32>) -> tensor<4x3xf32> {
    %m = dl.matmul %a, %w : tensor<4x8xf32>, tensor<8x3xf32>
    %e = dl.exp %m : tensor<4x3xf32>
    return %e : tensor<4x3xf32>
  }
}
