// The CUDA device: the session's regions in GPU memory, the file's PTX
// loaded once, each entry point's commands (cuBLASLt and cuDNN calls,
// launches of dlc's kernels) prepared once and captured into a CUDA graph
// at the first run, then replayed. Inputs go through pinned host memory
// and a device copy of their own on a second stream, so the copy of the
// next batch overlaps the current step; outputs a training loop reads each
// step come back through pinned memory without waiting for the step.
#include "cuda_commands.h"
#include "executable.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace dlc::rt {
namespace cuda {

Status PrepareContext::tensor(int64_t index, const char *role, Tensor *out) const {
  if (index < 0 || index >= static_cast<int64_t>(buffers.size()))
    return error(DLC_INVALID_FILE, "{} is buffer {}, outside [0, {})", role, index, buffers.size());
  *out = buffers[index];
  if (!out->data && out->elements() > 0)
    return error(DLC_INVALID_FILE, "{} '{}' has no memory in this entry point", role, out->name);
  return okStatus();
}

namespace {

/// What the device shares with its programs.
struct Shared {
  const Driver *driver = nullptr;
  CUdevice device = 0;
  int ordinal = 0;
  CUcontext context = nullptr;
  CUstream compute = nullptr, copy = nullptr;
  bool tf32 = false;
  const CublasLt *cublasLt = nullptr;
  cublasLtHandle_t cublasLtHandle = nullptr;
  const Cudnn *cudnn = nullptr;
  cudnnHandle_t cudnnHandle = nullptr;
  std::map<const fb::Executable *, CUmodule> modules;
  // GPU memory the session holds: regions, workspaces, staging.
  MemoryCounter memory;

  Status bind() const { return driver->check(driver->cuCtxSetCurrent(context), "cuCtxSetCurrent"); }

