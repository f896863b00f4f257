// Constant data the executable cannot hold inline (a dense_resource blob) is
// an error at the constant, not a crash, and leaves no output file.
// RUN: rm -f %t.fb
// RUN: not dlc compile %s -o %t.fb 2>&1 | FileCheck %s
// RUN: not ls %t.fb

module @resource {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    // CHECK: dlc-compile-resource.mlir:[[#@LINE+1]]:10: error: constant data must be a dense<...> literal
    %c = dl.constant dense_resource<blob1> : tensor<2xf32>
    %0 = dl.add %x, %c : tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      blob1: "0x040000000000803F00000040"
    }
  }
#-}
