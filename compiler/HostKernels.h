// The GPU kernels built for this machine's CPU, so that tests run a file's
// GPU form without a GPU (dlrun --device cuda-emulated:LIB.so).
#ifndef DLC_COMPILER_HOSTKERNELS_H
#define DLC_COMPILER_HOSTKERNELS_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace dlc {

enum class HostKernelForm {
  /// exec-outline-gpu-kernels' form, before the mapping to blocks and
  /// threads: each kernel runs every item itself.
  Unmapped,
  /// exec-map-gpu-kernels' form: each kernel runs as its launch would, each
  /// thread of each block a host thread; the GPU's ids, gpu.all_reduce and
  /// gpu.barrier call a SIMT harness the object leaves undefined
  /// (test/reference/simt_harness.c implements it): `int64_t
  /// dlc_simt_thread_id(void)` (and `_block_id`, `_block_dim`, `_grid_dim`),
  /// `void dlc_simt_barrier(void)`, `T dlc_simt_all_reduce_KIND_T(T)` for
  /// KIND add, maximumf, maxsi, maxui and T f32, f64, i32, i64, and `void
  /// dlc_simt_launch(void (*thread)(void **), void **buffers, int64_t grid,
  /// int64_t block)`.
  Mapped,
};

/// The kernels of a planned exec module, in `form`, compiled for this
/// machine's CPU as an object file: each kernel `name` is a C function
/// `void name(void **buffers)` taking its buffers in order ("" when the
/// model has no generated kernels).
mlir::FailureOr<std::string> hostKernelObject(mlir::ModuleOp module, HostKernelForm form);

} // namespace dlc

#endif // DLC_COMPILER_HOSTKERNELS_H
