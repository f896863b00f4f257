// Facts about the schema's element types that the compiler and the runtime
// both need, kept beside the schema so neither has its own copy.
#ifndef DLC_RUNTIME_SCHEMA_DTYPE_INFO_H
#define DLC_RUNTIME_SCHEMA_DTYPE_INFO_H

#include "executable_generated.h"

#include <cstddef>

namespace dlc::fb {

/// Bytes per element (i1 is stored as one byte, 0 or 1); 0 for an unknown value.
inline size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::U8:
  case DType::I1:
    return 1;
  }
  return 0;
}

/// The element type as a model writes it: "f32", "ui8", ...; "?" if unknown.
inline const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I64:
    return "i64";
  case DType::I32:
    return "i32";
  case DType::U8:
    return "ui8";
  case DType::I1:
    return "i1";
  }
  return "?";
}

} // namespace dlc::fb

#endif // DLC_RUNTIME_SCHEMA_DTYPE_INFO_H
