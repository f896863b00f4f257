// The CPU device: memory from the C heap, programs whose commands run on
// oneDNN (matmul, convolution, pooling) and on the loops of this directory,
// spread over cores with OpenMP.
#include "cpu_commands.h"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

namespace dlc::rt {
namespace cpu {

namespace {

VectorIsa detectVectorIsa() {
  VectorIsa best = VectorIsa::Baseline;
#if DLC_ISA_VARIANTS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    best = VectorIsa::Avx512;
  else if (__builtin_cpu_supports("avx2"))
    best = VectorIsa::Avx2;
#endif
  const char *cap = std::getenv("DLC_CPU_ISA");
  if (!cap || !*cap)
    cap = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (!cap)
    return best;
  std::string name(cap);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  VectorIsa limit = best;
  if (name.rfind("avx512", 0) == 0 || name == "all" || name.rfind("avx10", 0) == 0)
    limit = VectorIsa::Avx512;
  else if (name.rfind("avx2", 0) == 0)
    limit = VectorIsa::Avx2;
  else if (name == "baseline" || name.rfind("sse", 0) == 0 || name == "avx" || name == "default")
    limit = VectorIsa::Baseline;
  return std::min(best, limit);
}

} // namespace

VectorIsa vectorIsa() {
  static const VectorIsa isa = detectVectorIsa();
  return isa;
}

const char *vectorIsaName(VectorIsa isa) {
  switch (isa) {
  case VectorIsa::Avx512:
    return "avx512";
  case VectorIsa::Avx2:
    return "avx2";
  case VectorIsa::Baseline:
    break;
  }
  return "baseline";
}

Status Context::tensor(int64_t index, const char *role, Tensor *out) const {
  if (index < 0 || index >= static_cast<int64_t>(buffers.size()))
    return error(DLC_INVALID_FILE, "{} is buffer {}, outside [0, {})", role, index, buffers.size());
  *out = buffers[index];
  if (!out->data && out->elements() > 0)
    return error(DLC_INVALID_FILE, "{} '{}' has no memory in this entry point", role, out->name);
  return okStatus();
}

Status expectDtype(const Tensor &tensor, fb::DType dtype) {
  if (tensor.dtype == dtype)
    return okStatus();
  return error(DLC_INVALID_FILE, "'{}' is {}, expected element type {}", tensor.name,
               describe(tensor.dtype, tensor.shape), dtypeName(dtype));
}

Status expectSameDtype(const Tensor &tensor, const Tensor &like) {
  if (tensor.dtype == like.dtype)
    return okStatus();
  return error(DLC_INVALID_FILE, "'{}' is {}, expected element type {} like '{}'", tensor.name,
               describe(tensor.dtype, tensor.shape), dtypeName(like.dtype), like.name);
}

Status expectShape(const Tensor &tensor, const Shape &shape) {
  if (tensor.shape == shape)
    return okStatus();
  return error(DLC_INVALID_FILE, "'{}' is {}, expected {}", tensor.name,
               describe(tensor.dtype, tensor.shape), describe(tensor.dtype, shape));
}

Status expectElements(const Tensor &tensor, int64_t elements) {
  if (tensor.elements() == elements)
    return okStatus();
  return error(DLC_INVALID_FILE, "'{}' is {}, expected {} elements", tensor.name,
               describe(tensor.dtype, tensor.shape), elements);
}

Status axisView(const Tensor &tensor, int64_t axis, AxisView *out) {
  int rank = tensor.shape.rank;
  if (axis < 0 || axis >= rank)
    return error(DLC_INVALID_FILE, "axis {} is outside [0, {}) for '{}'", axis, rank, tensor.name);
  *out = {1, tensor.shape[static_cast<int>(axis)], 1};
  for (int i = 0; i < axis; ++i)
    out->outer *= tensor.shape[i];
  for (int i = static_cast<int>(axis) + 1; i < rank; ++i)
    out->inner *= tensor.shape[i];
  return okStatus();
}

Shape shapeOf(const std::vector<int64_t> &dims) {
  Shape shape;
  shape.rank = static_cast<int>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i)
    shape.dims[i] = dims[i];
  return shape;
}

Status attributeList(const flatbuffers::Vector<int64_t> *list, size_t count, int64_t fallback,
                     int64_t minimum, const char *what, std::vector<int64_t> *out) {
  if (!list || list->size() == 0) {
    out->assign(count, fallback);
    return okStatus();
  }
  if (list->size() != count)
    return error(DLC_INVALID_FILE, "{} has {} values, expected {}", what, list->size(), count);
  out->assign(list->begin(), list->end());
  for (int64_t value : *out)
    if (value < minimum)
      return error(DLC_INVALID_FILE, "{} has {}, expected at least {}", what, value, minimum);
  return okStatus();
}

namespace {

Status prepareCommand(const Context &ctx, const fb::Command &command, Step *out) {
  switch (command.op_type()) {
  case fb::Op::Matmul:
    return prepareMatmul(ctx, *command.op_as_Matmul(), out);
  case fb::Op::Conv2D:
    return prepareConv2D(ctx, *command.op_as_Conv2D(), out);
  case fb::Op::Pool2D:
    return preparePool2D(ctx, *command.op_as_Pool2D(), out);
  case fb::Op::Reduce:
    return prepareReduce(ctx, *command.op_as_Reduce(), out);
  case fb::Op::Argmax:
    return prepareArgmax(ctx, *command.op_as_Argmax(), out);
  case fb::Op::Transpose:
    return prepareTranspose(ctx, *command.op_as_Transpose(), out);
  case fb::Op::Concat:
    return prepareConcat(ctx, *command.op_as_Concat(), out);
  case fb::Op::Slice:
    return prepareSlice(ctx, *command.op_as_Slice(), out);
  case fb::Op::Pad:
    return preparePad(ctx, *command.op_as_Pad(), out);
  case fb::Op::Softmax:
    return prepareSoftmax(ctx, *command.op_as_Softmax(), out);
  case fb::Op::BatchNorm:
    return prepareBatchNorm(ctx, *command.op_as_BatchNorm(), out);
  case fb::Op::LayerNorm:
    return prepareLayerNorm(ctx, *command.op_as_LayerNorm(), out);
  case fb::Op::Embedding:
    return prepareEmbedding(ctx, *command.op_as_Embedding(), out);
  case fb::Op::Dropout:
    return prepareDropout(ctx, *command.op_as_Dropout(), out);
  case fb::Op::SoftmaxCrossEntropy:
    return prepareSoftmaxCrossEntropy(ctx, *command.op_as_SoftmaxCrossEntropy(), out);
  case fb::Op::MseLoss:
    return prepareMseLoss(ctx, *command.op_as_MseLoss(), out);
  case fb::Op::Accuracy:
    return prepareAccuracy(ctx, *command.op_as_Accuracy(), out);
  case fb::Op::Copy:
    return prepareCopy(ctx, *command.op_as_Copy(), out);
  case fb::Op::Launch:
    return prepareLaunch(ctx, *command.op_as_Launch(), out);
  case fb::Op::Conv2DBackwardData:
    return prepareConv2DBackwardData(ctx, *command.op_as_Conv2DBackwardData(), out);
  case fb::Op::Conv2DBackwardFilter:
    return prepareConv2DBackwardFilter(ctx, *command.op_as_Conv2DBackwardFilter(), out);
  case fb::Op::Pool2DBackward:
    return preparePool2DBackward(ctx, *command.op_as_Pool2DBackward(), out);
  case fb::Op::BatchNormBackward:
    return prepareBatchNormBackward(ctx, *command.op_as_BatchNormBackward(), out);
  case fb::Op::LayerNormBackward:
    return prepareLayerNormBackward(ctx, *command.op_as_LayerNormBackward(), out);
  case fb::Op::SoftmaxBackward:
    return prepareSoftmaxBackward(ctx, *command.op_as_SoftmaxBackward(), out);
  case fb::Op::GpuLaunch: // the CUDA form's launches run as host kernels (prepareHostLaunch)
  case fb::Op::NONE:
  default:
    break;
  }
  return error(DLC_INVALID_FILE, "unknown command kind {}", static_cast<int>(command.op_type()));
}

struct PreparedCommand {
  Step step;
  std::string description; // "model.mlir:12:5: matmul", put in front of its errors
  double seconds = 0;      // total time in this command, with DLC_PROFILE set
};

class CpuProgram : public Program {
public:
  CpuProgram(int threads, dnnl::engine engine)
      : threads_(threads), engine_(std::move(engine)), stream_(engine_),
        profile_(std::getenv("DLC_PROFILE") != nullptr) {}

