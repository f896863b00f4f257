// Choosing a device by name, and what every device shares.
#include "session.h"
#include "verify.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dlc::rt {

void MemoryCounter::added(const void *memory, size_t bytes) {
  sizes_[memory] = bytes;
  live_ += bytes;
  peak_ = std::max(peak_, live_);
}

void MemoryCounter::removed(const void *memory) {
  auto it = sizes_.find(memory);
  if (it == sizes_.end())
    return;
  live_ -= it->second;
  sizes_.erase(it);
}

void printProfile(const char *title, uint64_t runs, const std::vector<CommandTime> &commands) {
  if (runs == 0)
    return;
  double total = 0;
  for (const CommandTime &command : commands)
    total += command.milliseconds;
  std::fprintf(stderr, "%s: %zu commands, %llu runs, %.3f ms per run\n", title, commands.size(),
               static_cast<unsigned long long>(runs), total / static_cast<double>(runs));
  for (const CommandTime &command : commands)
    std::fprintf(
        stderr, "  %9.3f ms %5.1f%%  %s\n", command.milliseconds / static_cast<double>(runs),
        total > 0 ? 100 * command.milliseconds / total : 0.0, command.description->c_str());
}

Status Device::upload(void *device, const void *host, size_t bytes) {
  if (bytes > 0)
    std::memcpy(device, host, bytes);
  return okStatus();
}

Status Device::download(void *host, const void *device, size_t bytes) {
  if (bytes > 0)
    std::memcpy(host, device, bytes);
  return okStatus();
}

namespace {

/// "cuda" is GPU 0; "cuda:N" is GPU N.
bool parseCudaName(std::string_view name, int *ordinal) {
  if (name == "cuda") {
    *ordinal = 0;
    return true;
  }
  if (name.substr(0, 5) != "cuda:" || name.size() == 5 || name.size() > 9)
    return false;
  int value = 0;
  for (char c : name.substr(5)) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  *ordinal = value;
  return true;
}

} // namespace

Status createDevice(std::string_view name, const DeviceOptions &options,
                    std::unique_ptr<Device> *out) {
  if (options.threads < 0)
    return error(DLC_INVALID_ARGUMENT, "thread count {} is negative", options.threads);
  if (name.substr(0, kCudaEmulationPrefix.size()) == kCudaEmulationPrefix)
    return createCudaEmulation(options.threads,
                               std::string(name.substr(kCudaEmulationPrefix.size())), out);
  CudaOptions cuda;
  if (parseCudaName(name, &cuda.ordinal)) {
    cuda.tf32 = options.tf32;
    return createCudaDevice(cuda, out);
  }
  if (name != "cpu")
    return error(DLC_UNAVAILABLE,
                 "unknown device '{}'; available: auto, cpu, cuda, cuda:N, {}KERNELS.so",
                 printable(name), kCudaEmulationPrefix);
  std::unique_ptr<Device> device = createCpuDevice(options.threads);
  if (!device)
    return error(DLC_UNAVAILABLE, "the cpu device could not be created");
  *out = std::move(device);
  return okStatus();
}

namespace {

bool builtFor(const Executable &executable, std::string_view target) {
  const auto *targets = executable.root().targets();
  if (!targets || targets->size() == 0)
    return true;
  for (const flatbuffers::String *t : *targets)
    if (t->string_view() == target)
      return true;
  return false;
}

} // namespace

Status checkBuiltFor(const Executable &executable, std::string_view device) {
  int ordinal = 0;
  if (device.substr(0, kCudaEmulationPrefix.size()) == kCudaEmulationPrefix ||
      parseCudaName(device, &ordinal))
    device = "cuda";
  if (builtFor(executable, device))
    return okStatus();
  std::string list;
  for (const flatbuffers::String *target : *executable.root().targets())
    list += (list.empty() ? "" : ", ") + printable(target->string_view());
  std::string hint =
      device == "cuda" ? " (compile it with --target all or --target cuda for the GPU)" : "";
  return error(DLC_UNAVAILABLE, "{} was built for {}, not for the {} device{}",
               executable.fileName(), list, printable(device), hint);
}

Status openDevice(std::string_view name, const DeviceOptions &options, const Executable &executable,
                  std::unique_ptr<Device> *out, std::string *note) {
  note->clear();
  if (name != "auto") {
    DLC_RETURN_IF_ERROR(createDevice(name, options, out));
    DLC_RETURN_IF_ERROR(checkBuiltFor(executable, name));
    return (*out)->supports(executable.root());
  }
  // auto: the GPU when there is one and the file has code for it.
  if (!builtFor(executable, "cuda")) {
    *note = fmt::format("running on the CPU: {} has no CUDA target (compiled with --target cpu)",
                        executable.fileName());
  } else {
    Status cuda = createDevice("cuda", options, out);
    if (cuda.ok())
      cuda = (*out)->supports(executable.root());
    if (cuda.ok())
      return okStatus();
    out->reset();
    *note = "running on the CPU: " + cuda.message();
    if (!builtFor(executable, "cpu"))
      return error(DLC_UNAVAILABLE, "{} was built for cuda only, and the GPU cannot be used: {}",
                   executable.fileName(), cuda.message());
  }
  return createDevice("cpu", options, out);
}

} // namespace dlc::rt
