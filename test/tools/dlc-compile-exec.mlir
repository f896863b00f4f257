// exec ops written in a model are planned and emitted as they are, next to
// the lowered functions. A view of a constant is another constant buffer
// over the same bytes. A view of a parameter has no executable form (the
// runtime allows no aliases of persistent buffers): the compile fails at the
// view and leaves no output file behind, although it had been opened.
// RUN: dlc compile %s -o %t.fb
// RUN: dlc inspect %t.fb | FileCheck %s
// RUN: rm -f %t.param.fb
// RUN: not dlc compile %S/Inputs/view-of-param.mlir -o %t.param.fb 2>&1 | FileCheck %s --check-prefix=PARAM
// RUN: not ls %t.param.fb

// CHECK: entry view_constant (arena 64 bytes):
// CHECK-NEXT:   output y: tensor<2x2xf32>
// CHECK-NEXT:     0 Copy constant -> y @ {{.*}}dlc-compile-exec.mlir:[[#@LINE+17]]:
// CHECK: entry forward
// CHECK: constants: 16 bytes
// CHECK-NEXT:   constant: tensor<4xf32> offset 0: 00 00 80 3f 00 00 00 40 00 00 40 40 00 00 80 40
// CHECK-NEXT:   constant: tensor<2x2xf32> offset 0: 00 00 80 3f 00 00 00 40 00 00 40 40 00 00 80 40

// PARAM: view-of-param.mlir:[[#]]:[[#]]: error: 'exec.view' op views a parameter; copy it into an exec.alloc instead

module @raw {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = dl.relu %x : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
  exec.entry @view_constant outputs ["y"] {
    %c = exec.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32> : memref<4xf32>
    %v = exec.view %c : memref<4xf32> -> memref<2x2xf32>
    %y = exec.alloc : memref<2x2xf32>
    exec.call "copy" ins(%v : memref<2x2xf32>) outs(%y : memref<2x2xf32>)
    exec.return %y : memref<2x2xf32>
  }
}