  /// cuMemAlloc, counted; the caller has bound the context.
  CUresult memAlloc(CUdeviceptr *out, size_t bytes) {
    CUresult result = driver->cuMemAlloc(out, std::max<size_t>(bytes, 1));
    if (result == CUDA_SUCCESS)
      memory.added(reinterpret_cast<const void *>(*out), bytes);
    return result;
  }
  void memFree(CUdeviceptr allocation) {
    memory.removed(reinterpret_cast<const void *>(allocation));
    driver->cuMemFree(allocation);
  }
};

/// The libraries a command needs, loaded (and their handles made) the first
/// time one does.
Status needCublasLt(Shared &s) {
  if (s.cublasLtHandle)
    return okStatus();
  DLC_RETURN_IF_ERROR(loadCublasLt(&s.cublasLt));
  return s.cublasLt->check(s.cublasLt->cublasLtCreate(&s.cublasLtHandle),
                           "cuBLASLt at " + s.cublasLt->library.path + " did not start");
}

Status needCudnn(Shared &s) {
  if (s.cudnnHandle)
    return okStatus();
  DLC_RETURN_IF_ERROR(loadCudnn(&s.cudnn));
  DLC_RETURN_IF_ERROR(s.cudnn->check(s.cudnn->cudnnCreate(&s.cudnnHandle),
                                     "cuDNN at " + s.cudnn->library.path + " did not start"));
  return s.cudnn->check(
      s.cudnn->cudnnSetStream(s.cudnnHandle, reinterpret_cast<cudaStream_t>(s.compute)),
      "cudnnSetStream");
}

bool usesCudnn(fb::Op op) {
  switch (op) {
  case fb::Op::Conv2D:
  case fb::Op::Conv2DBackwardData:
  case fb::Op::Conv2DBackwardFilter:
  case fb::Op::Pool2D:
  case fb::Op::Pool2DBackward:
  case fb::Op::BatchNorm:
  case fb::Op::BatchNormBackward:
    return true;
  default:
    return false;
  }
}

/// The file's PTX as a module of this context, loaded once; the JIT's log
/// in the error when the driver rejects it.
Status moduleFor(Shared &s, const fb::Executable &executable, CUmodule *out) {
  auto it = s.modules.find(&executable);
  if (it != s.modules.end()) {
    *out = it->second;
    return okStatus();
  }
  const fb::CudaTarget *target = executable.cuda();
  if (!target || !target->ptx())
    return error(DLC_INVALID_FILE, "the file has GPU kernel launches but no PTX");
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof log)};
  CUmodule module = nullptr;
  CUresult result =
      s.driver->cuModuleLoadDataEx(&module, target->ptx()->c_str(), 2, options, values);
  if (result == CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
    return error(DLC_UNAVAILABLE,
                 "the NVIDIA driver (CUDA {}) is too old for this file's PTX: update the driver "
                 "to one for CUDA 12.0 or newer",
                 cudaVersionText(s.driver->version));
  if (result != CUDA_SUCCESS) {
    Status status = s.driver->check(result, "loading the file's PTX");
    return Status(status.code(), status.message() + (log[0] ? fmt::format("; the JIT said: {}", log)
                                                            : std::string()));
  }
  s.modules[&executable] = module;
  *out = module;
  return okStatus();
}

Status prepareLaunch(Shared &s, const fb::Executable &executable,
                     const std::vector<Tensor> &buffers, const fb::GpuLaunch &op, cuda::Step *out) {
  CUmodule module = nullptr;
  DLC_RETURN_IF_ERROR(moduleFor(s, executable, &module));
  const fb::GpuKernel &kernel = *executable.cuda()->kernels()->Get(op.kernel());
  CUfunction function = nullptr;
  DLC_RETURN_IF_ERROR(
      s.driver->check(s.driver->cuModuleGetFunction(&function, module, kernel.name()->c_str()),
                      fmt::format("finding kernel '{}' in the PTX", kernel.name()->string_view())));
  if (kernel.shared_memory() > 48 * 1024)
    DLC_RETURN_IF_ERROR(s.driver->check(
        s.driver->cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                     static_cast<int>(kernel.shared_memory())),
        "allowing the kernel's shared memory"));
  // Each parameter is one buffer's address; cuLaunchKernel reads them
  // through an array of pointers to the values.
  auto addresses = std::make_shared<std::vector<CUdeviceptr>>();
  for (uint32_t index : *op.buffers()) {
    if (index >= buffers.size() || (!buffers[index].data && buffers[index].elements() > 0))
      return error(DLC_INVALID_FILE, "kernel '{}' takes buffer {}, which has no memory here",
                   kernel.name()->string_view(), index);
    addresses->push_back(address(buffers[index]));
  }
  auto pointers = std::make_shared<std::vector<void *>>();
  for (CUdeviceptr &a : *addresses)
    pointers->push_back(&a);
  // The driver reads as many parameters as the kernel declares; the null
  // after them lets a test's stand-in driver count them.
  pointers->push_back(nullptr);
  const Driver &driver = *s.driver;
  auto dim = [](const flatbuffers::Vector<uint32_t> *v, int i) {
    return v && static_cast<int>(v->size()) > i ? v->Get(i) : 1u;
  };
  const std::array<unsigned, 3> grid = {dim(kernel.grid(), 0), dim(kernel.grid(), 1),
                                        dim(kernel.grid(), 2)};
  const std::array<unsigned, 3> block = {dim(kernel.block(), 0), dim(kernel.block(), 1),
                                         dim(kernel.block(), 2)};
  const unsigned shared = kernel.shared_memory();
  std::string name = kernel.name()->str();
  *out = [&driver, function, addresses, pointers, grid, block, shared, name](CUstream stream,
                                                                             CUdeviceptr) {
    return driver.check(driver.cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0],
                                              block[1], block[2], shared, stream, pointers->data(),
                                              nullptr),
                        "launching kernel " + name);
  };
  return okStatus();
}

