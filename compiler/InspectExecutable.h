// `dlc inspect`: a readable summary of a compiled .fb file.
#ifndef DLC_COMPILER_INSPECTEXECUTABLE_H
#define DLC_COMPILER_INSPECTEXECUTABLE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <vector>

namespace dlc {

/// Prints the summary of `bytes` (named `path` in messages). Returns false,
/// after printing an error to `errors`, when the bytes are not a structurally
/// valid executable; never reads out of bounds.
bool inspectExecutable(llvm::StringRef path, const std::vector<uint8_t> &bytes,
                       llvm::raw_ostream &os, llvm::raw_ostream &errors);

} // namespace dlc

#endif // DLC_COMPILER_INSPECTEXECUTABLE_H
