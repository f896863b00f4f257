// MNIST IDX files (yann.lecun.com/exdb/mnist), plain or gzip-compressed:
// magic 0x0000TTNN (type TT, NN dimensions), NN big-endian uint32 sizes,
// then big-endian data. Types: 0x08 ubyte -> ui8, 0x0C int -> i32,
// 0x0D float -> f32, 0x0E double -> f64 (0x09 and 0x0B have no dlc dtype).
#ifndef DLC_RUNTIME_SRC_IDX_H
#define DLC_RUNTIME_SRC_IDX_H

#include "host_tensor.h"
#include "status.h"

namespace dlc::rt {

/// Reads `path`, decompressing it when it is gzip data; the values come back
/// little-endian.
Status readIdx(const std::string &path, HostTensor *out);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_IDX_H