/// Errors after which the context cannot be used (the process must start
/// over): a kernel that faulted.
bool isSticky(CUresult result) {
  switch (result) {
  case CUDA_ERROR_ILLEGAL_ADDRESS:
  case CUDA_ERROR_LAUNCH_FAILED:
  case CUDA_ERROR_ASSERT:
  case CUDA_ERROR_HARDWARE_STACK_ERROR:
  case CUDA_ERROR_ILLEGAL_INSTRUCTION:
  case CUDA_ERROR_MISALIGNED_ADDRESS:
  case CUDA_ERROR_INVALID_ADDRESS_SPACE:
  case CUDA_ERROR_INVALID_PC:
  case CUDA_ERROR_LAUNCH_TIMEOUT:
  case CUDA_ERROR_ECC_UNCORRECTABLE:
    return true;
  default:
    return false;
  }
}

struct PreparedCommand {
  cuda::Step step;
  std::string description;
  CUevent start = nullptr, end = nullptr; // with DLC_PROFILE: around the command
  double milliseconds = 0;                // its time in all runs, with DLC_PROFILE
};

class CudaProgram : public Program {
public:
  explicit CudaProgram(Shared &shared) : s_(shared) {}

  ~CudaProgram() override {
    if (s_.bind().ok()) {
      s_.driver->cuStreamSynchronize(s_.compute);
      s_.driver->cuStreamSynchronize(s_.copy);
    }
    printProfile();
    for (PreparedCommand &command : commands_)
      for (CUevent event : {command.start, command.end})
        if (event)
          s_.driver->cuEventDestroy(event);
    if (graphExec_)
      s_.driver->cuGraphExecDestroy(graphExec_);
    for (auto &cleanup : cleanups_)
      cleanup();
    for (CUdeviceptr memory : allocations_)
      s_.memFree(memory);
    if (pinned_)
      s_.driver->cuMemFreeHost(pinned_);
    for (CUevent event : {copied_, consumed_})
      if (event)
        s_.driver->cuEventDestroy(event);
  }

  Status prepare(const fb::Executable &executable, const fb::EntryPoint &entry,
                 const std::vector<Tensor> &buffers) {
    const Driver &d = *s_.driver;
    DLC_RETURN_IF_ERROR(s_.bind());
    const auto *commands = entry.cuda_commands();
    size_t workspaceBytes = 0;
    if (commands)
      for (const fb::Command *command : *commands) {
        PreparedCommand prepared;
        prepared.description = describeCommand(executable, *command);
        if (const fb::GpuLaunch *launch = command->op_as_GpuLaunch())
          prepared.description += fmt::format(
              " ({})", executable.cuda()->kernels()->Get(launch->kernel())->name()->string_view());
        Status status =
            prepareCommand(executable, buffers, *command, &workspaceBytes, &prepared.step);
        DLC_RETURN_IF_ERROR(status.withContext(prepared.description));
        commands_.push_back(std::move(prepared));
      }
    if (workspaceBytes > 0)
      DLC_RETURN_IF_ERROR(allocate(workspaceBytes, &workspace_));

    // A device copy and a pinned host copy of every input.
    size_t total = 0;
    if (entry.inputs())
      for (uint32_t index : *entry.inputs()) {
        Input input;
        input.arena = address(buffers[index]);
        input.bytes = buffers[index].bytes();
        input.offset = total;
        total += (input.bytes + 255) / 256 * 256;
        inputs_.push_back(input);
      }
    if (total > 0) {
      DLC_RETURN_IF_ERROR(allocate(total, &staging_));
      DLC_RETURN_IF_ERROR(
          d.check(d.cuMemHostAlloc(&pinned_, total, 0), "allocating pinned memory for inputs"));
    }
    DLC_RETURN_IF_ERROR(d.check(d.cuEventCreate(&copied_, CU_EVENT_DISABLE_TIMING), "event"));
    DLC_RETURN_IF_ERROR(d.check(d.cuEventCreate(&consumed_, CU_EVENT_DISABLE_TIMING), "event"));
    useGraphs_ = !std::getenv("DLC_CUDA_NO_GRAPHS");
    // DLC_PROFILE: each command between two timing events, run by run
    // without the graph (a graph's commands cannot be timed one by one).
    if (std::getenv("DLC_PROFILE") && d.eventElapsedTime) {
      profile_ = true;
      useGraphs_ = false;
      for (PreparedCommand &command : commands_)
        for (CUevent *event : {&command.start, &command.end})
          DLC_RETURN_IF_ERROR(d.check(d.cuEventCreate(event, CU_EVENT_DEFAULT), "event"));
    }
    return okStatus();
  }