  /// With DLC_PROFILE set in the environment, each program reports the mean
  /// time of each of its commands on stderr when it is destroyed.
  ~CpuProgram() override {
    if (!profile_)
      return;
    std::vector<CommandTime> times;
    for (const PreparedCommand &command : commands_)
      times.push_back({command.seconds * 1e3, &command.description});
    printProfile("dlc profile", runs_, times);
  }

  /// The entry point's CPU commands, or with `hostKernels` its CUDA
  /// commands, generated kernels from that library.
  Status prepare(const fb::Executable &executable, const fb::EntryPoint &entry,
                 const std::vector<Tensor> &buffers, void *hostKernels) {
    Context ctx{executable, buffers, engine_, stream_, threads_};
    const auto *commands = hostKernels ? entry.cuda_commands() : entry.commands();
    if (!commands)
      return okStatus();
    for (const fb::Command *command : *commands) {
      PreparedCommand prepared;
      prepared.description = describeCommand(executable, *command);
      try {
        Status status =
            command->op_type() == fb::Op::GpuLaunch
                ? prepareHostLaunch(ctx, *command->op_as_GpuLaunch(), hostKernels, &prepared.step)
                : prepareCommand(ctx, *command, &prepared.step);
        DLC_RETURN_IF_ERROR(status.withContext(prepared.description));
      } catch (const dnnl::error &e) {
        // A shape or attribute combination oneDNN has no implementation for.
        return error(DLC_UNAVAILABLE, "{}: oneDNN cannot run this command: {}",
                     prepared.description, e.what());
      } catch (const std::bad_alloc &) {
        return error(DLC_UNAVAILABLE, "{}: out of memory preparing the command",
                     prepared.description);
      }
      commands_.push_back(std::move(prepared));
    }
    return okStatus();
  }

