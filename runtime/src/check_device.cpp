#include "check_device.h"

#include "float16.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace dlc::rt {

CommandOperands commandOperands(const fb::Executable &executable, const fb::Command &c) {
  auto list = [](const flatbuffers::Vector<uint32_t> *v) {
    return v ? std::vector<uint32_t>(v->begin(), v->end()) : std::vector<uint32_t>();
  };
  CommandOperands o;
  switch (c.op_type()) {
  case fb::Op::Matmul: {
    auto t = c.op_as_Matmul();
    o = {{t->a(), t->b()}, {t->c()}};
    if (t->bias() >= 0)
      o.reads.push_back(static_cast<uint32_t>(t->bias()));
    break;
  }
  case fb::Op::Conv2D: {
    auto t = c.op_as_Conv2D();
    o = {{t->input(), t->filter()}, {t->output()}};
    if (t->bias() >= 0)
      o.reads.push_back(static_cast<uint32_t>(t->bias()));
    break;
  }
  case fb::Op::Pool2D:
    o = {{c.op_as_Pool2D()->input()}, {c.op_as_Pool2D()->output()}};
    break;
  case fb::Op::Reduce:
    o = {{c.op_as_Reduce()->input()}, {c.op_as_Reduce()->output()}};
    break;
  case fb::Op::Argmax:
    o = {{c.op_as_Argmax()->input()}, {c.op_as_Argmax()->output()}};
    break;
  case fb::Op::Transpose:
    o = {{c.op_as_Transpose()->input()}, {c.op_as_Transpose()->output()}};
    break;
  case fb::Op::Concat:
    o = {list(c.op_as_Concat()->inputs()), {c.op_as_Concat()->output()}};
    break;
  case fb::Op::Slice:
    o = {{c.op_as_Slice()->input()}, {c.op_as_Slice()->output()}};
    break;
  case fb::Op::Pad:
    o = {{c.op_as_Pad()->input()}, {c.op_as_Pad()->output()}};
    break;
  case fb::Op::Softmax:
    o = {{c.op_as_Softmax()->input()}, {c.op_as_Softmax()->output()}};
    break;
  case fb::Op::BatchNorm: {
    auto t = c.op_as_BatchNorm();
    o = {{t->input(), t->scale(), t->offset(), t->mean(), t->variance()}, {t->output()}};
    if (t->training()) // the running statistics are updated in place
      o.writes.insert(o.writes.end(), {t->mean(), t->variance()});
    break;
  }
  case fb::Op::LayerNorm: {
    auto t = c.op_as_LayerNorm();
    o = {{t->input(), t->scale(), t->offset()}, {t->output()}};
    break;
  }
  case fb::Op::Embedding: {
    auto t = c.op_as_Embedding();
    o = {{t->table(), t->indices()}, {t->output()}};
    break;
  }
  case fb::Op::Dropout: {
    auto t = c.op_as_Dropout();
    o = {{t->input()}, {t->output()}};
    if (t->step() >= 0)
      o.reads.push_back(static_cast<uint32_t>(t->step()));
    break;
  }
  case fb::Op::SoftmaxCrossEntropy: {
    auto t = c.op_as_SoftmaxCrossEntropy();
    o = {{t->logits(), t->labels()}, {t->output()}};
    break;
  }
  case fb::Op::MseLoss: {
    auto t = c.op_as_MseLoss();
    o = {{t->prediction(), t->target()}, {t->output()}};
    break;
  }
  case fb::Op::Accuracy: {
    auto t = c.op_as_Accuracy();
    o = {{t->logits(), t->labels()}, {t->output()}};
    break;
  }
  case fb::Op::Copy:
    o = {{c.op_as_Copy()->source()}, {c.op_as_Copy()->dest()}};
    break;
  case fb::Op::Launch:
    o = {list(c.op_as_Launch()->inputs()), list(c.op_as_Launch()->outputs())};
    break;
  case fb::Op::Conv2DBackwardData: {
    auto t = c.op_as_Conv2DBackwardData();
    o = {{t->grad(), t->filter()}, {t->output()}};
    break;
  }
  case fb::Op::Conv2DBackwardFilter: {
    auto t = c.op_as_Conv2DBackwardFilter();
    o = {{t->input(), t->grad()}, {t->output()}};
    if (t->bias_grad() >= 0)
      o.writes.push_back(static_cast<uint32_t>(t->bias_grad()));
    break;
  }
  case fb::Op::Pool2DBackward: {
    auto t = c.op_as_Pool2DBackward();
    o = {{t->input(), t->grad()}, {t->output()}};
    break;
  }
  case fb::Op::BatchNormBackward: {
    auto t = c.op_as_BatchNormBackward();
    o = {{t->input(), t->grad(), t->scale()}, {t->input_grad(), t->scale_grad(), t->offset_grad()}};
    break;
  }
  case fb::Op::SoftmaxBackward: {
    auto t = c.op_as_SoftmaxBackward();
    o = {{t->output(), t->grad()}, {t->input_grad()}};
    break;
  }
  case fb::Op::LayerNormBackward: {
    auto t = c.op_as_LayerNormBackward();
    o = {{t->input(), t->grad(), t->scale()}, {t->input_grad(), t->normalized()}};
    break;
  }
  case fb::Op::GpuLaunch: {
    auto t = c.op_as_GpuLaunch();
    std::vector<uint32_t> buffers = list(t->buffers());
    uint32_t inputs = 0;
    if (executable.cuda() && executable.cuda()->kernels() &&
        t->kernel() < executable.cuda()->kernels()->size())
      inputs = executable.cuda()->kernels()->Get(t->kernel())->num_inputs();
    inputs = std::min<uint32_t>(inputs, static_cast<uint32_t>(buffers.size()));
    o.reads.assign(buffers.begin(), buffers.begin() + inputs);
    o.writes.assign(buffers.begin() + inputs, buffers.end());
    break;
  }
  case fb::Op::NONE:
    break;
  }
  return o;
}

