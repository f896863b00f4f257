// Operand shapes that do not broadcast.
// RUN: not dlc check %s 2>&1 | FileCheck %s --implicit-check-not=model:
// RUN: not dlc-opt %s 2>&1 | FileCheck %s --implicit-check-not=model:

func.func @forward(%x: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<4x8xf32> {
  // CHECK: {{.*}}bad-input-shape.mlir:[[@LINE+1]]:8: error: 'dl.add' op operands are not broadcast-compatible: 'tensor<4x8xf32>' and 'tensor<4xf32>'
  %y = dl.add %x, %b : tensor<4x8xf32>, tensor<4xf32>
  return %y : tensor<4x8xf32>
}
