// NumPy broadcasting as the backends' batched matmuls see it: dims padded
// to a common rank, strides that stretch a dim of size 1, and each batch's
// element offset into an operand.
#ifndef DLC_RUNTIME_SRC_BROADCAST_H
#define DLC_RUNTIME_SRC_BROADCAST_H

#include "tensor.h"

#include <vector>

namespace dlc::rt {

using Dims = std::vector<int64_t>;

/// The dims of `shape` right-aligned to `rank` with leading 1s.
inline Dims padDims(const Shape &shape, int rank) {
  Dims dims(rank, 1);
  for (int i = 0; i < shape.rank; ++i)
    dims[rank - shape.rank + i] = shape[i];
  return dims;
}

/// Row-major element strides of `dims`.
inline Dims denseStrides(const Dims &dims) {
  Dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * dims[i + 1];
  return strides;
}

/// Element strides that read `dims` broadcast to `target` (0 where a dim of
/// size 1 stretches).
inline Dims broadcastStrides(const Dims &dims, const Dims &target) {
  Dims strides = denseStrides(dims);
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] == 1 && target[i] != 1)
      strides[i] = 0;
  return strides;
}

/// The element offset into an operand with `dims` (c's rank, broadcasting)
/// of each batch of c, c's leading dims but the last two taken row-major.
inline std::vector<int64_t> batchOffsets(const Dims &dims, const Dims &c) {
  Dims strides = broadcastStrides(dims, c);
  int batchRank = static_cast<int>(c.size()) - 2;
  int64_t batches = 1;
  for (int i = 0; i < batchRank; ++i)
    batches *= c[i];
  std::vector<int64_t> offsets(batches, 0);
  for (int64_t batch = 0; batch < batches; ++batch)
    for (int64_t i = batchRank - 1, rest = batch; i >= 0; --i) {
      offsets[batch] += rest % c[i] * strides[i];
      rest /= c[i];
    }
  return offsets;
}

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_BROADCAST_H