namespace {

/// Element i of a buffer's bytes as a double.
double element(fb::DType dtype, const uint8_t *data, size_t i) {
  switch (dtype) {
  case fb::DType::F32: {
    float v;
    std::memcpy(&v, data + 4 * i, 4);
    return v;
  }
  case fb::DType::F64: {
    double v;
    std::memcpy(&v, data + 8 * i, 8);
    return v;
  }
  case fb::DType::F16:
  case fb::DType::BF16: {
    uint16_t bits;
    std::memcpy(&bits, data + 2 * i, 2);
    return dtype == fb::DType::F16 ? fromF16(bits) : fromBf16(bits);
  }
  case fb::DType::I64: {
    int64_t v;
    std::memcpy(&v, data + 8 * i, 8);
    return static_cast<double>(v);
  }
  case fb::DType::I32: {
    int32_t v;
    std::memcpy(&v, data + 4 * i, 4);
    return v;
  }
  case fb::DType::U8:
  case fb::DType::I1:
    return data[i];
  }
  return 0;
}

/// Relative tolerance by element type; integers must match exactly.
double relativeTolerance(fb::DType dtype, double f32) {
  switch (dtype) {
  case fb::DType::F32:
    return f32;
  case fb::DType::F64:
    return 1e-10;
  case fb::DType::F16:
    return std::max(f32, 5e-3);
  case fb::DType::BF16:
    return std::max(f32, 3e-2);
  default:
    return 0;
  }
}

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Reproducible input bytes: floats in [-1, 1), integers in [0, bound).
std::vector<uint8_t> inputBytes(const BufferInfo &info, uint64_t seed, int64_t bound) {
  std::vector<uint8_t> bytes(info.bytes);
  const size_t count = info.bytes / std::max<size_t>(dtypeSize(info.dtype), 1);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t r = mix(seed * 0x100000001b3ull + i);
    const double unit = static_cast<double>(r >> 11) * 0x1.0p-53; // [0, 1)
    const float f = static_cast<float>(2 * unit - 1);
    const int64_t n = static_cast<int64_t>(r % static_cast<uint64_t>(std::max<int64_t>(bound, 1)));
    switch (info.dtype) {
    case fb::DType::F32:
      std::memcpy(&bytes[4 * i], &f, 4);
      break;
    case fb::DType::F64: {
      double d = 2 * unit - 1;
      std::memcpy(&bytes[8 * i], &d, 8);
      break;
    }
    case fb::DType::F16:
    case fb::DType::BF16: {
      uint16_t h = info.dtype == fb::DType::F16 ? toF16(f) : toBf16(f);
      std::memcpy(&bytes[2 * i], &h, 2);
      break;
    }
    case fb::DType::I64:
      std::memcpy(&bytes[8 * i], &n, 8);
      break;
    case fb::DType::I32: {
      int32_t v = static_cast<int32_t>(n);
      std::memcpy(&bytes[4 * i], &v, 4);
      break;
    }
    case fb::DType::U8:
    case fb::DType::I1:
      bytes[i] = static_cast<uint8_t>(n);
      break;
    }
  }
  return bytes;
}

