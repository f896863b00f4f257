// A buffer of the executable resolved to memory: what commands read and write.
#ifndef DLC_RUNTIME_SRC_TENSOR_H
#define DLC_RUNTIME_SRC_TENSOR_H

#include "dtype_info.h"
#include "executable_generated.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dlc::rt {

inline constexpr int kMaxRank = 8;

using fb::dtypeName;
using fb::dtypeSize;

struct Shape {
  int rank = 0;
  std::array<int64_t, kMaxRank> dims{};

  int64_t operator[](int i) const { return dims[i]; }
  int64_t elements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i)
      n *= dims[i];
    return n;
  }
  bool operator==(const Shape &other) const {
    if (rank != other.rank)
      return false;
    for (int i = 0; i < rank; ++i)
      if (dims[i] != other.dims[i])
        return false;
    return true;
  }
  bool operator!=(const Shape &other) const { return !(*this == other); }
};

/// `tensor<128x10xf32>`-style text for messages.
std::string describe(fb::DType dtype, const Shape &shape);

/// "512 bytes", "97.7 KiB", "1.2 MiB", "79.6 GiB".
std::string bytesText(size_t bytes);

struct Tensor {
  void *data = nullptr;
  fb::DType dtype = fb::DType::F32;
  Shape shape;
  std::string_view name;

  int64_t elements() const { return shape.elements(); }
  size_t bytes() const { return static_cast<size_t>(elements()) * dtypeSize(dtype); }
  template <typename T> T *as() const { return static_cast<T *>(data); }
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_TENSOR_H
