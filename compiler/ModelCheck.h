// Model-level checks that no single op's verifier can make: the module must
// have an entry point, a `loss` function must return what training needs, and
// `training` flags are the compiler's to set.
#ifndef DLC_COMPILER_MODELCHECK_H
#define DLC_COMPILER_MODELCHECK_H

#include "mlir/IR/BuiltinOps.h"

namespace dlc {

/// Name of the function training minimises; its first result is the loss and
/// any further results are metrics.
inline constexpr llvm::StringLiteral kLossFunctionName = "loss";

/// Checks a parsed and verified module is a usable model. Every problem is
/// reported as an error at the offending function (or at the module).
mlir::LogicalResult checkModel(mlir::ModuleOp module);

} // namespace dlc

#endif // DLC_COMPILER_MODELCHECK_H
