// Broken syntax: an argument list that is never closed.
// RUN: not dlc check %s 2>&1 | FileCheck %s --implicit-check-not=model:
// RUN: not dlc-opt %s 2>&1 | FileCheck %s --implicit-check-not=model:

// CHECK: {{.*}}bad-input-syntax.mlir:[[@LINE+1]]:37: error: expected ')'
func.func @forward(%x: tensor<4xf32> -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
