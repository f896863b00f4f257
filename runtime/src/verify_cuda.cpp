// The loader's checks of the CUDA target: the PTX module's kernels, their
// launch shapes, and the GPU commands of each entry point. A GPU kernel
// cannot check its own bounds, so every buffer a launch passes must have
// exactly the size its parameter was compiled for.
#include "verify.h"
#include "verify_command_check.h"

#include <unordered_set>

namespace dlc::rt {

namespace {

// CUDA's limits on a launch (compute capability 8.0 and newer).
constexpr uint64_t kMaxGridX = (uint64_t(1) << 31) - 1;
constexpr uint64_t kMaxGridYZ = 65535;
constexpr uint64_t kMaxBlockThreads = 1024;
constexpr uint64_t kMaxBlockZ = 64;
constexpr uint64_t kMaxSharedMemory = 227 * 1024;

Status invalid(const FileCheck &c, const std::string &what) {
  return Status(DLC_INVALID_FILE, c.file + ": " + what);
}

bool isIdentifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '$')
      return false;
  return true;
}

Status checkKernel(const FileCheck &c, uint32_t index, const fb::GpuKernel &kernel,
                   std::string_view ptx) {
  std::string_view name = kernel.name()->string_view();
  std::string label = fmt::format("CUDA kernel {} '{}'", index, printable(name));
  if (!isIdentifier(name))
    return invalid(c, label + ": the name is not a PTX identifier");
  // The PTX must define it: ".entry name(".
  std::string entry = fmt::format(".entry {}(", name);
  if (ptx.find(entry) == std::string_view::npos)
    return invalid(c, label + ": the PTX has no such .entry");
  const auto *grid = kernel.grid();
  const auto *block = kernel.block();
  if (!grid || grid->size() != 3 || !block || block->size() != 3)
    return invalid(c, label + ": grid and block must have 3 dimensions each");
  for (int d = 0; d < 3; ++d) {
    uint64_t limit = d == 0 ? kMaxGridX : kMaxGridYZ;
    if (grid->Get(d) < 1 || grid->Get(d) > limit)
      return invalid(c, fmt::format("{}: grid dimension {} is {}; expected 1 to {}", label, d,
                                    grid->Get(d), limit));
  }
  uint64_t threads = 1;
  for (int d = 0; d < 3; ++d) {
    if (block->Get(d) < 1 || block->Get(d) > kMaxBlockThreads ||
        (d == 2 && block->Get(d) > kMaxBlockZ))
      return invalid(c, fmt::format("{}: block dimension {} is {}", label, d, block->Get(d)));
    threads *= block->Get(d);
  }
  if (threads > kMaxBlockThreads)
    return invalid(
        c, fmt::format("{}: {} threads per block; at most {}", label, threads, kMaxBlockThreads));
  if (kernel.shared_memory() > kMaxSharedMemory)
    return invalid(c, fmt::format("{}: {} bytes of shared memory; at most {}", label,
                                  kernel.shared_memory(), kMaxSharedMemory));
  if (!kernel.parameter_bytes())
    return invalid(c, label + ": has no parameter list");
  if (kernel.num_inputs() > kernel.parameter_bytes()->size())
    return invalid(c, fmt::format("{}: {} inputs of {} parameters", label, kernel.num_inputs(),
                                  kernel.parameter_bytes()->size()));
  DLC_RETURN_IF_ERROR(c.spend(kernel.parameter_bytes()->size()));
  return okStatus();
}

} // namespace