  size_t commandCount() const override { return commands_.size(); }

  Status runCommand(size_t i) override {
    if (i >= commands_.size())
      return error(DLC_INVALID_ARGUMENT, "command {} of {}", i, commands_.size());
    DLC_RETURN_IF_ERROR(s_.bind());
    DLC_RETURN_IF_ERROR(
        commands_[i].step(s_.compute, workspace_).withContext(commands_[i].description));
    return s_.driver
        ->check(s_.driver->cuStreamSynchronize(s_.compute), "running the command on the GPU")
        .withContext(commands_[i].description);
  }

  Status stageInput(size_t k, const void *data, size_t bytes) override {
    const Driver &d = *s_.driver;
    if (k >= inputs_.size() || bytes != inputs_[k].bytes)
      return error(DLC_INTERNAL, "input {} of {} ({} bytes) staged with {} bytes", k,
                   inputs_.size(), k < inputs_.size() ? inputs_[k].bytes : 0, bytes);
    DLC_RETURN_IF_ERROR(s_.bind());
    // The pinned slot is free once the previous batch's copy from it ended;
    // the device slot once the previous run has taken its inputs from it.
    DLC_RETURN_IF_ERROR(d.check(d.cuEventSynchronize(copied_), "waiting for the last input copy"));
    uint8_t *host = static_cast<uint8_t *>(pinned_) + inputs_[k].offset;
    std::memcpy(host, data, bytes);
    DLC_RETURN_IF_ERROR(d.check(d.cuStreamWaitEvent(s_.copy, consumed_, 0), "cuStreamWaitEvent"));
    DLC_RETURN_IF_ERROR(
        d.check(d.cuMemcpyHtoDAsync(staging_ + inputs_[k].offset, host, bytes, s_.copy),
                "copying an input to the GPU"));
    return d.check(d.cuEventRecord(copied_, s_.copy), "cuEventRecord");
  }

  Status run() override {
    const Driver &d = *s_.driver;
    DLC_RETURN_IF_ERROR(s_.bind());
    DLC_RETURN_IF_ERROR(d.check(d.cuStreamWaitEvent(s_.compute, copied_, 0), "cuStreamWaitEvent"));
    for (const Input &input : inputs_)
      if (input.bytes > 0)
        DLC_RETURN_IF_ERROR(d.check(
            d.cuMemcpyDtoDAsync(input.arena, staging_ + input.offset, input.bytes, s_.compute),
            "moving an input into place"));
    DLC_RETURN_IF_ERROR(d.check(d.cuEventRecord(consumed_, s_.compute), "cuEventRecord"));
    if (useGraphs_ && !graphExec_ && !commands_.empty())
      capture();
    if (graphExec_)
      return d.check(d.cuGraphLaunch(graphExec_, s_.compute), "launching the step's CUDA graph");
    if (profile_)
      return runProfiled();
    return enqueueCommands();
  }

private:
  struct Input {
    CUdeviceptr arena = 0;
    size_t bytes = 0, offset = 0;
  };

  /// Runs the commands between their events, waits, and adds each one's
  /// time.
  Status runProfiled() {
    const Driver &d = *s_.driver;
    for (PreparedCommand &command : commands_) {
      DLC_RETURN_IF_ERROR(d.check(d.cuEventRecord(command.start, s_.compute), "cuEventRecord"));
      DLC_RETURN_IF_ERROR(command.step(s_.compute, workspace_).withContext(command.description));
      DLC_RETURN_IF_ERROR(d.check(d.cuEventRecord(command.end, s_.compute), "cuEventRecord"));
    }
    DLC_RETURN_IF_ERROR(d.check(d.cuStreamSynchronize(s_.compute), "running the step"));
    for (PreparedCommand &command : commands_) {
      float milliseconds = 0;
      DLC_RETURN_IF_ERROR(d.check(d.eventElapsedTime(&milliseconds, command.start, command.end),
                                  "cuEventElapsedTime"));
      command.milliseconds += milliseconds;
    }
    ++profiledRuns_;
    return okStatus();
  }