/// The exclusive bound an integer input's readers accept: the class count
/// for labels, the table's rows for indices; 2 otherwise.
int64_t integerBound(const Executable &exe, const fb::EntryPoint &entry, uint32_t buffer) {
  int64_t bound = 0;
  auto limit = [&](uint32_t reader, int64_t value) {
    if (reader == buffer && value > 0)
      bound = bound == 0 ? value : std::min(bound, value);
  };
  for (const auto *commands : {entry.commands(), entry.cuda_commands()})
    if (commands)
      for (const fb::Command *c : *commands) {
        if (auto t = c->op_as_SoftmaxCrossEntropy()) {
          const Shape &s = exe.bufferInfo(t->logits()).shape;
          limit(t->labels(), s.rank ? s[s.rank - 1] : 0);
        } else if (auto t = c->op_as_Accuracy()) {
          const Shape &s = exe.bufferInfo(t->logits()).shape;
          limit(t->labels(), s.rank ? s[s.rank - 1] : 0);
        } else if (auto t = c->op_as_Embedding()) {
          const Shape &s = exe.bufferInfo(t->table()).shape;
          limit(t->indices(), s.rank ? s[0] : 0);
        }
      }
  return bound == 0 ? 2 : bound;
}

Status readBuffer(Session &session, uint32_t buffer, std::vector<uint8_t> *bytes) {
  const Tensor &t = session.tensor(buffer);
  bytes->resize(t.bytes());
  return session.device().download(bytes->data(), t.data, bytes->size());
}

/// How far `actual` is from `expected` (a buffer's bytes, `count` elements
/// of `dtype`).
struct Difference {
  double maxAbs = 0; // the largest |actual - expected|
  double scale = 0;  // the largest finite |expected|
  double excess = 0; // the largest |actual - expected| / (rtol (|expected| + scale))
};

Difference compareBytes(fb::DType dtype, const std::vector<uint8_t> &expected,
                        const std::vector<uint8_t> &actual, size_t count, double rtol) {
  Difference d;
  for (size_t k = 0; k < count; ++k) {
    double v = std::fabs(element(dtype, expected.data(), k));
    if (std::isfinite(v))
      d.scale = std::max(d.scale, v);
  }
  for (size_t k = 0; k < count; ++k) {
    const double want = element(dtype, expected.data(), k);
    const double got = element(dtype, actual.data(), k);
    double difference;
    if (std::isnan(want) || std::isnan(got))
      difference = std::isnan(want) && std::isnan(got) ? 0 : INFINITY;
    else if (std::isinf(want) || std::isinf(got))
      difference = want == got ? 0 : INFINITY;
    else
      difference = std::fabs(got - want);
    d.maxAbs = std::max(d.maxAbs, difference);
    // Relative to the element and to the buffer's largest value, so that a
    // value near zero from a long sum is judged by its terms.
    const double allowed = rtol * (std::fabs(want) + d.scale);
    const double ratio = difference == 0 ? 0 : allowed > 0 ? difference / allowed : INFINITY;
    d.excess = std::max(d.excess, ratio);
  }
  return d;
}

} // namespace

