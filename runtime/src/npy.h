// NumPy .npy files (format versions 1.0, 2.0 and 3.0) and .npz archives of
// them. Little-endian, C order; the dtypes dlc has: <f4 <f8 <f2 <i8 <i4
// |u1 (or <u1) and |b1 (i1). bf16 has no NumPy dtype.
#ifndef DLC_RUNTIME_SRC_NPY_H
#define DLC_RUNTIME_SRC_NPY_H

#include "host_tensor.h"
#include "status.h"

namespace dlc::rt {

/// Parses the bytes of a .npy file; `name` stands for it in messages.
Status parseNpy(const uint8_t *data, size_t size, const std::string &name, HostTensor *out);
Status readNpy(const std::string &path, HostTensor *out);

/// The bytes of a version 1.0 .npy file holding `tensor`.
Status encodeNpy(const HostTensor &tensor, std::vector<uint8_t> *out);
/// Writes `tensor` as a .npy file (atomically).
Status writeNpy(const std::string &path, const HostTensor &tensor);

/// Reads every array of a .npz archive (stored or deflated entries), named
/// as NumPy names them: the entry's file name without ".npy".
Status readNpz(const std::string &path, std::vector<NamedHostTensor> *out);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_NPY_H