Status checkCudaTarget(const FileCheck &c) {
  const fb::Executable &exe = c.exe;
  bool listed = false;
  if (exe.targets())
    for (const flatbuffers::String *target : *exe.targets())
      listed |= target->string_view() == "cuda";
  const fb::CudaTarget *cuda = exe.cuda();
  if (listed != (cuda != nullptr))
    return invalid(c, listed ? "lists target cuda but has no CUDA target"
                             : "has a CUDA target but does not list target cuda");
  if (!cuda)
    return okStatus();
  std::string_view chip = cuda->chip() ? cuda->chip()->string_view() : "";
  if (chip.size() < 4 || chip.substr(0, 3) != "sm_" || !isIdentifier(chip))
    return invalid(c, fmt::format("CUDA target chip '{}' is not sm_NN", printable(chip)));
  std::string_view ptx = cuda->ptx() ? cuda->ptx()->string_view() : "";
  if (ptx.find('\0') != std::string_view::npos)
    return invalid(c, "the CUDA target's PTX contains a NUL byte");
  const size_t numKernels = cuda->kernels() ? cuda->kernels()->size() : 0;
  if (numKernels > 0 && ptx.empty())
    return invalid(c, "the CUDA target has kernels but no PTX");
  std::unordered_set<std::string_view> names;
  for (uint32_t i = 0; i < numKernels; ++i) {
    const fb::GpuKernel &kernel = *cuda->kernels()->Get(i);
    DLC_RETURN_IF_ERROR(c.spend(ptx.size() / 64 + 1));
    DLC_RETURN_IF_ERROR(checkKernel(c, i, kernel, ptx));
    if (!names.insert(kernel.name()->string_view()).second)
      return invalid(c, fmt::format("CUDA kernel {}: another kernel is named '{}'", i,
                                    printable(kernel.name()->string_view())));
  }
  for (const fb::EntryPoint *entry : *exe.entry_points())
    if (!entry->cuda_commands())
      return invalid(c, fmt::format("entry point '{}' has no CUDA commands",
                                    printable(entry->name()->string_view())));
  return okStatus();
}

Status checkRunsOnGpu(const CommandCheck &k, const fb::Command &command) {
  switch (command.op_type()) {
  case fb::Op::Matmul:
  case fb::Op::Conv2D:
  case fb::Op::Conv2DBackwardData:
  case fb::Op::Conv2DBackwardFilter:
  case fb::Op::Pool2D:
  case fb::Op::BatchNorm:
  case fb::Op::BatchNormBackward:
  case fb::Op::GpuLaunch:
    return okStatus();
  case fb::Op::Pool2DBackward:
    if (command.op_as_Pool2DBackward()->relu_mask())
      return k.fail("a GPU pooling gradient cannot apply a ReLU mask (a kernel does)");
    return okStatus();
  default:
    return k.fail("is no library call the GPU has; it must be a generated kernel");
  }
}

Status checkGpuLaunch(const CommandCheck &k, const fb::Executable &exe, const fb::GpuLaunch &op) {
  const fb::CudaTarget *cuda = exe.cuda();
  const size_t numKernels = cuda && cuda->kernels() ? cuda->kernels()->size() : 0;
  if (op.kernel() >= numKernels)
    return k.fail("CUDA kernel {} does not exist (the file has {})", op.kernel(), numKernels);
  const fb::GpuKernel &kernel = *cuda->kernels()->Get(op.kernel());
  const auto *parameters = kernel.parameter_bytes();
  const size_t numBuffers = op.buffers() ? op.buffers()->size() : 0;
  DLC_RETURN_IF_ERROR(k.spend(numBuffers));
  if (numBuffers != parameters->size())
    return k.fail("passes {} buffers; CUDA kernel '{}' takes {}", numBuffers,
                  printable(kernel.name()->string_view()), parameters->size());
  for (size_t i = 0; i < numBuffers; ++i) {
    Operand buffer;
    bool written = i >= kernel.num_inputs();
    DLC_RETURN_IF_ERROR(
        k.operand(op.buffers()->Get(i), written ? "output" : "input", written, &buffer));
    uint64_t bytes = exe.buffers()->Get(buffer.index)->size();
    if (bytes != parameters->Get(i))
      return k.fail("{} has {} bytes; CUDA kernel '{}' parameter {} takes {}", k.text(buffer),
                    bytes, printable(kernel.name()->string_view()), i, parameters->Get(i));
  }
  return okStatus();
}

} // namespace dlc::rt