  /// With DLC_PROFILE, each command's mean time and share on stderr, as the
  /// CPU backend prints them.
  void printProfile() const {
    if (!profile_)
      return;
    std::vector<CommandTime> times;
    for (const PreparedCommand &command : commands_)
      times.push_back({command.milliseconds, &command.description});
    rt::printProfile("dlc profile (GPU, no graph)", profiledRuns_, times);
  }

  Status enqueueCommands() {
    for (PreparedCommand &command : commands_)
      DLC_RETURN_IF_ERROR(command.step(s_.compute, workspace_).withContext(command.description));
    return okStatus();
  }

  /// Records the commands into a CUDA graph. Where capture fails (a library
  /// call that cannot be captured), the program runs its commands one by
  /// one from then on, and says so once on stderr.
  void capture() {
    const Driver &d = *s_.driver;
    CUresult began = d.cuStreamBeginCapture(s_.compute, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
    if (began != CUDA_SUCCESS)
      return runWithoutGraph(d.check(began, "starting a CUDA graph capture").message());
    Status recorded = enqueueCommands();
    CUgraph graph = nullptr;
    CUresult ended = d.cuStreamEndCapture(s_.compute, &graph);
    CUresult made = CUDA_SUCCESS;
    if (recorded.ok() && ended == CUDA_SUCCESS && graph)
      made = d.cuGraphInstantiateWithFlags(&graphExec_, graph, 0);
    if (graph)
      d.cuGraphDestroy(graph);
    if (recorded.ok() && ended == CUDA_SUCCESS && made == CUDA_SUCCESS && graphExec_)
      return;
    graphExec_ = nullptr;
    runWithoutGraph(!recorded.ok()          ? recorded.message()
                    : ended != CUDA_SUCCESS ? d.check(ended, "ending the capture").message()
                                            : d.check(made, "instantiating the graph").message());
  }

  void runWithoutGraph(const std::string &why) {
    useGraphs_ = false;
    std::fprintf(stderr, "dlc: running without a CUDA graph: %s\n", why.c_str());
  }

  Status prepareCommand(const fb::Executable &executable, const std::vector<Tensor> &buffers,
                        const fb::Command &command, size_t *workspaceBytes, cuda::Step *out) {
    if (command.op_type() == fb::Op::GpuLaunch)
      return prepareLaunch(s_, executable, buffers, *command.op_as_GpuLaunch(), out);
    if (command.op_type() == fb::Op::Matmul)
      DLC_RETURN_IF_ERROR(needCublasLt(s_));
    else if (usesCudnn(command.op_type()))
      DLC_RETURN_IF_ERROR(needCudnn(s_));
    else
      return error(DLC_INVALID_FILE, "{} is not a GPU library call", opName(command.op_type()));
    PrepareContext ctx{
        executable,
        buffers,
        *s_.driver,
        s_.compute,
        s_.cublasLt,
        s_.cublasLtHandle,
        s_.cudnn,
        s_.cudnnHandle,
        s_.tf32,
        workspaceBytes,
        [this](size_t bytes, CUdeviceptr *memory) { return allocate(bytes, memory); },
        &cleanups_};
    switch (command.op_type()) {
    case fb::Op::Matmul:
      return prepareMatmul(ctx, *command.op_as_Matmul(), out);
    case fb::Op::Conv2D:
      return prepareConv2D(ctx, *command.op_as_Conv2D(), out);
    case fb::Op::Conv2DBackwardData:
      return prepareConv2DBackwardData(ctx, *command.op_as_Conv2DBackwardData(), out);
    case fb::Op::Conv2DBackwardFilter:
      return prepareConv2DBackwardFilter(ctx, *command.op_as_Conv2DBackwardFilter(), out);
    case fb::Op::Pool2D:
      return preparePool2D(ctx, *command.op_as_Pool2D(), out);
    case fb::Op::Pool2DBackward:
      return preparePool2DBackward(ctx, *command.op_as_Pool2DBackward(), out);
    case fb::Op::BatchNorm:
      return prepareBatchNorm(ctx, *command.op_as_BatchNorm(), out);
    case fb::Op::BatchNormBackward:
      return prepareBatchNormBackward(ctx, *command.op_as_BatchNormBackward(), out);
    default:
      return error(DLC_INTERNAL, "unhandled library call {}", opName(command.op_type()));
    }
  }

  Status allocate(size_t bytes, CUdeviceptr *out) {
    const Driver &d = *s_.driver;
    DLC_RETURN_IF_ERROR(
        d.check(s_.memAlloc(out, bytes), fmt::format("allocating {} bytes of GPU memory", bytes)));
    allocations_.push_back(*out);
    return okStatus();
  }

  Shared &s_;
  std::vector<PreparedCommand> commands_;
  std::vector<std::function<void()>> cleanups_;
  std::vector<CUdeviceptr> allocations_;
  CUdeviceptr workspace_ = 0, staging_ = 0;
  void *pinned_ = nullptr;
  std::vector<Input> inputs_;
  CUevent copied_ = nullptr, consumed_ = nullptr;
  bool useGraphs_ = true;
  bool profile_ = false;
  uint64_t profiledRuns_ = 0;
  CUgraphExec graphExec_ = nullptr;
};

/// Pending downloadLater copies land in pinned memory first.
struct Fetch {
  void *host;
  size_t offset, bytes;
};

class CudaDevice : public Device {
public:
  ~CudaDevice() override {
    if (!s_.driver || !s_.context)
      return;
    if (s_.bind().ok()) {
      s_.driver->cuStreamSynchronize(s_.compute);
      for (auto &[executable, module] : s_.modules)
        s_.driver->cuModuleUnload(module);
      if (s_.cudnnHandle)
        s_.cudnn->cudnnDestroy(s_.cudnnHandle);
      if (s_.cublasLtHandle)
        s_.cublasLt->cublasLtDestroy(s_.cublasLtHandle);
      if (fetchPinned_)
        s_.driver->cuMemFreeHost(fetchPinned_);
      for (CUstream stream : {s_.compute, s_.copy})
        if (stream)
          s_.driver->cuStreamDestroy(stream);
    }
    s_.driver->cuDevicePrimaryCtxRelease(s_.device);
  }

