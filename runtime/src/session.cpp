#include "session.h"

#include "safetensors.h"
#include "verify.h"

#include <cstring>
#include <unordered_set>

namespace dlc::rt {

Status Session::create(std::shared_ptr<const Executable> executable, std::unique_ptr<Device> device,
                       uint64_t seedOffset, std::unique_ptr<Session> *out) {
  std::unique_ptr<Session> session(new Session());
  session->executable_ = std::move(executable);
  session->device_ = std::move(device);
  session->entries_.resize(session->executable_->entryPointCount());
  for (size_t e = 0; e < session->entries_.size(); ++e)
    session->entries_[e].inputSet.assign(session->executable_->inputCount(e), false);
  DLC_RETURN_IF_ERROR(session->allocateRegions());
  DLC_RETURN_IF_ERROR(session->initializeParameters(seedOffset));
  *out = std::move(session);
  return okStatus();
}

Session::~Session() {
  for (EntryState &entry : entries_)
    entry.program.reset();
  for (void *region : {persistent_, arena_, constants_})
    if (region)
      device_->release(region);
}

Status Session::allocateRegions() {
  const Executable &exe = *executable_;
  struct Region {
    uint64_t size;
    void **base;
    const char *what;
  };
  for (const Region &region : {Region{exe.persistentSize(), &persistent_, "persistent region"},
                               Region{exe.arenaSize(), &arena_, "arena"},
                               Region{exe.constantsSize(), &constants_, "constants"}}) {
    if (region.size == 0)
      continue;
    Status status = device_->allocate(static_cast<size_t>(region.size), region.base);
    if (!status.ok())
      return status.withContext(fmt::format("{}: allocating the {} ({} bytes) on {}",
                                            exe.fileName(), region.what, region.size,
                                            device_->name()));
  }
  if (constants_)
    DLC_RETURN_IF_ERROR(
        device_->upload(constants_, exe.root().constants()->data(), exe.constantsSize()));

  tensors_.resize(exe.bufferCount());
  for (uint32_t i = 0; i < exe.bufferCount(); ++i) {
    const fb::Buffer &b = exe.buffer(i);
    void *base = b.region() == fb::Region::Persistent ? persistent_
                 : b.region() == fb::Region::Arena    ? arena_
                                                      : constants_;
    Tensor &t = tensors_[i];
    t.data = base ? static_cast<uint8_t *>(base) + b.offset() : nullptr;
    t.dtype = b.dtype();
    t.shape = exe.bufferInfo(i).shape;
    t.name = b.name()->string_view();
  }
  return okStatus();
}

Status Session::initializeParameters(uint64_t seedOffset) {
  const fb::Executable &root = executable_->root();
  if (!root.initializers() || !persistent_)
    return okStatus();
  // Filled on the host, then copied to the device in one piece: every device
  // starts from the same bytes.
  std::vector<uint8_t> host(executable_->persistentSize(), 0);
  for (const fb::Initializer *init : *root.initializers()) {
    Tensor tensor = tensors_[init->buffer()];
    tensor.data = host.data() + executable_->buffer(init->buffer()).offset();
    Status status = initialize(*init, tensor, seedOffset);
    if (!status.ok())
      return status.withContext(executable_->fileName());
  }
  return device_->upload(persistent_, host.data(), host.size());
}

Status Session::prepare(size_t e) {
  EntryState &state = entries_[e];
  if (state.program)
    return okStatus();
  const Executable &exe = *executable_;
  Status status = device_->prepare(exe.root(), exe.entryPoint(e), tensors_, &state.program);
  if (!status.ok())
    return status.withContext(fmt::format("{}: preparing '{}' on {}", exe.fileName(),
                                          exe.entryPointName(e), device_->name()));
  return okStatus();
}

void Session::claimArena(size_t entry) {
  if (executable_->entryPoint(entry).arena_size() == 0 || arenaUser_ == static_cast<int>(entry))
    return;
  if (arenaUser_ >= 0) {
    EntryState &previous = entries_[arenaUser_];
    previous.inputSet.assign(previous.inputSet.size(), false);
    previous.outputsValid = false;
    previous.overwrittenBy = static_cast<int>(entry);
  }
  arenaUser_ = static_cast<int>(entry);
}

Status Session::setInput(std::string_view entry, std::string_view name, fb::DType dtype,
                         const Shape &shape, const void *data, size_t bytes) {
  const Executable &exe = *executable_;
  size_t e = 0, k = 0;
  DLC_RETURN_IF_ERROR(exe.findEntryPoint(entry, &e));
  DLC_RETURN_IF_ERROR(exe.findInput(e, name, &k));
  const BufferInfo info = exe.bufferInfo(exe.inputBuffer(e, k));
  if (dtype != info.dtype || shape != info.shape)
    return error(DLC_INVALID_ARGUMENT, "input '{}' of '{}' is {}; got {}", info.name,
                 exe.entryPointName(e), describe(info.dtype, info.shape), describe(dtype, shape));
  if (bytes != info.bytes)
    return error(DLC_INVALID_ARGUMENT, "input '{}' of '{}' is {} bytes; got {}", info.name,
                 exe.entryPointName(e), info.bytes, bytes);
  if (!data && bytes > 0)
    return error(DLC_INVALID_ARGUMENT, "input '{}' of '{}': data is NULL", info.name,
                 exe.entryPointName(e));
  if (device_->stagesInputs())
    DLC_RETURN_IF_ERROR(prepare(e));
  claimArena(e);
  if (device_->stagesInputs())
    DLC_RETURN_IF_ERROR(entries_[e].program->stageInput(k, data, bytes));
  else if (bytes > 0)
    DLC_RETURN_IF_ERROR(device_->upload(tensors_[exe.inputBuffer(e, k)].data, data, bytes));
  entries_[e].inputSet[k] = true;
  return okStatus();
}

Status Session::run(std::string_view entry) {
  const Executable &exe = *executable_;
  size_t e = 0;
  DLC_RETURN_IF_ERROR(exe.findEntryPoint(entry, &e));
  EntryState &state = entries_[e];
  for (size_t k = 0; k < state.inputSet.size(); ++k) {
    if (state.inputSet[k])
      continue;
    const char *input = exe.bufferInfo(exe.inputBuffer(e, k)).name;
    if (state.overwrittenBy >= 0)
      return error(DLC_INVALID_ARGUMENT,
                   "input '{}' of '{}' was overwritten by '{}', which shares its memory; set it "
                   "again",
                   input, exe.entryPointName(e), exe.entryPointName(state.overwrittenBy));
    if (state.runs > 0)
      return error(DLC_INVALID_ARGUMENT,
                   "input '{}' of '{}' must be set again before each run: the run reuses its "
                   "memory once the input is consumed",
                   input, exe.entryPointName(e));
    return error(DLC_INVALID_ARGUMENT, "input '{}' of '{}' was never set", input,
                 exe.entryPointName(e));
  }
  DLC_RETURN_IF_ERROR(prepare(e));
  claimArena(e);
  state.outputsValid = false;
  // The memory plan may reuse an input's bytes after its last reader, so a
  // run consumes its inputs, whether it succeeds or not.
  state.inputSet.assign(state.inputSet.size(), false);
  ++state.runs;
  Status status = state.program->run();
  if (!status.ok())
    return status.withContext(
        fmt::format("{}: running '{}'", exe.fileName(), exe.entryPointName(e)));
  state.outputsValid = true;
  return okStatus();
}

Status Session::getOutput(std::string_view entry, std::string_view name, void *data, size_t bytes) {
  return readOutput(entry, name, data, bytes, false);
}

Status Session::fetchOutput(std::string_view entry, std::string_view name, void *data,
                            size_t bytes) {
  return readOutput(entry, name, data, bytes, true);
}

Status Session::synchronize() {
  Status status = device_->synchronize();
  return status.withContext(fmt::format("{} on {}", executable_->fileName(), device_->name()));
}

Status Session::readOutput(std::string_view entry, std::string_view name, void *data, size_t bytes,
                           bool later) {
  const Executable &exe = *executable_;
  size_t e = 0, k = 0;
  DLC_RETURN_IF_ERROR(exe.findEntryPoint(entry, &e));
  DLC_RETURN_IF_ERROR(exe.findOutput(e, name, &k));
  const BufferInfo info = exe.bufferInfo(exe.outputBuffer(e, k));
  if (bytes != info.bytes)
    return error(DLC_INVALID_ARGUMENT, "output '{}' of '{}' is {} ({} bytes); got {} bytes",
                 info.name, exe.entryPointName(e), describe(info.dtype, info.shape), info.bytes,
                 bytes);
  if (!data && bytes > 0)
    return error(DLC_INVALID_ARGUMENT, "output '{}' of '{}': data is NULL", info.name,
                 exe.entryPointName(e));
  const EntryState &state = entries_[e];
  if (!state.outputsValid) {
    if (state.overwrittenBy >= 0 && state.runs > 0)
      return error(DLC_INVALID_ARGUMENT,
                   "outputs of '{}' were overwritten by '{}', which shares its memory; run '{}' "
                   "again",
                   exe.entryPointName(e), exe.entryPointName(state.overwrittenBy),
                   exe.entryPointName(e));
    return error(DLC_INVALID_ARGUMENT, "'{}' has no outputs: it has not run successfully",
                 exe.entryPointName(e));
  }
  if (bytes == 0)
    return okStatus();
  const void *source = tensors_[exe.outputBuffer(e, k)].data;
  Status status =
      later ? device_->downloadLater(data, source, bytes) : device_->download(data, source, bytes);
  return status.withContext(fmt::format("{}: reading output '{}' of '{}'", exe.fileName(),
                                        info.name, exe.entryPointName(e)));
}

Status Session::checkParameterSize(std::string_view name, size_t bytes, uint32_t *buffer) const {
  size_t position = 0;
  DLC_RETURN_IF_ERROR(executable_->findParameter(name, &position));
  *buffer = executable_->parameters()[position];
  const BufferInfo info = executable_->bufferInfo(*buffer);
  if (bytes != info.bytes)
    return error(DLC_INVALID_ARGUMENT, "parameter '{}' is {} ({} bytes); got {} bytes", info.name,
                 describe(info.dtype, info.shape), info.bytes, bytes);
  return okStatus();
}

Status Session::getParameter(std::string_view name, void *data, size_t bytes) const {
  uint32_t buffer = 0;
  DLC_RETURN_IF_ERROR(checkParameterSize(name, bytes, &buffer));
  if (!data && bytes > 0)
    return error(DLC_INVALID_ARGUMENT, "parameter '{}': data is NULL", printable(name));
  if (bytes > 0)
    return device_->download(data, tensors_[buffer].data, bytes);
  return okStatus();
}

Status Session::setParameter(std::string_view name, const void *data, size_t bytes) {
  uint32_t buffer = 0;
  DLC_RETURN_IF_ERROR(checkParameterSize(name, bytes, &buffer));
  if (!data && bytes > 0)
    return error(DLC_INVALID_ARGUMENT, "parameter '{}': data is NULL", printable(name));
  if (bytes > 0)
    return device_->upload(tensors_[buffer].data, data, bytes);
  return okStatus();
}

Status Session::saveParameters(const std::string &path) const {
  // The persistent region as the host sees it, in one copy.
  std::vector<uint8_t> host(executable_->persistentSize());
  if (!host.empty())
    DLC_RETURN_IF_ERROR(device_->download(host.data(), persistent_, host.size()));
  std::vector<SafetensorsTensor> tensors;
  for (uint32_t buffer : executable_->parameters()) {
    const Tensor &t = tensors_[buffer];
    tensors.push_back({std::string(t.name), t.dtype, t.shape,
                       host.data() + executable_->buffer(buffer).offset()});
  }
  std::map<std::string, std::string> metadata = metadata_;
  metadata["model"] = executable_->modelName();
  return writeSafetensors(path, tensors, metadata);
}

Status Session::loadParameters(const std::string &path) {
  const Executable &exe = *executable_;
  SafetensorsFile file;
  DLC_RETURN_IF_ERROR(readSafetensors(path, &file));
  std::vector<uint32_t> targets(file.tensors.size());
  std::unordered_set<uint32_t> present;
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    const SafetensorsTensor &t = file.tensors[i];
    size_t position = 0;
    if (!exe.findParameter(t.name, &position).ok())
      return error(DLC_INVALID_ARGUMENT, "{}: tensor '{}' is not a parameter of model '{}'", path,
                   printable(t.name), exe.modelName());
    targets[i] = exe.parameters()[position];
    const BufferInfo info = exe.bufferInfo(targets[i]);
    if (t.dtype != info.dtype || t.shape != info.shape)
      return error(DLC_INVALID_ARGUMENT, "{}: parameter '{}' is {}; the file has {}", path,
                   info.name, describe(info.dtype, info.shape), describe(t.dtype, t.shape));
    present.insert(targets[i]);
  }
  for (uint32_t buffer : exe.parameters()) {
    const fb::Role role = exe.buffer(buffer).role();
    if (role != fb::Role::OptimizerState && !present.count(buffer))
      return error(DLC_INVALID_ARGUMENT, "{}: no tensor for parameter '{}' of model '{}'", path,
                   exe.bufferInfo(buffer).name, exe.modelName());
  }
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    const size_t bytes = tensors_[targets[i]].bytes();
    if (bytes > 0)
      DLC_RETURN_IF_ERROR(device_->upload(tensors_[targets[i]].data, file.tensors[i].data, bytes));
  }
  metadata_ = file.metadata;
  metadata_.erase("model");
  return okStatus();
}

void Session::setMetadata(const std::string &key, const std::string &value) {
  if (value.empty())
    metadata_.erase(key);
  else
    metadata_[key] = value;
}

const char *Session::metadata(const std::string &key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : it->second.c_str();
}

} // namespace dlc::rt
