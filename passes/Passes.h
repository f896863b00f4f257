// dlc's passes. Each is one file in passes/ with one lit test file in
// test/passes/.
#ifndef DLC_PASSES_PASSES_H
#define DLC_PASSES_PASSES_H

#include "dialects/dl/DLDialect.h"
#include "dialects/exec/ExecDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace dlc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Adds `name`, a public copy of `function` that also returns the gradient
/// of its first result with respect to each trainable parameter it depends
/// on (what dl-autodiff does for `loss`). Fails with a diagnostic where a
/// gradient cannot flow.
mlir::FailureOr<mlir::func::FuncOp>
buildGradientFunction(mlir::ModuleOp module, mlir::func::FuncOp function, llvm::StringRef name);

} // namespace dlc

#endif // DLC_PASSES_PASSES_H
