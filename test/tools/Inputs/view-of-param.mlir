// A model with a hand-written exec.entry that views a parameter; see
// dlc-compile-exec.mlir.
module @view_of_param {
  dl.param @w : tensor<4xf32> = #dl.zeros
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = dl.relu %x : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
  exec.entry @view_param outputs ["y"] {
    %w = exec.param @w : memref<4xf32>
    %v = exec.view %w : memref<4xf32> -> memref<2x2xf32>
    %y = exec.alloc : memref<2x2xf32>
    exec.call "copy" ins(%v : memref<2x2xf32>) outs(%y : memref<2x2xf32>)
    exec.return %y : memref<2x2xf32>
  }
}
