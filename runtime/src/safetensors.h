// safetensors files (huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
//    "__metadata__": {"key": "value"}}
// and the tensors' bytes, offsets relative to the end of the header.
#ifndef DLC_RUNTIME_SRC_SAFETENSORS_H
#define DLC_RUNTIME_SRC_SAFETENSORS_H

#include "status.h"
#include "tensor.h"

#include <map>
#include <string>
#include <vector>

namespace dlc::rt {

/// A tensor to write: its bytes stay the caller's.
struct SafetensorsTensor {
  std::string name;
  fb::DType dtype = fb::DType::F32;
  Shape shape;
  const void *data = nullptr;
};

/// Writes `tensors` in order, atomically (see writeFileAtomically).
Status writeSafetensors(const std::string &path, const std::vector<SafetensorsTensor> &tensors,
                        const std::map<std::string, std::string> &metadata);

/// A read file: every tensor checked (dtype, shape, offsets in range and
/// not overlapping, size matching the shape); data points into `bytes`.
struct SafetensorsFile {
  std::vector<uint8_t> bytes;
  std::vector<SafetensorsTensor> tensors;
  std::map<std::string, std::string> metadata;
};

Status readSafetensors(const std::string &path, SafetensorsFile *out);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_SAFETENSORS_H
