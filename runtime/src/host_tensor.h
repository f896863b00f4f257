// A tensor read from (or written to) a data file: dtype, shape and the raw
// little-endian bytes in row-major order, in ordinary host memory.
#ifndef DLC_RUNTIME_SRC_HOST_TENSOR_H
#define DLC_RUNTIME_SRC_HOST_TENSOR_H

#include "tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlc::rt {

struct HostTensor {
  fb::DType dtype = fb::DType::F32;
  Shape shape;
  std::vector<uint8_t> bytes;
};

struct NamedHostTensor {
  std::string name;
  HostTensor tensor;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_HOST_TENSOR_H
