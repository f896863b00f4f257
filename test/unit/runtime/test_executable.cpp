#include "test_executable.h"

#include "dtype_info.h"

#include <cstring>

namespace dlc::test {

namespace {

std::vector<uint8_t> floatBytes(const std::vector<float> &values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

} // namespace

BufferSpec buffer(const std::string &name, fb::DType dtype, std::vector<int64_t> shape,
                  fb::Role role, fb::Region region, int32_t entryPoint, uint64_t offset) {
  uint64_t size = fb::dtypeSize(dtype);
  for (int64_t d : shape)
    size *= static_cast<uint64_t>(d);
  return {name, dtype, std::move(shape), role, region, entryPoint, offset, size};
}

CommandSpec copyCommand(uint32_t source, uint32_t dest, int32_t location) {
  return {
      fb::Op::Copy,
      [=](flatbuffers::FlatBufferBuilder &b) { return fb::CreateCopy(b, source, dest).Union(); },
      location};
}

CommandSpec launchCommand(uint32_t kernel, std::vector<uint32_t> inputs,
                          std::vector<uint32_t> outputs) {
  return {fb::Op::Launch,
          [=](flatbuffers::FlatBufferBuilder &b) {
            return fb::CreateLaunchDirect(b, kernel, &inputs, &outputs).Union();
          },
          -1};
}

CommandSpec gpuLaunchCommand(uint32_t kernel, std::vector<uint32_t> buffers) {
  return {fb::Op::GpuLaunch,
          [=](flatbuffers::FlatBufferBuilder &b) {
            return fb::CreateGpuLaunchDirect(b, kernel, &buffers).Union();
          },
          -1};
}

std::vector<uint8_t> build(const ExecutableSpec &spec) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  for (const BufferSpec &s : spec.buffers)
    buffers.push_back(fb::CreateBuffer(b, b.CreateString(s.name), s.dtype, b.CreateVector(s.shape),
                                       s.role, s.region, s.entryPoint, s.offset, s.size));
  std::vector<flatbuffers::Offset<fb::Initializer>> initializers;
  for (const InitializerSpec &s : spec.initializers)
    initializers.push_back(fb::CreateInitializerDirect(
        b, s.buffer, s.kind, s.value, s.low, s.high, s.mean, s.stddev, s.seed,
        s.kind == fb::InitKind::Data ? &s.data : nullptr, "test"));
  std::vector<flatbuffers::Offset<fb::Kernel>> kernels;
  for (const KernelSpec &k : spec.kernels) {
    std::vector<flatbuffers::Offset<fb::Instruction>> instructions;
    for (const InstructionSpec &i : k.instructions)
      instructions.push_back(
          fb::CreateInstructionDirect(b, i.opcode, &i.operands, i.index, i.value, i.dtype));
    kernels.push_back(fb::CreateKernelDirect(b, k.name.c_str(), &k.shape, k.computeType,
                                             k.numInputs, &instructions, &k.results));
  }
  std::vector<flatbuffers::Offset<fb::Location>> locations;
  for (const LocationSpec &l : spec.locations)
    locations.push_back(fb::CreateLocationDirect(b, l.file.c_str(), l.line, l.column));
  std::vector<flatbuffers::Offset<fb::EntryPoint>> entries;
  auto writeCommands = [&](const std::vector<CommandSpec> &specs) {
    std::vector<flatbuffers::Offset<fb::Command>> commands;
    for (const CommandSpec &c : specs) {
      flatbuffers::Offset<void> op = c.op ? c.op(b) : flatbuffers::Offset<void>();
      commands.push_back(fb::CreateCommand(b, c.type, op, c.location));
    }
    return commands;
  };
  for (const EntryPointSpec &e : spec.entryPoints) {
    std::vector<flatbuffers::Offset<fb::Command>> commands = writeCommands(e.commands);
    std::vector<flatbuffers::Offset<fb::Command>> cudaCommands = writeCommands(e.cudaCommands);
    entries.push_back(fb::CreateEntryPointDirect(b, e.name.c_str(), &e.inputs, &e.outputs,
                                                 e.arenaSize, &commands,
                                                 spec.hasCuda ? &cudaCommands : nullptr));
  }
  flatbuffers::Offset<fb::CudaTarget> cuda = 0;
  if (spec.hasCuda) {
    std::vector<flatbuffers::Offset<fb::GpuKernel>> gpuKernels;
    for (const GpuKernelSpec &k : spec.cuda.kernels)
      gpuKernels.push_back(fb::CreateGpuKernelDirect(
          b, k.name.c_str(), &k.grid, &k.block, k.sharedMemory, &k.parameterBytes, k.numInputs));
    // CreateString keeps the PTX's length: a test may put a NUL in it.
    cuda = fb::CreateCudaTarget(b, b.CreateString(spec.cuda.chip), b.CreateString(spec.cuda.ptx),
                                b.CreateVector(gpuKernels));
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> targets;
  for (const std::string &t : spec.targets)
    targets.push_back(b.CreateString(t));
  auto root = fb::CreateExecutableDirect(
      b, spec.version, spec.model.c_str(), "tiny.mlir", &targets, &buffers, &initializers,
      spec.persistentSize, &spec.constants, &kernels, &locations, &entries, "sgd", nullptr, cuda);
  fb::FinishExecutableBuffer(b, root);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

ExecutableSpec tinySpec() {
  using fb::DType;
  using fb::Region;
  using fb::Role;
  ExecutableSpec spec;
  spec.buffers = {
      buffer("w", DType::F32, {2, 3}, Role::Parameter, Region::Persistent, -1, 0),
      buffer("b", DType::F32, {3}, Role::Parameter, Region::Persistent, -1, 64),
      buffer("step", DType::I64, {}, Role::State, Region::Persistent, -1, 128),
      buffer("w.m", DType::F32, {2, 3}, Role::OptimizerState, Region::Persistent, -1, 192),
      buffer("x", DType::F32, {2, 3}, Role::Input, Region::Arena, 0, 0),
      buffer("y", DType::F32, {2, 3}, Role::Output, Region::Arena, 0, 64),
      buffer("t", DType::F32, {2, 3}, Role::Temporary, Region::Arena, 0, 128),
      buffer("scale", DType::F32, {3}, Role::Constant, Region::Constants, -1, 0),
      buffer("z", DType::U8, {4}, Role::Input, Region::Arena, 1, 0),
      buffer("z_out", DType::U8, {4}, Role::Output, Region::Arena, 1, 64),
      buffer("a", DType::F32, {2, 3}, Role::Input, Region::Arena, 2, 0),
      buffer("c", DType::F32, {2, 3}, Role::Output, Region::Arena, 2, 64),
  };
  spec.persistentSize = 256;
  spec.constants = floatBytes({10, 20, 30, 0});
  InitializerSpec w;
  w.buffer = kW;
  w.kind = fb::InitKind::Uniform;
  w.low = -1;
  w.high = 1;
  w.seed = 7;
  InitializerSpec bias;
  bias.buffer = kB;
  bias.kind = fb::InitKind::Data;
  bias.data = floatBytes({0.5f, 1.5f, 2.5f});
  InitializerSpec step;
  step.buffer = kStep;
  step.kind = fb::InitKind::Fill;
  step.value = 3;
  spec.initializers = {w, bias, step};

  KernelSpec addScale;
  addScale.name = "add_scale";
  addScale.shape = {2, 3};
  addScale.numInputs = 2;
  addScale.instructions = {{fb::Opcode::Load, {}, 0, 0, DType::F32},
                           {fb::Opcode::Load, {}, 1, 0, DType::F32},
                           {fb::Opcode::Add, {0, 1}, 0, 0, DType::F32}};
  addScale.results = {2};
  spec.kernels = {addScale};
  spec.locations = {{"tiny.mlir", 3, 5}};
  spec.entryPoints = {
      {"forward", {kX}, {kY}, 192, {copyCommand(kX, kT, 0), copyCommand(kT, kY)}, {}},
      {"other", {kZ}, {kZOut}, 128, {copyCommand(kZ, kZOut)}, {}},
      {"fused", {kA}, {kC}, 128, {launchCommand(0, {kA, kScale}, {kC})}, {}},
  };
  return spec;
}

ExecutableSpec tinyCudaSpec() {
  ExecutableSpec spec = tinySpec();
  spec.targets = {"cpu", "cuda"};
  spec.hasCuda = true;
  auto kernel = [](const char *name, std::vector<uint64_t> bytes, uint32_t inputs) {
    GpuKernelSpec k;
    k.name = name;
    k.parameterBytes = std::move(bytes);
    k.numInputs = inputs;
    return k;
  };
  spec.cuda.kernels = {kernel("copy2x3", {24, 24}, 1), kernel("copy4", {4, 4}, 1),
                       kernel("add_scale", {24, 12, 24}, 2)};
  for (const GpuKernelSpec &k : spec.cuda.kernels)
    spec.cuda.ptx += ".visible .entry " + k.name + "(\n)\n{\n\tret;\n}\n";
  spec.entryPoints[0].cudaCommands = {gpuLaunchCommand(0, {kX, kT}), gpuLaunchCommand(0, {kT, kY})};
  spec.entryPoints[1].cudaCommands = {gpuLaunchCommand(1, {kZ, kZOut})};
  spec.entryPoints[2].cudaCommands = {gpuLaunchCommand(2, {kA, kScale, kC})};
  return spec;
}

ExecutableSpec allOpsSpec() {
  using fb::DType;
  using fb::Region;
  using fb::Role;
  using Builder = flatbuffers::FlatBufferBuilder;
  ExecutableSpec spec = tinySpec();
  const int32_t entry = static_cast<int32_t>(spec.entryPoints.size());
  uint64_t persistentEnd = 256, arenaEnd = 0;
  auto add = [&](const char *name, DType dtype, std::vector<int64_t> shape, Role role) {
    const bool persistent = role == Role::Parameter || role == Role::State;
    uint64_t &end = persistent ? persistentEnd : arenaEnd;
    spec.buffers.push_back(buffer(name, dtype, std::move(shape), role,
                                  persistent ? Region::Persistent : Region::Arena,
                                  persistent ? -1 : entry, end));
    end += (spec.buffers.back().size + 63) / 64 * 64;
    return static_cast<uint32_t>(spec.buffers.size() - 1);
  };
  auto init = [&](uint32_t buffer, fb::InitKind kind, double a, double b) {
    InitializerSpec i;
    i.buffer = buffer;
    i.kind = kind;
    i.value = i.low = i.mean = a;
    i.high = i.stddev = b;
    i.seed = buffer;
    spec.initializers.push_back(i);
  };
  const uint32_t img = add("img", DType::F32, {2, 3, 8, 8}, Role::Input);
  const uint32_t labels = add("labels", DType::I32, {2}, Role::Input);
  const uint32_t loss = add("loss", DType::F32, {}, Role::Output);
  const uint32_t acc = add("acc", DType::F32, {}, Role::Output);
  const uint32_t filt = add("filt", DType::F32, {4, 3, 3, 3}, Role::Parameter);
  const uint32_t cb = add("cb", DType::F32, {4}, Role::Parameter);
  const uint32_t scale = add("bn_scale", DType::F32, {4}, Role::Parameter);
  const uint32_t offset = add("bn_offset", DType::F32, {4}, Role::Parameter);
  const uint32_t mean = add("bn_mean", DType::F32, {4}, Role::State);
  const uint32_t var = add("bn_var", DType::F32, {4}, Role::State);
  const uint32_t fc = add("fc", DType::F32, {6, 5}, Role::Parameter);
  const uint32_t fcb = add("fc_bias", DType::F32, {5}, Role::Parameter);
  const uint32_t emb = add("emb", DType::F32, {10, 3}, Role::Parameter);
  init(filt, fb::InitKind::Normal, 0, 0.3);
  init(scale, fb::InitKind::Fill, 1, 0);
  init(var, fb::InitKind::Fill, 1, 0);
  init(fc, fb::InitKind::Uniform, -0.5, 0.5);
  init(emb, fb::InitKind::Normal, 0, 1);
  const uint32_t conv = add("conv", DType::F32, {2, 4, 6, 6}, Role::Temporary);
  const uint32_t bn = add("bn", DType::F32, {2, 4, 6, 6}, Role::Temporary);
  const uint32_t pooled = add("pooled", DType::F32, {2, 4, 3, 3}, Role::Temporary);
  const uint32_t tp = add("tp", DType::F32, {2, 3, 3, 4}, Role::Temporary);
  const uint32_t red = add("red", DType::F32, {2, 4}, Role::Temporary);
  const uint32_t sm = add("sm", DType::F32, {2, 4}, Role::Temporary);
  const uint32_t ln = add("ln", DType::F32, {2, 4}, Role::Temporary);
  const uint32_t dr = add("dr", DType::F32, {2, 4}, Role::Temporary);
  const uint32_t cc = add("cc", DType::F32, {2, 8}, Role::Temporary);
  const uint32_t sl = add("sl", DType::F32, {2, 4}, Role::Temporary);
  const uint32_t pd = add("pd", DType::F32, {2, 6}, Role::Temporary);
  const uint32_t logits = add("logits", DType::F32, {2, 5}, Role::Temporary);
  const uint32_t am = add("am", DType::I64, {2}, Role::Temporary);
  const uint32_t em = add("em", DType::F32, {2, 3}, Role::Temporary);
  const uint32_t em2 = add("em2", DType::F32, {2, 3}, Role::Temporary);
  const uint32_t mse = add("mse", DType::F32, {}, Role::Temporary);
  const uint32_t k = add("k", DType::F32, {2, 3}, Role::Temporary);
  const uint32_t dimg = add("dimg", DType::F32, {2, 3, 8, 8}, Role::Temporary);
  const uint32_t dfilt = add("dfilt", DType::F32, {4, 3, 3, 3}, Role::Temporary);
  const uint32_t dbn = add("dbn", DType::F32, {2, 4, 6, 6}, Role::Temporary);
  const uint32_t dconv = add("dconv", DType::F32, {2, 4, 6, 6}, Role::Temporary);
  const uint32_t dscale = add("dscale", DType::F32, {4}, Role::Temporary);
  const uint32_t doffset = add("doffset", DType::F32, {4}, Role::Temporary);
  const uint32_t dln = add("dln", DType::F32, {2, 4}, Role::Temporary);
  const uint32_t xhat = add("xhat", DType::F32, {2, 4}, Role::Temporary);
  const uint32_t dsm = add("dsm", DType::F32, {2, 4}, Role::Temporary);
  spec.persistentSize = persistentEnd;

  auto op = [](fb::Op type, std::function<flatbuffers::Offset<void>(Builder &)> build) {
    return CommandSpec{type, std::move(build), 0};
  };
  using V = std::vector<int64_t>;
  std::vector<CommandSpec> commands = {
      op(fb::Op::Conv2D,
         [=](Builder &b) {
           V one = {1, 1}, zero = {0, 0, 0, 0};
           return fb::CreateConv2DDirect(b, img, filt, conv, static_cast<int32_t>(cb), &one, &zero,
                                         &one)
               .Union();
         }),
      op(fb::Op::BatchNorm,
         [=](Builder &b) {
           return fb::CreateBatchNorm(b, conv, scale, offset, mean, var, bn, 1e-5, 0.1, true)
               .Union();
         }),
      op(fb::Op::Pool2D,
         [=](Builder &b) {
           V two = {2, 2}, zero = {0, 0, 0, 0};
           return fb::CreatePool2DDirect(b, fb::PoolKind::Max, bn, pooled, &two, &two, &zero)
               .Union();
         }),
      op(fb::Op::Pool2DBackward,
         [=](Builder &b) {
           V two = {2, 2}, zero = {0, 0, 0, 0};
           return fb::CreatePool2DBackwardDirect(b, fb::PoolKind::Max, bn, pooled, dbn, &two, &two,
                                                 &zero)
               .Union();
         }),
      op(fb::Op::BatchNormBackward,
         [=](Builder &b) {
           return fb::CreateBatchNormBackward(b, conv, dbn, scale, dconv, dscale, doffset, 1e-5)
               .Union();
         }),
      op(fb::Op::Conv2DBackwardData,
         [=](Builder &b) {
           V one = {1, 1}, zero = {0, 0, 0, 0};
           return fb::CreateConv2DBackwardDataDirect(b, conv, filt, dimg, &one, &zero, &one)
               .Union();
         }),
      op(fb::Op::Conv2DBackwardFilter,
         [=](Builder &b) {
           V one = {1, 1}, zero = {0, 0, 0, 0};
           return fb::CreateConv2DBackwardFilterDirect(b, img, conv, dfilt, &one, &zero, &one)
               .Union();
         }),
      op(fb::Op::Transpose,
         [=](Builder &b) {
           V perm = {0, 2, 3, 1};
           return fb::CreateTransposeDirect(b, pooled, tp, &perm).Union();
         }),
      op(fb::Op::Reduce,
         [=](Builder &b) {
           V axes = {1, 2};
           return fb::CreateReduceDirect(b, fb::ReduceKind::Mean, tp, red, &axes).Union();
         }),
      op(fb::Op::Softmax, [=](Builder &b) { return fb::CreateSoftmax(b, red, sm, 1).Union(); }),
      op(fb::Op::SoftmaxBackward,
         [=](Builder &b) { return fb::CreateSoftmaxBackward(b, sm, red, dsm, 1).Union(); }),
      op(fb::Op::LayerNorm,
         [=](Builder &b) {
           return fb::CreateLayerNorm(b, sm, scale, offset, ln, 1, 1e-5).Union();
         }),
      op(fb::Op::LayerNormBackward,
         [=](Builder &b) {
           return fb::CreateLayerNormBackward(b, sm, ln, scale, dln, xhat, 1, 1e-5).Union();
         }),
      op(fb::Op::Dropout,
         [=](Builder &b) { return fb::CreateDropout(b, ln, dr, 0.5, 42, true).Union(); }),
      op(fb::Op::Concat,
         [=](Builder &b) {
           std::vector<uint32_t> inputs = {dr, sm};
           return fb::CreateConcatDirect(b, &inputs, cc, 1).Union();
         }),
      op(fb::Op::Slice,
         [=](Builder &b) {
           V starts = {0, 0}, strides = {1, 2};
           return fb::CreateSliceDirect(b, cc, sl, &starts, &strides).Union();
         }),
      op(fb::Op::Pad,
         [=](Builder &b) {
           V low = {0, 1};
           return fb::CreatePadDirect(b, sl, pd, &low, 0.0).Union();
         }),
      op(fb::Op::Matmul,
         [=](Builder &b) {
           return fb::CreateMatmul(b, pd, fc, logits, static_cast<int32_t>(fcb), false, false,
                                   fb::Activation::Relu)
               .Union();
         }),
      op(fb::Op::Argmax, [=](Builder &b) { return fb::CreateArgmax(b, logits, am, 1).Union(); }),
      op(fb::Op::Embedding,
         [=](Builder &b) { return fb::CreateEmbedding(b, emb, labels, em).Union(); }),
      op(fb::Op::SoftmaxCrossEntropy,
         [=](Builder &b) {
           return fb::CreateSoftmaxCrossEntropy(b, logits, labels, loss).Union();
         }),
      op(fb::Op::Accuracy,
         [=](Builder &b) { return fb::CreateAccuracy(b, logits, labels, acc).Union(); }),
      copyCommand(em, em2),
      op(fb::Op::MseLoss,
         [=](Builder &b) {
           return fb::CreateMseLoss(b, em, em2, mse, fb::LossReduction::BatchMean).Union();
         }),
      launchCommand(0, {em, kScale}, {k}),
  };
  spec.entryPoints.push_back(
      {"ops", {img, labels}, {loss, acc}, arenaEnd, std::move(commands), {}});
  return spec;
}

} // namespace dlc::test
