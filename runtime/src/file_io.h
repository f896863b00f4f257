// Whole-file reads and atomic whole-file writes with errno in the message.
#ifndef DLC_RUNTIME_SRC_FILE_IO_H
#define DLC_RUNTIME_SRC_FILE_IO_H

#include "status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlc::rt {

/// Reads all of `path`; a file larger than `maxBytes` is DLC_INVALID_FILE.
Status readFile(const std::string &path, uint64_t maxBytes, std::vector<uint8_t> *out);

struct ByteSpan {
  const void *data;
  size_t size;
};

/// Writes the concatenation of `chunks` to `path` through PATH.tmp-<pid>,
/// fsync and rename: readers see the old file or the new one, never a part.
/// On failure the temporary file is removed and any old file is untouched.
Status writeFileAtomically(const std::string &path, const std::vector<ByteSpan> &chunks);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_FILE_IO_H
