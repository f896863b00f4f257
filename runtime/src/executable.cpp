#include "executable.h"

#include "device.h"
#include "file_io.h"
#include "verify.h"

#include <flatbuffers/flatbuffers.h>

#include <cstring>

namespace dlc::rt {

Status Executable::loadFile(const std::string &path, std::shared_ptr<const Executable> *out) {
  std::vector<uint8_t> bytes;
  DLC_RETURN_IF_ERROR(readFile(path, FLATBUFFERS_MAX_BUFFER_SIZE - 1, &bytes));
  return loadMemory(bytes.data(), bytes.size(), path, out);
}

Status Executable::loadMemory(const void *data, size_t size, const std::string &name,
                              std::shared_ptr<const Executable> *out) {
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return error(DLC_INVALID_FILE, "{}: {} bytes exceed the FlatBuffers limit of 2 GiB", name,
                 size);
  std::shared_ptr<Executable> exe(new Executable());
  exe->fileName_ = name;
  exe->size_ = size;
  exe->storage_.reset(new uint64_t[(size + 7) / 8 + 1]);
  if (size > 0)
    std::memcpy(exe->storage_.get(), data, size);
  const auto *bytes = reinterpret_cast<const uint8_t *>(exe->storage_.get());
  DLC_RETURN_IF_ERROR(verifyExecutable(bytes, size, name, &exe->shapes_));
  exe->root_ = fb::GetExecutable(bytes);

  for (uint32_t i = 0; i < exe->bufferCount(); ++i) {
    const fb::Buffer &b = exe->buffer(i);
    if (b.region() != fb::Region::Persistent)
      continue;
    exe->parameterByName_.emplace(b.name()->string_view(), exe->parameters_.size());
    exe->parameters_.push_back(i);
  }
  *out = std::move(exe);
  return okStatus();
}

const char *Executable::modelName() const { return root_->model() ? root_->model()->c_str() : ""; }
const char *Executable::dataset() const {
  return root_->dataset() ? root_->dataset()->c_str() : "";
}

BufferInfo Executable::bufferInfo(uint32_t index) const {
  const fb::Buffer &b = buffer(index);
  return {b.name()->c_str(), b.dtype(), shapes_[index], static_cast<size_t>(b.size())};
}

size_t Executable::entryPointCount() const {
  return root_->entry_points() ? root_->entry_points()->size() : 0;
}

const fb::EntryPoint &Executable::entryPoint(size_t index) const {
  return *root_->entry_points()->Get(static_cast<flatbuffers::uoffset_t>(index));
}

Status Executable::findEntryPoint(std::string_view name, size_t *index) const {
  std::string available;
  for (size_t i = 0; i < entryPointCount(); ++i) {
    if (entryPoint(i).name()->string_view() == name) {
      *index = i;
      return okStatus();
    }
    available += (i ? ", " : "") + printable(entryPoint(i).name()->string_view());
  }
  return error(DLC_NOT_FOUND, "{}: no entry point '{}'; it has: {}", fileName_, printable(name),
               available.empty() ? "none" : available);
}

size_t Executable::inputCount(size_t entry) const {
  const auto *inputs = entryPoint(entry).inputs();
  return inputs ? inputs->size() : 0;
}

size_t Executable::outputCount(size_t entry) const {
  const auto *outputs = entryPoint(entry).outputs();
  return outputs ? outputs->size() : 0;
}

uint32_t Executable::inputBuffer(size_t entry, size_t position) const {
  return entryPoint(entry).inputs()->Get(static_cast<flatbuffers::uoffset_t>(position));
}

uint32_t Executable::outputBuffer(size_t entry, size_t position) const {
  return entryPoint(entry).outputs()->Get(static_cast<flatbuffers::uoffset_t>(position));
}

Status Executable::findSignature(size_t entry, std::string_view name, bool inputs,
                                 size_t *position) const {
  const size_t n = inputs ? inputCount(entry) : outputCount(entry);
  std::string available;
  for (size_t k = 0; k < n; ++k) {
    const fb::Buffer &b = buffer(inputs ? inputBuffer(entry, k) : outputBuffer(entry, k));
    if (b.name()->string_view() == name) {
      *position = k;
      return okStatus();
    }
    available += (k ? ", " : "") + printable(b.name()->string_view());
  }
  return error(DLC_NOT_FOUND, "'{}' has no {} '{}'; its {}s are: {}", entryPointName(entry),
               inputs ? "input" : "output", printable(name), inputs ? "input" : "output",
               available.empty() ? "none" : available);
}

Status Executable::findInput(size_t entry, std::string_view name, size_t *position) const {
  return findSignature(entry, name, true, position);
}

Status Executable::findOutput(size_t entry, std::string_view name, size_t *position) const {
  return findSignature(entry, name, false, position);
}

Status Executable::findParameter(std::string_view name, size_t *position) const {
  auto it = parameterByName_.find(name);
  if (it == parameterByName_.end())
    return error(DLC_NOT_FOUND, "model '{}' has no parameter '{}'", modelName(), printable(name));
  *position = it->second;
  return okStatus();
}

uint64_t Executable::arenaSize() const {
  uint64_t size = 0;
  for (size_t i = 0; i < entryPointCount(); ++i)
    size = std::max<uint64_t>(size, entryPoint(i).arena_size());
  return size;
}

const char *opName(fb::Op op) {
  switch (op) {
  case fb::Op::NONE:
    break;
  case fb::Op::Matmul:
    return "matmul";
  case fb::Op::Conv2D:
    return "conv2d";
  case fb::Op::Pool2D:
    return "pool2d";
  case fb::Op::Reduce:
    return "reduce";
  case fb::Op::Argmax:
    return "argmax";
  case fb::Op::Transpose:
    return "transpose";
  case fb::Op::Concat:
    return "concat";
  case fb::Op::Slice:
    return "slice";
  case fb::Op::Pad:
    return "pad";
  case fb::Op::Softmax:
    return "softmax";
  case fb::Op::BatchNorm:
    return "batch_norm";
  case fb::Op::LayerNorm:
    return "layer_norm";
  case fb::Op::Embedding:
    return "embedding";
  case fb::Op::Dropout:
    return "dropout";
  case fb::Op::SoftmaxCrossEntropy:
    return "softmax_cross_entropy";
  case fb::Op::MseLoss:
    return "mse_loss";
  case fb::Op::Accuracy:
    return "accuracy";
  case fb::Op::Copy:
    return "copy";
  case fb::Op::GpuLaunch:
    return "gpu_launch";
  case fb::Op::Launch:
    return "launch";
  case fb::Op::Conv2DBackwardData:
    return "conv2d_backward_data";
  case fb::Op::Conv2DBackwardFilter:
    return "conv2d_backward_filter";
  case fb::Op::Pool2DBackward:
    return "pool2d_backward";
  case fb::Op::BatchNormBackward:
    return "batch_norm_backward";
  case fb::Op::LayerNormBackward:
    return "layer_norm_backward";
  case fb::Op::SoftmaxBackward:
    return "softmax_backward";
  }
  return "unknown op";
}

std::string describeCommand(const fb::Executable &executable, const fb::Command &command) {
  const char *name = opName(command.op_type());
  const auto *locations = executable.locations();
  const int32_t index = command.location();
  if (index < 0 || !locations || static_cast<uint32_t>(index) >= locations->size())
    return name;
  const fb::Location &location = *locations->Get(static_cast<flatbuffers::uoffset_t>(index));
  const std::string file = location.file() && location.file()->size()
                               ? printable(location.file()->string_view())
                               : "<unknown>";
  return fmt::format("{}:{}:{}: {}", file, location.line(), location.column(), name);
}

} // namespace dlc::rt