  Status open(const CudaOptions &options) {
    DLC_RETURN_IF_ERROR(loadDriver(&s_.driver));
    const Driver &d = *s_.driver;
    int count = 0;
    DLC_RETURN_IF_ERROR(d.check(d.cuDeviceGetCount(&count), "counting GPUs"));
    if (count == 0)
      return error(DLC_UNAVAILABLE, "the NVIDIA driver sees no GPU");
    if (options.ordinal < 0 || options.ordinal >= count)
      return error(DLC_UNAVAILABLE, "there is no GPU cuda:{}: this machine has {} (cuda:0{})",
                   options.ordinal, count,
                   count > 1 ? fmt::format(" to cuda:{}", count - 1) : std::string());
    s_.ordinal = options.ordinal;
    s_.tf32 = options.tf32;
    DLC_RETURN_IF_ERROR(d.check(d.cuDeviceGet(&s_.device, options.ordinal), "cuDeviceGet"));
    char name[256] = {0};
    d.cuDeviceGetName(name, sizeof name - 1, s_.device);
    d.cuDeviceGetAttribute(&major_, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, s_.device);
    d.cuDeviceGetAttribute(&minor_, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, s_.device);
    size_t memory = 0;
    d.cuDeviceTotalMem(&memory, s_.device);
    name_ = fmt::format("cuda:{} ({}, sm_{}{}, {}, driver for CUDA {}{})", options.ordinal, name,
                        major_, minor_, bytesText(memory), cudaVersionText(d.version),
                        options.tf32 ? ", TF32 allowed" : "");
    Status retained = d.check(d.cuDevicePrimaryCtxRetain(&s_.context, s_.device),
                              fmt::format("starting a CUDA context on GPU {}", options.ordinal));
    if (!retained.ok())
      return Status(DLC_UNAVAILABLE, retained.message() +
                                         " (is the GPU in exclusive mode and used by another "
                                         "process?)");
    DLC_RETURN_IF_ERROR(s_.bind());
    DLC_RETURN_IF_ERROR(
        d.check(d.cuStreamCreate(&s_.compute, CU_STREAM_NON_BLOCKING), "creating a stream"));
    DLC_RETURN_IF_ERROR(
        d.check(d.cuStreamCreate(&s_.copy, CU_STREAM_NON_BLOCKING), "creating a stream"));
    return okStatus();
  }

