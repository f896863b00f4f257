// An operand of an element type the op does not take.
// RUN: not dlc check %s 2>&1 | FileCheck %s --implicit-check-not=model:
// RUN: not dlc-opt %s 2>&1 | FileCheck %s --implicit-check-not=model:

func.func @forward(%x: tensor<4xi32>) -> tensor<4xi32> {
  // CHECK: {{.*}}bad-input-operand-type.mlir:[[@LINE+1]]:8: error: 'dl.relu' op operand #0 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<4xi32>'
  %y = dl.relu %x : tensor<4xi32>
  return %y : tensor<4xi32>
}
