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

#include <memory>
#include <string>
#include <vector>

namespace dlc::rt {

/// One entry point, ready to run on a device.
class Program {
public:
  virtual ~Program() = default;
  /// Runs every command in order. An error names the failing command's model
  /// location (see describeCommand).
  virtual Status run() = 0;
};

class Device {
public:
  virtual ~Device() = default;
  virtual std::string name() const = 0;

  /// Memory the device computes on, 64-byte aligned, zero-filled.
  virtual Status allocate(size_t bytes, void **out) = 0;
  virtual void release(void *memory) = 0;

  /// Builds the program of `entry`. `buffers[i]` is where buffer i lives;
  /// buffers not used by `entry` may have null data.
  virtual Status prepare(const fb::Executable &executable, const fb::EntryPoint &entry,
                         const std::vector<Tensor> &buffers, std::unique_ptr<Program> *out) = 0;
};

std::unique_ptr<Device> createCpuDevice(int numThreads);

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
