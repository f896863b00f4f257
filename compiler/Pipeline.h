// The whole compilation of an imported model, from dl functions to a planned
// exec module, as `dlc compile` runs it.
#ifndef DLC_COMPILER_PIPELINE_H
#define DLC_COMPILER_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace dlc {

/// inline, symbol-dce, canonicalize, cse, dl-lower-to-exec, exec-plan-memory.
mlir::LogicalResult lowerModel(mlir::ModuleOp module);

/// Per entry point: the planned arena against the sum of the sizes of its
/// inputs and temporaries (what one slot per tensor would need).
void printMemoryStats(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace dlc

#endif // DLC_COMPILER_PIPELINE_H
