// An op the dl dialect does not define: both tools stop there with its location.
// RUN: not dlc check %s 2>&1 | FileCheck %s --implicit-check-not=model:
// RUN: not dlc-opt %s 2>&1 | FileCheck %s --implicit-check-not=model:

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: {{.*}}bad-input-unknown-op.mlir:[[@LINE+1]]:8: error: custom op 'dl.frobnicate' is unknown
  %y = dl.frobnicate %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
