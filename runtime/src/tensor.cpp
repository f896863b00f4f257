#include "tensor.h"

#include <fmt/format.h>

namespace dlc::rt {

size_t dtypeSize(fb::DType dtype) {
  switch (dtype) {
  case fb::DType::F64:
  case fb::DType::I64:
    return 8;
  case fb::DType::F32:
  case fb::DType::I32:
    return 4;
  case fb::DType::F16:
  case fb::DType::BF16:
    return 2;
  case fb::DType::U8:
  case fb::DType::I1:
    return 1;
  }
  return 0;
}

const char *dtypeName(fb::DType dtype) {
  switch (dtype) {
  case fb::DType::F32:
    return "f32";
  case fb::DType::F64:
    return "f64";
  case fb::DType::F16:
    return "f16";
  case fb::DType::BF16:
    return "bf16";
  case fb::DType::I64:
    return "i64";
  case fb::DType::I32:
    return "i32";
  case fb::DType::U8:
    return "ui8";
  case fb::DType::I1:
    return "i1";
  }
  return "?";
}

std::string describe(fb::DType dtype, const Shape &shape) {
  std::string text = "tensor<";
  for (int i = 0; i < shape.rank; ++i)
    text += fmt::format("{}x", shape.dims[i]);
  return text + dtypeName(dtype) + ">";
}

} // namespace dlc::rt
