// The whole compilation of an imported model, from dl functions to a planned
// exec module, as `dlc compile` runs it.
#ifndef DLC_COMPILER_PIPELINE_H
#define DLC_COMPILER_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace dlc {

struct PipelineOptions {
  /// Build the training entry points `train_step` and `eval`
  /// (dl-autodiff, dl-build-train-step) from the `loss` function.
  bool training = false;
  /// Keep `loss_grad` (loss's results and each trainable parameter's
  /// gradient) as an entry point; implies differentiating `loss`.
  bool gradients = false;
};

/// inline, symbol-dce, canonicalize, cse, [dl-autodiff], dl-channels-last,
/// dl-lower-to-exec, exec-plan-memory.
mlir::LogicalResult lowerModel(mlir::ModuleOp module, const PipelineOptions &options = {});

/// Per entry point: the planned arena against the sum of the sizes of its
/// inputs and temporaries (what one slot per tensor would need).
void printMemoryStats(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace dlc

#endif // DLC_COMPILER_PIPELINE_H