Status compareWithCpu(std::shared_ptr<const Executable> executable, const std::string &entry,
                      const std::string &deviceName, const DeviceOptions &options,
                      DeviceComparison *out) {
  const Executable &exe = *executable;
  size_t e = 0;
  DLC_RETURN_IF_ERROR(exe.findEntryPoint(entry, &e));
  const fb::EntryPoint &ep = exe.entryPoint(e);

  std::unique_ptr<Device> cpuDevice, device;
  DLC_RETURN_IF_ERROR(createDevice("cpu", options, &cpuDevice));
  std::string note;
  DLC_RETURN_IF_ERROR(openDevice(deviceName, options, exe, &device, &note));
  if (device->target() == "cpu")
    return error(DLC_INVALID_ARGUMENT,
                 "--check-device compares a device with the CPU; '{}' is the CPU", deviceName);
  out->entry = entry;
  out->device = device->name();
  out->rtol = options.tf32 ? 5e-3 : 1e-4;
  std::unique_ptr<Session> cpu, other;
  DLC_RETURN_IF_ERROR(Session::create(executable, std::move(cpuDevice), 0, &cpu));
  DLC_RETURN_IF_ERROR(Session::create(executable, std::move(device), 0, &other));

  for (size_t k = 0; k < exe.inputCount(e); ++k) {
    const uint32_t buffer = exe.inputBuffer(e, k);
    const BufferInfo info = exe.bufferInfo(buffer);
    std::vector<uint8_t> bytes = inputBytes(info, k + 1, integerBound(exe, ep, buffer));
    DLC_RETURN_IF_ERROR(
        cpu->setInput(entry, info.name, info.dtype, info.shape, bytes.data(), bytes.size()));
  }
  Program *cpuProgram = nullptr, *otherProgram = nullptr;
  DLC_RETURN_IF_ERROR(cpu->program(e, &cpuProgram));
  DLC_RETURN_IF_ERROR(other->program(e, &otherProgram));

  // Which device commands stand for each CPU command: the consecutive ones
  // that write only what it writes.
  const auto *cpuCommands = ep.commands();
  const auto *deviceCommands = ep.cuda_commands();
  const size_t cpuCount = cpuCommands ? cpuCommands->size() : 0;
  const size_t deviceCount = deviceCommands ? deviceCommands->size() : 0;
  if (cpuProgram->commandCount() != cpuCount || otherProgram->commandCount() != deviceCount)
    return error(DLC_INTERNAL, "the prepared programs do not have the file's commands");
  std::vector<CommandOperands> cpuOps(cpuCount), deviceOps(deviceCount);
  for (size_t i = 0; i < cpuCount; ++i)
    cpuOps[i] = commandOperands(exe.root(), *cpuCommands->Get(i));
  for (size_t j = 0; j < deviceCount; ++j)
    deviceOps[j] = commandOperands(exe.root(), *deviceCommands->Get(j));
  std::vector<std::vector<size_t>> groups(cpuCount);
  size_t j = 0;
  for (size_t i = 0; i < cpuCount && j < deviceCount; ++i) {
    const std::set<uint32_t> writes(cpuOps[i].writes.begin(), cpuOps[i].writes.end());
    while (j < deviceCount) {
      const std::vector<uint32_t> &w = deviceOps[j].writes;
      if (w.empty() ||
          !std::all_of(w.begin(), w.end(), [&](uint32_t b) { return writes.count(b) > 0; }))
        break;
      groups[i].push_back(j++);
    }
  }
  if (j < deviceCount)
    return error(DLC_INTERNAL,
                 "the device's command {} ({}) matches no CPU command: the two forms of '{}' do "
                 "not follow each other",
                 j, describeCommand(exe.root(), *deviceCommands->Get(j)), entry);

  std::vector<uint8_t> expected, actual;
  for (size_t i = 0; i < cpuCount; ++i) {
    CommandComparison row;
    row.description = describeCommand(exe.root(), *cpuCommands->Get(i));
    row.deviceCommands = groups[i].size();
    // Everything either side reads, as the CPU has it before the command.
    std::set<uint32_t> reads(cpuOps[i].reads.begin(), cpuOps[i].reads.end());
    for (size_t d : groups[i]) {
      reads.insert(deviceOps[d].reads.begin(), deviceOps[d].reads.end());
      reads.insert(deviceOps[d].writes.begin(), deviceOps[d].writes.end()); // updated in place
    }
    std::vector<std::pair<uint32_t, std::vector<uint8_t>>> before(reads.size());
    size_t r = 0;
    for (uint32_t buffer : reads) {
      before[r].first = buffer;
      DLC_RETURN_IF_ERROR(readBuffer(*cpu, buffer, &before[r++].second));
    }
    DLC_RETURN_IF_ERROR(cpuProgram->runCommand(i).withContext("running it on the CPU"));
    if (groups[i].empty()) {
      out->commands.push_back(row);
      continue;
    }
    for (const auto &[buffer, bytes] : before)
      DLC_RETURN_IF_ERROR(
          other->device().upload(other->tensor(buffer).data, bytes.data(), bytes.size()));
    for (size_t d : groups[i])
      DLC_RETURN_IF_ERROR(otherProgram->runCommand(d).withContext("running it on " + out->device));
    row.compared = true;
    for (uint32_t buffer : cpuOps[i].writes) {
      const Tensor &t = cpu->tensor(buffer);
      DLC_RETURN_IF_ERROR(readBuffer(*cpu, buffer, &expected));
      DLC_RETURN_IF_ERROR(readBuffer(*other, buffer, &actual));
      const Difference d =
          compareBytes(t.dtype, expected, actual, static_cast<size_t>(t.elements()),
                       relativeTolerance(t.dtype, out->rtol));
      if (d.excess >= row.tolerance) {
        row.tolerance = d.excess;
        row.worstBuffer = t.name;
        row.maxAbsError = d.maxAbs;
        row.maxRelError = d.scale > 0 ? d.maxAbs / d.scale : d.maxAbs;
      }
    }
    if (row.tolerance > 1 && out->firstBeyond < 0)
      out->firstBeyond = static_cast<int>(out->commands.size());
    out->commands.push_back(row);
  }
  return okStatus();
}