  std::string name() const override { return name_; }
  std::string target() const override { return "cuda"; }
  bool stagesInputs() const override { return true; }

  /// Whether this GPU runs the file's PTX and has the libraries its library
  /// calls need.
  Status supports(const fb::Executable &executable) override {
    DLC_RETURN_IF_ERROR(s_.bind());
    const fb::CudaTarget *target = executable.cuda();
    if (target && target->chip()) {
      int chip = std::atoi(target->chip()->c_str() + 3);
      if (major_ * 10 + minor_ < chip)
        return error(DLC_UNAVAILABLE,
                     "GPU {} is sm_{}{}, older than the file's kernels ({}), which need that "
                     "chip or newer",
                     s_.ordinal, major_, minor_, target->chip()->string_view());
    }
    bool matmul = false, dnn = false;
    if (executable.entry_points())
      for (const fb::EntryPoint *entry : *executable.entry_points())
        if (entry->cuda_commands())
          for (const fb::Command *command : *entry->cuda_commands()) {
            matmul |= command->op_type() == fb::Op::Matmul;
            dnn |= usesCudnn(command->op_type());
          }
    if (matmul)
      DLC_RETURN_IF_ERROR(needCublasLt(s_));
    if (dnn)
      DLC_RETURN_IF_ERROR(needCudnn(s_));
    return okStatus();
  }

  Status allocate(size_t bytes, void **out) override {
    const Driver &d = *s_.driver;
    DLC_RETURN_IF_ERROR(s_.bind());
    CUdeviceptr memory = 0;
    CUresult result = s_.memAlloc(&memory, bytes);
    if (result == CUDA_ERROR_OUT_OF_MEMORY) {
      size_t free = 0, total = 0;
      d.cuMemGetInfo(&free, &total);
      return error(DLC_UNAVAILABLE,
                   "out of GPU memory: {} asked for, {} free of {}; use a smaller batch or "
                   "--device cpu",
                   bytesText(bytes), bytesText(free), bytesText(total));
    }
    DLC_RETURN_IF_ERROR(d.check(result, "cuMemAlloc"));
    *out = reinterpret_cast<void *>(memory);
    // On the compute stream, which does not wait for the null stream's work.
    DLC_RETURN_IF_ERROR(
        d.check(d.cuMemsetD8Async(memory, 0, bytes, s_.compute), "zeroing GPU memory"));
    return d.check(d.cuStreamSynchronize(s_.compute), "zeroing GPU memory");
  }

  void release(void *memory) override {
    if (s_.bind().ok()) {
      s_.driver->cuStreamSynchronize(s_.compute);
      s_.memFree(reinterpret_cast<CUdeviceptr>(memory));
    }
  }

  size_t peakMemoryBytes() const override { return s_.memory.peak(); }

  // Copies are queued on the compute stream and waited for: the streams
  // are non-blocking, so work on the null stream would not be ordered with
  // the runs (and a pageable copy to the GPU may return before it lands).
  Status upload(void *device, const void *host, size_t bytes) override {
    if (bytes == 0)
      return okStatus();
    DLC_RETURN_IF_ERROR(synchronize());
    const Driver &d = *s_.driver;
    DLC_RETURN_IF_ERROR(
        d.check(d.cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(device), host, bytes, s_.compute),
                "copying to the GPU"));
    return d.check(d.cuStreamSynchronize(s_.compute), "copying to the GPU");
  }

