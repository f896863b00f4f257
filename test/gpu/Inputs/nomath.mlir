// Input of dlc-target.test: kernels without math functions.
module @nomath {
  func.func @forward(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
    %s = dl.add %a, %b : tensor<8xf32>, tensor<8xf32>
    %m = dl.maximum %s, %b : tensor<8xf32>, tensor<8xf32>
    return %m : tensor<8xf32>
  }
}
