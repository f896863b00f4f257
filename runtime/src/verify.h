// The loader's checks: the FlatBuffers verifier, then every index, offset,
// size and enum value the rest of the runtime relies on, so that nothing
// after loading can read or write out of bounds.
#ifndef DLC_RUNTIME_SRC_VERIFY_H
#define DLC_RUNTIME_SRC_VERIFY_H

#include "status.h"
#include "tensor.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dlc::rt {

/// Region sizes (and so every buffer and element count) stay below 2^48
/// bytes, which keeps all offset and shape arithmetic far from overflow.
inline constexpr uint64_t kMaxRegionBytes = uint64_t(1) << 48;

/// Checks the bytes of an executable; `file` names it in messages. `data`
/// must be 8-byte aligned. On success `shapes` holds every buffer's shape.
Status verifyExecutable(const uint8_t *data, size_t size, const std::string &file,
                        std::vector<Shape> *shapes);

/// What the command checks (verify_commands.cpp) need from the file checks.
struct FileCheck {
  const fb::Executable &exe;
  const std::string &file;
  std::vector<Shape> shapes; // of every buffer, valid once the buffers are checked
  // Vector elements the checks may still visit. A file can point many tables
  // at one long vector; this bounds the work (and a backend's after it) to a
  // multiple of the file's size.
  mutable uint64_t budget = 0;

  /// Takes `elements` from the budget; DLC_INVALID_FILE once it is spent.
  Status spend(uint64_t elements) const;
};

/// Checks command `commandIndex` of entry point `entryIndex` (of its
/// `cuda_commands` if `cuda`, else of its `commands`): its op, every buffer
/// it names and the shapes that are cheap to check.
Status checkCommand(const FileCheck &check, uint32_t entryIndex, uint32_t commandIndex, bool cuda);

/// The CUDA target (verify_cuda.cpp): present exactly when the file lists
/// target "cuda", and every kernel's name, launch shape and parameters.
Status checkCudaTarget(const FileCheck &check);

bool isFloat(fb::DType dtype);

/// How many operands a kernel instruction takes.
int operandCount(fb::Opcode opcode);

/// Whether an enum value read from the file is one the schema defines.
template <typename E> bool validEnum(E value) {
  return static_cast<uint64_t>(value) <= static_cast<uint64_t>(E::MAX);
}

/// A name from the file as messages show it: bytes outside printable ASCII
/// (and quotes) as \xNN.
std::string printable(std::string_view text);

/// Whether a vector of 64-bit values is 8-byte aligned (or empty): the FlatBuffers
/// verifier checks only the alignment of a vector's length.
bool alignedVector(const flatbuffers::Vector<int64_t> *values);

/// A shape from the file: rank at most kMaxRank, dimensions >= 0, at most
/// kMaxRegionBytes elements. False with the reason in `why` otherwise.
bool readShape(const flatbuffers::Vector<int64_t> *dims, Shape *shape, std::string *why);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_VERIFY_H
