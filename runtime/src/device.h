// What a device (the CPU backend, later CUDA) provides to a session.
//
// A session resolves every buffer of the executable to memory once
// (`Tensor`s indexed like Executable.buffers), then asks the device to
// prepare each entry point into a Program: the per-command state (library
// primitives, kernel handles) is built there, so running allocates nothing.
#ifndef DLC_RUNTIME_SRC_DEVICE_H
#define DLC_RUNTIME_SRC_DEVICE_H

#include "status.h"
#include "tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace dlc::rt {

/// One entry point, ready to run on a device.
class Program {
public:
  virtual ~Program() = default;
  /// Runs every command in order. An error names the failing command's model
  /// location (see describeCommand). On a device that computes
  /// asynchronously (CUDA) this queues the work: its errors can surface at
  /// the next Device::synchronize.
  virtual Status run() = 0;

  /// The prepared commands, and command `i` run alone to completion: how
  /// `dlrun --check-device` compares devices command by command.
  virtual size_t commandCount() const = 0;
  virtual Status runCommand(size_t i) = 0;

  /// On a device whose stagesInputs() is true (CUDA: pinned host memory
  /// and a device buffer per input, copied on a second stream so that the
  /// copy of the next batch overlaps this run), input `k` is set here and
  /// the session never writes the input's buffer itself.
  virtual Status stageInput(size_t k, const void *data, size_t bytes) {
    return error(DLC_INTERNAL, "this device does not stage inputs");
  }
};

class Device {
public:
  virtual ~Device() = default;
  virtual std::string name() const = 0;
  /// The target of an executable this device runs ("cpu", "cuda").
  virtual std::string target() const = 0;

  /// Whether inputs go through Program::stageInput (so the entry point is
  /// prepared when its first input is set).
  virtual bool stagesInputs() const { return false; }

  /// OK when the device can run `executable`'s form for it; otherwise says
  /// why (the GPU is older than the file's kernels, a library is missing).
  virtual Status supports(const fb::Executable &executable) { return okStatus(); }

  /// Memory the device computes on, 64-byte aligned, zero-filled.
  virtual Status allocate(size_t bytes, void **out) = 0;
  virtual void release(void *memory) = 0;
  /// The most bytes allocate() has held at once. On a GPU that includes the
  /// programs' library workspaces and input staging; on the CPU it is the
  /// session's regions (the libraries' scratch memory is not counted).
  virtual size_t peakMemoryBytes() const = 0;

  /// Copies between the host and memory from allocate(). The CPU's memory is
  /// the host's; a GPU's is not, and only these reach it. upload and
  /// download are complete when they return (download waits for the work
  /// queued before it).
  virtual Status upload(void *device, const void *host, size_t bytes);
  virtual Status download(void *host, const void *device, size_t bytes);
  /// Like download, but `host` may be filled as late as the next
  /// synchronize(): a training loop reads each step's loss this way without
  /// waiting for the step.
  virtual Status downloadLater(void *host, const void *device, size_t bytes) {
    return download(host, device, bytes);
  }
  /// Waits for all queued work; reports an error that happened in it.
  virtual Status synchronize() { return okStatus(); }

  /// Builds the program of `entry`. `buffers[i]` is where buffer i lives;
  /// buffers not used by `entry` may have null data.
  virtual Status prepare(const fb::Executable &executable, const fb::EntryPoint &entry,
                         const std::vector<Tensor> &buffers, std::unique_ptr<Program> *out) = 0;
};

/// The bytes a device holds, by allocation, and the most it has held at
/// once (Device::peakMemoryBytes).
class MemoryCounter {
public:
  void added(const void *memory, size_t bytes);
  void removed(const void *memory); // one added() counted, else nothing
  size_t peak() const { return peak_; }

private:
  std::unordered_map<const void *, size_t> sizes_;
  size_t live_ = 0, peak_ = 0;
};

/// One command's share of a DLC_PROFILE report.
struct CommandTime {
  double milliseconds; // in all runs together
  const std::string *description;
};

/// A program's DLC_PROFILE report on stderr: "TITLE: N commands, R runs,
/// T ms per run", then each command's mean time and share of the run.
void printProfile(const char *title, uint64_t runs, const std::vector<CommandTime> &commands);

std::unique_ptr<Device> createCpuDevice(int numThreads);

/// The instruction set the CPU backend's loops run in this process
/// ("avx512", "avx2" or "baseline"; see VectorIsa in cpu/cpu_commands.h).
const char *cpuVectorIsa();

/// How a session computes on a GPU.
struct CudaOptions {
  int ordinal = 0;   // cuda:N
  bool tf32 = false; // let cuBLASLt and cuDNN round f32 products to TF32
};

/// The CUDA device (runtime/cuda/): DLC_UNAVAILABLE with one sentence that
/// says what is missing (the driver, a GPU, cuBLASLt, cuDNN) and what to do.
Status createCudaDevice(const CudaOptions &options, std::unique_ptr<Device> *out);

/// The environment report of `dlrun --info`: the driver, each GPU, and which
/// CUDA libraries were found where. Never fails; says what it could not find.
std::string describeCudaEnvironment();

/// A CPU device that runs a file's CUDA form: library calls on the CPU,
/// generated kernels from `hostKernels`, a shared library of the host
/// build of the same kernels. For testing the CUDA form without a GPU.
Status createCudaEmulation(int numThreads, const std::string &hostKernels,
                           std::unique_ptr<Device> *out);

/// "model.mlir:12:5: matmul" for messages about a command; the op name alone
/// when the command has no location.
std::string describeCommand(const fb::Executable &executable, const fb::Command &command);

/// Fills a persistent buffer from its initializer, deterministically from
/// the initializer's seed (plus `seedOffset`) on every platform.
Status initialize(const fb::Initializer &initializer, const Tensor &tensor, uint64_t seedOffset);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_DEVICE_H
