// Checks a model file is plausible text before the MLIR parser sees it, so an
// empty file or binary garbage gets a located error instead of parsing as an
// empty module (the parser stops at a NUL byte), and input that would make
// the parser recurse too deep (absurd nesting, long affine expressions) gets
// an error instead of overflowing the parser's stack.
#ifndef DLC_COMPILER_MODELTEXT_H
#define DLC_COMPILER_MODELTEXT_H

#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/SourceMgr.h"

namespace dlc {

/// Deepest bracket nesting a model may have. Real models stay below 20
/// (module, function, op region, tensor type, dense data of rank 6).
inline constexpr unsigned kMaxNestingDepth = 256;

/// Reports `file:line:col: error: ...` for the buffer with id `bufferId` when
/// it is empty, holds a NUL byte, is not UTF-8, nests brackets more than
/// kMaxNestingDepth deep, or uses `affine_map` or `affine_set` (outside
/// comments and strings).
llvm::LogicalResult checkModelText(llvm::SourceMgr &sourceMgr, unsigned bufferId);

} // namespace dlc

#endif // DLC_COMPILER_MODELTEXT_H
