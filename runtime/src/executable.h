// A loaded, verified .fb file: the bytes (owned, 8-byte aligned), the
// FlatBuffers root over them, and lookups by name for the C API and the
// session. Nothing is readable before verifyExecutable has accepted it.
#ifndef DLC_RUNTIME_SRC_EXECUTABLE_H
#define DLC_RUNTIME_SRC_EXECUTABLE_H

#include "status.h"
#include "tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dlc::rt {

/// A buffer as the API shows it: name, dtype, shape and size in bytes.
struct BufferInfo {
  const char *name = ""; // NUL-terminated, valid while the executable lives
  fb::DType dtype = fb::DType::F32;
  Shape shape;
  size_t bytes = 0;
};

class Executable {
public:
  /// Reads and verifies `path`.
  static Status loadFile(const std::string &path, std::shared_ptr<const Executable> *out);
  /// Copies and verifies `size` bytes; `name` stands for the file in messages.
  static Status loadMemory(const void *data, size_t size, const std::string &name,
                           std::shared_ptr<const Executable> *out);

  const fb::Executable &root() const { return *root_; }
  /// The file's path (or the name given to loadMemory), for messages.
  const std::string &fileName() const { return fileName_; }
  const char *modelName() const;
  /// The model's default training data ("fashion_mnist", "random"), or "".
  const char *dataset() const;

  size_t bufferCount() const { return shapes_.size(); }
  const fb::Buffer &buffer(uint32_t index) const { return *root_->buffers()->Get(index); }
  BufferInfo bufferInfo(uint32_t index) const;

  size_t entryPointCount() const;
  const fb::EntryPoint &entryPoint(size_t index) const;
  const char *entryPointName(size_t index) const { return entryPoint(index).name()->c_str(); }
  /// DLC_NOT_FOUND naming the entry points there are when `name` is not one.
  Status findEntryPoint(std::string_view name, size_t *index) const;
  size_t inputCount(size_t entry) const;
  size_t outputCount(size_t entry) const;
  /// Buffer index of an entry point's input or output, by position.
  uint32_t inputBuffer(size_t entry, size_t position) const;
  uint32_t outputBuffer(size_t entry, size_t position) const;
  Status findInput(size_t entry, std::string_view name, size_t *position) const;
  Status findOutput(size_t entry, std::string_view name, size_t *position) const;

  /// Persistent buffers (parameters, state, optimizer state) in file order:
  /// what the API calls parameters.
  const std::vector<uint32_t> &parameters() const { return parameters_; }
  Status findParameter(std::string_view name, size_t *position) const;

  uint64_t persistentSize() const { return root_->persistent_size(); }
  uint64_t constantsSize() const { return root_->constants() ? root_->constants()->size() : 0; }
  /// The largest arena of any entry point: entry points share one arena.
  uint64_t arenaSize() const;

private:
  Executable() = default;
  Status findSignature(size_t entry, std::string_view name, bool inputs, size_t *position) const;

  std::unique_ptr<uint64_t[]> storage_; // the file's bytes, 8-byte aligned
  size_t size_ = 0;
  std::string fileName_;
  const fb::Executable *root_ = nullptr;
  std::vector<Shape> shapes_;
  std::vector<uint32_t> parameters_;
  std::unordered_map<std::string_view, size_t> parameterByName_;
};

/// The op's name as the model writes it: "matmul", "conv2d", "batch_norm".
const char *opName(fb::Op op);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_EXECUTABLE_H
