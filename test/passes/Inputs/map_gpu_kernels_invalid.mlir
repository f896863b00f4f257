// Outlined kernels exec-map-gpu-kernels cannot map (see map_gpu_kernels.mlir).

module {
  module @gpu_kernels {
    // expected-error @+1 {{must have one items loop (scf.parallel), has 2}}
    func.func @two(%a: memref<4xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
        scf.reduce
      }
      scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
        scf.reduce
      }
      return
    }
  }
}

// -----

module {
  module @gpu_kernels {
    func.func @offset_row(%a: memref<4x8xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
        // expected-error @+1 {{row loop must run from 0 in steps of 1}}
        scf.for %j = %c1 to %c8 step %c1 {
        } {dlc.row}
        scf.reduce
      }
      return
    }
  }
}

// -----

module {
  module @gpu_kernels {
    func.func @unknown_combiner(%a: memref<4x8xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %zero = arith.constant 0.0 : f32
      scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
        // expected-error @+1 {{combines by unknown 'median'}}
        %s = scf.for %j = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
          scf.yield %acc : f32
        } {dlc.combine = "median"}
        scf.reduce
      }
      return
    }
  }
}
