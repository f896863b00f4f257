// A session: one executable's memory on one device, the prepared entry
// points, and the caller's view of them (inputs, outputs, parameters).
//
// Memory: one persistent region (parameters, state, optimizer state), one
// arena as large as the largest entry point's, shared by all entry points,
// and a copy of the constants. Because entry points share the arena, using
// one (setting an input or running it) overwrites the inputs and outputs of
// the entry point that used it before; the session tracks this and reports
// an input that must be set again or outputs that are gone, rather than
// reading stale bytes. A run consumes its inputs (the memory plan reuses an
// input's bytes after its last reader), so each run needs them set again.
#ifndef DLC_RUNTIME_SRC_SESSION_H
#define DLC_RUNTIME_SRC_SESSION_H

#include "device.h"
#include "executable.h"

#include <map>
#include <memory>
#include <string_view>
#include <vector>

namespace dlc::rt {

/// The device name that runs a file's CUDA form on the CPU with the host
/// build of its kernels: "cuda-emulated:KERNELS.so" (a testing aid).
inline constexpr std::string_view kCudaEmulationPrefix = "cuda-emulated:";

/// What picks and sets up a device besides its name.
struct DeviceOptions {
  int threads = 0;   // CPU threads (0: one per core)
  bool tf32 = false; // CUDA: --precision tf32
};

/// The device called `name`: "cpu", "cuda" or "cuda:N", or
/// kCudaEmulationPrefix and a library; DLC_UNAVAILABLE listing the devices
/// there are otherwise, or saying in one sentence why CUDA cannot be used.
Status createDevice(std::string_view name, const DeviceOptions &options,
                    std::unique_ptr<Device> *out);
inline Status createDevice(std::string_view name, int numThreads, std::unique_ptr<Device> *out) {
  DeviceOptions options;
  options.threads = numThreads;
  return createDevice(name, options, out);
}

/// DLC_UNAVAILABLE unless `executable` lists the target `device` runs
/// ("cpu"; "cuda" for cuda, cuda:N and the CUDA emulation) among its
/// targets; a file without targets runs anywhere.
Status checkBuiltFor(const Executable &executable, std::string_view device);

/// The device for running `executable` called `name` ("auto" included:
/// the GPU when it can be used and the file has a CUDA target, else the
/// CPU, with `*note` saying in one sentence why not the GPU).
Status openDevice(std::string_view name, const DeviceOptions &options, const Executable &executable,
                  std::unique_ptr<Device> *out, std::string *note);

class Session {
public:
  /// Allocates the session's memory on `device` and initializes every
  /// persistent buffer (random initializers use their seed + `seedOffset`).
  static Status create(std::shared_ptr<const Executable> executable, std::unique_ptr<Device> device,
                       uint64_t seedOffset, std::unique_ptr<Session> *out);
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  const Executable &executable() const { return *executable_; }
  const std::shared_ptr<const Executable> &sharedExecutable() const { return executable_; }
  Device &device() { return *device_; }

  /// Copies an input in; dtype, shape and size must match the declaration.
  Status setInput(std::string_view entry, std::string_view name, fb::DType dtype,
                  const Shape &shape, const void *data, size_t bytes);
  /// Runs an entry point (preparing it on first use); every input must be set.
  Status run(std::string_view entry);
  /// Copies an output of the entry point's last run out.
  Status getOutput(std::string_view entry, std::string_view name, void *data, size_t bytes);
  /// Like getOutput, but `data` may be filled as late as the next
  /// synchronize() (or any call that reads): a loop reads each step's loss
  /// without waiting for the step. `data` must stay valid until then.
  Status fetchOutput(std::string_view entry, std::string_view name, void *data, size_t bytes);
  /// Waits for the work queued on the device; reports its errors.
  Status synchronize();

  Status getParameter(std::string_view name, void *data, size_t bytes) const;
  Status setParameter(std::string_view name, const void *data, size_t bytes);
  /// Every persistent buffer as one safetensors file, written atomically.
  Status saveParameters(const std::string &path) const;
  /// Loads a safetensors file written by saveParameters (or by anything
  /// else using the same names): every Parameter and State buffer must be
  /// in it; optimizer state is loaded when present and kept otherwise.
  /// Nothing changes unless the whole file checks out.
  Status loadParameters(const std::string &path);
  /// String metadata written into the header of every later save; a load
  /// replaces it with the file's (the model name excepted). An empty value
  /// removes the key.
  void setMetadata(const std::string &key, const std::string &value);
  /// The value of `key`, or nullptr.
  const char *metadata(const std::string &key) const;

  /// Where buffer `index` lives, in the device's memory (see
  /// Device::download).
  const Tensor &tensor(uint32_t index) const { return tensors_[index]; }
  /// The prepared program of entry point `e` (prepared now if need be).
  Status program(size_t e, Program **out) {
    DLC_RETURN_IF_ERROR(prepare(e));
    *out = entries_[e].program.get();
    return okStatus();
  }

private:
  struct EntryState {
    std::unique_ptr<Program> program; // prepared on the first run
    std::vector<bool> inputSet;
    bool outputsValid = false;
    int overwrittenBy = -1; // the entry point whose use of the arena overwrote this one's
    uint64_t runs = 0;
  };

  std::map<std::string, std::string> metadata_;

  Session() = default;
  Status allocateRegions();
  Status initializeParameters(uint64_t seedOffset);
  Status prepare(size_t e);
  Status readOutput(std::string_view entry, std::string_view name, void *data, size_t bytes,
                    bool later);
  /// Makes `entry` the arena's user, invalidating the previous user's data.
  void claimArena(size_t entry);
  Status checkParameterSize(std::string_view name, size_t bytes, uint32_t *buffer) const;

  std::shared_ptr<const Executable> executable_;
  std::unique_ptr<Device> device_;
  void *persistent_ = nullptr;
  void *arena_ = nullptr;
  void *constants_ = nullptr;
  std::vector<Tensor> tensors_;
  std::vector<EntryState> entries_;
  int arenaUser_ = -1;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_SESSION_H