std::string formatComparison(const DeviceComparison &c) {
  std::string text =
      fmt::format("'{}' on {} against the CPU, command by command from the same inputs "
                  "(f32 tolerance: {:g} of the value plus {:g} of the buffer's largest value):\n",
                  c.entry, c.device, c.rtol, c.rtol);
  text += fmt::format("  {:>4}  {:<11} {:<11} {:<9} {:<6} {}\n", "#", "max |error|", "/ max|cpu|",
                      "err / tol", "", "command -> worst output");
  size_t compared = 0;
  for (size_t i = 0; i < c.commands.size(); ++i) {
    const CommandComparison &row = c.commands[i];
    if (!row.compared) {
      text += fmt::format("  {:>4}  {:<11} {:<11} {:<9} {:<6} {} (no counterpart on the device)\n",
                          i, "-", "-", "-", "-", row.description);
      continue;
    }
    ++compared;
    text += fmt::format(
        "  {:>4}  {:<11.3g} {:<11.3g} {:<9.3g} {:<6} {}{} -> {}\n", i, row.maxAbsError,
        row.maxRelError, row.tolerance, row.tolerance > 1 ? "BEYOND" : "ok", row.description,
        row.deviceCommands > 1 ? fmt::format(" ({} device commands)", row.deviceCommands)
                               : std::string(),
        row.worstBuffer);
  }
  if (c.firstBeyond >= 0)
    text += fmt::format("first command beyond tolerance: #{} {}\n", c.firstBeyond,
                        c.commands[c.firstBeyond].description);
  else
    text += fmt::format("all {} commands within tolerance\n", compared);
  return text;
}

} // namespace dlc::rt
