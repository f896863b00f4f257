// Input of dlc-target.test: 16-bit floats in GPU kernels.
module @half {
  func.func @forward(%a: tensor<4x8xf16>, %b: tensor<4x8xbf16>) -> (tensor<4x8xf16>, tensor<4x8xbf16>, tensor<4xf16>) {
    %e = dl.exp %a : tensor<4x8xf16>
    %t = dl.tanh %b : tensor<4x8xbf16>
    %s = dl.reduce_sum %a axes = [1] : tensor<4x8xf16>
    return %e, %t, %s : tensor<4x8xf16>, tensor<4x8xbf16>, tensor<4xf16>
  }
}
