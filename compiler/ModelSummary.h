// The one-screen description of a model that `dlc check` prints: name,
// optimizer, parameters with their sizes, and the functions it exports.
#ifndef DLC_COMPILER_MODELSUMMARY_H
#define DLC_COMPILER_MODELSUMMARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace dlc {

/// Prints the summary of a checked model. The model is named by the module's
/// symbol name, else by `fallbackName` (the file's stem).
void printModelSummary(mlir::ModuleOp module, llvm::StringRef fallbackName, llvm::raw_ostream &os);

} // namespace dlc

#endif // DLC_COMPILER_MODELSUMMARY_H
