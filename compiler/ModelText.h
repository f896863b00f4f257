// Checks a model file is plausible text before the MLIR parser sees it, so an
// empty file or binary garbage gets a located error instead of parsing as an
// empty module (the parser stops at a NUL byte).
#ifndef DLC_COMPILER_MODELTEXT_H
#define DLC_COMPILER_MODELTEXT_H

#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/SourceMgr.h"

namespace dlc {

/// Reports `file:line:col: error: ...` through `sourceMgr` for the buffer
/// with id `bufferId` when it is empty, holds a NUL byte or is not UTF-8.
llvm::LogicalResult checkModelText(llvm::SourceMgr &sourceMgr, unsigned bufferId);

} // namespace dlc

#endif // DLC_COMPILER_MODELTEXT_H
