#include "tensor.h"

#include <fmt/format.h>

namespace dlc::rt {

std::string describe(fb::DType dtype, const Shape &shape) {
  std::string text = "tensor<";
  for (int i = 0; i < shape.rank; ++i)
    text += fmt::format("{}x", shape.dims[i]);
  return text + dtypeName(dtype) + ">";
}

} // namespace dlc::rt
