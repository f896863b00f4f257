#include "tensor.h"

#include <fmt/format.h>

namespace dlc::rt {

std::string describe(fb::DType dtype, const Shape &shape) {
  std::string text = "tensor<";
  for (int i = 0; i < shape.rank; ++i)
    text += fmt::format("{}x", shape.dims[i]);
  return text + dtypeName(dtype) + ">";
}

std::string bytesText(size_t bytes) {
  if (bytes < 1024)
    return fmt::format("{} bytes", bytes);
  const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

} // namespace dlc::rt
