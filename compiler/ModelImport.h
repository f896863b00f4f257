// The compiler's front door: reads a model file, parses and verifies it, and
// names every entry point's inputs and outputs (`dl.name`) from the source.
#ifndef DLC_COMPILER_MODELIMPORT_H
#define DLC_COMPILER_MODELIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace dlc {

/// Reads `path` ('-' for stdin), checks it is text, parses, verifies, names
/// inputs and outputs, and runs the model-level checks. Every problem is
/// reported on stderr as `file:line:col: error: ...`; returns null then.
mlir::OwningOpRef<mlir::ModuleOp> importModel(llvm::StringRef path, mlir::MLIRContext &context,
                                              llvm::SourceMgr &sourceMgr);

/// The registry of dialects a model may use.
void registerModelDialects(mlir::DialectRegistry &registry);

} // namespace dlc

#endif // DLC_COMPILER_MODELIMPORT_H