  size_t commandCount() const override { return commands_.size(); }

  Status runCommand(size_t i) override {
    if (i >= commands_.size())
      return error(DLC_INVALID_ARGUMENT, "command {} of {}", i, commands_.size());
    omp_set_num_threads(threads_);
    try {
      return commands_[i].step().withContext(commands_[i].description);
    } catch (const std::exception &e) {
      return error(DLC_INTERNAL, "{}: {}", commands_[i].description, e.what());
    }
  }

  Status run() override {
    omp_set_num_threads(threads_);
    size_t i = 0;
    try {
      for (; i < commands_.size(); ++i) {
        auto start =
            profile_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
        Status status = commands_[i].step();
        if (!status.ok())
          return status.withContext(commands_[i].description);
        if (profile_)
          commands_[i].seconds +=
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
      ++runs_;
    } catch (const std::exception &e) {
      return error(DLC_INTERNAL, "{}: {}", commands_[i].description, e.what());
    }
    return okStatus();
  }

private:
  int threads_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::vector<PreparedCommand> commands_;
  bool profile_;
  uint64_t runs_ = 0;
};

class CpuDevice : public Device {
public:
  /// With `hostKernels`, the device runs files' CUDA form (see
  /// emulate_cuda.cpp) and owns the library.
  CpuDevice(int threads, void *hostKernels) : threads_(threads), hostKernels_(hostKernels) {}
  ~CpuDevice() override { closeHostKernels(hostKernels_); }

  std::string name() const override {
    return fmt::format("cpu ({} threads, {}){}", threads_, vectorIsaName(vectorIsa()),
                       hostKernels_ ? ", running the CUDA form with host kernels" : "");
  }

  std::string target() const override { return hostKernels_ ? "cuda" : "cpu"; }

  Status allocate(size_t bytes, void **out) override {
    // aligned_alloc wants a multiple of the alignment; zero bytes still gets
    // a distinct pointer.
    size_t rounded = (bytes + 63) / 64 * 64;
    *out = std::aligned_alloc(64, rounded ? rounded : 64);
    if (!*out)
      return error(DLC_INTERNAL, "out of memory allocating {} bytes", bytes);
    std::memset(*out, 0, rounded);
    memory_.added(*out, rounded);
    return okStatus();
  }

  void release(void *memory) override {
    memory_.removed(memory);
    std::free(memory);
  }

  size_t peakMemoryBytes() const override { return memory_.peak(); }

  Status prepare(const fb::Executable &executable, const fb::EntryPoint &entry,
                 const std::vector<Tensor> &buffers, std::unique_ptr<Program> *out) override {
    // oneDNN sizes its work for the thread count it sees when a primitive is
    // created, so prepare and run see the same one.
    omp_set_num_threads(threads_);
    std::unique_ptr<CpuProgram> program;
    try {
      program = std::make_unique<CpuProgram>(threads_, dnnl::engine(dnnl::engine::kind::cpu, 0));
    } catch (const std::exception &e) {
      return error(DLC_UNAVAILABLE, "cannot start oneDNN on the CPU: {}", e.what());
    }
    DLC_RETURN_IF_ERROR(program->prepare(executable, entry, buffers, hostKernels_));
    *out = std::move(program);
    return okStatus();
  }

private:
  int threads_;
  void *hostKernels_;
  MemoryCounter memory_;
};

} // namespace
} // namespace cpu

const char *cpuVectorIsa() { return cpu::vectorIsaName(cpu::vectorIsa()); }

std::unique_ptr<Device> createCpuDevice(int numThreads) {
  return std::make_unique<cpu::CpuDevice>(numThreads > 0 ? numThreads : omp_get_max_threads(),
                                          nullptr);
}

Status createCudaEmulation(int numThreads, const std::string &hostKernels,
                           std::unique_ptr<Device> *out) {
  void *library = nullptr;
  DLC_RETURN_IF_ERROR(cpu::openHostKernels(hostKernels, &library));
  *out = std::make_unique<cpu::CpuDevice>(numThreads > 0 ? numThreads : omp_get_max_threads(),
                                          library);
  return okStatus();
}

} // namespace dlc::rt