  Status download(void *host, const void *device, size_t bytes) override {
    DLC_RETURN_IF_ERROR(synchronize());
    if (bytes == 0)
      return okStatus();
    const Driver &d = *s_.driver;
    DLC_RETURN_IF_ERROR(
        d.check(d.cuMemcpyDtoHAsync(host, reinterpret_cast<CUdeviceptr>(device), bytes, s_.compute),
                "copying from the GPU"));
    return d.check(d.cuStreamSynchronize(s_.compute), "copying from the GPU");
  }

  Status downloadLater(void *host, const void *device, size_t bytes) override {
    const Driver &d = *s_.driver;
    if (bytes == 0)
      return okStatus();
    if (fetchUsed_ + bytes > fetchCapacity_) {
      DLC_RETURN_IF_ERROR(synchronize());
      if (bytes > fetchCapacity_) {
        if (fetchPinned_)
          d.cuMemFreeHost(fetchPinned_);
        fetchPinned_ = nullptr;
        fetchCapacity_ = std::max<size_t>(bytes, 64 << 10);
        DLC_RETURN_IF_ERROR(d.check(d.cuMemHostAlloc(&fetchPinned_, fetchCapacity_, 0),
                                    "allocating pinned memory for outputs"));
      }
    }
    DLC_RETURN_IF_ERROR(s_.bind());
    DLC_RETURN_IF_ERROR(
        d.check(d.cuMemcpyDtoHAsync(static_cast<uint8_t *>(fetchPinned_) + fetchUsed_,
                                    reinterpret_cast<CUdeviceptr>(device), bytes, s_.compute),
                "copying an output from the GPU"));
    fetches_.push_back({host, fetchUsed_, bytes});
    fetchUsed_ += (bytes + 63) / 64 * 64;
    return okStatus();
  }

  Status synchronize() override {
    const Driver &d = *s_.driver;
    DLC_RETURN_IF_ERROR(s_.bind());
    CUresult result = d.cuStreamSynchronize(s_.copy);
    if (result == CUDA_SUCCESS)
      result = d.cuStreamSynchronize(s_.compute);
    if (result != CUDA_SUCCESS) {
      fetches_.clear(); // their bytes never arrived
      fetchUsed_ = 0;
      return Status(DLC_INTERNAL,
                    d.check(result, "the GPU failed in queued work").message() +
                        (isSticky(result) ? "; the GPU context cannot be used any more (run "
                                            "with --check-device cuda to find the command)"
                                          : ""));
    }
    for (const Fetch &fetch : fetches_)
      std::memcpy(fetch.host, static_cast<uint8_t *>(fetchPinned_) + fetch.offset, fetch.bytes);
    fetches_.clear();
    fetchUsed_ = 0;
    return okStatus();
  }

  Status prepare(const fb::Executable &executable, const fb::EntryPoint &entry,
                 const std::vector<Tensor> &buffers, std::unique_ptr<Program> *out) override {
    auto program = std::make_unique<CudaProgram>(s_);
    DLC_RETURN_IF_ERROR(program->prepare(executable, entry, buffers));
    *out = std::move(program);
    return okStatus();
  }

private:
  Shared s_;
  std::string name_;
  int major_ = 0, minor_ = 0;
  void *fetchPinned_ = nullptr;
  size_t fetchCapacity_ = 0, fetchUsed_ = 0;
  std::vector<Fetch> fetches_;
};

} // namespace
} // namespace cuda

Status createCudaDevice(const CudaOptions &options, std::unique_ptr<Device> *out) {
  auto device = std::make_unique<cuda::CudaDevice>();
  DLC_RETURN_IF_ERROR(device->open(options));
  *out = std::move(device);
  return okStatus();
}

} // namespace dlc::rt
