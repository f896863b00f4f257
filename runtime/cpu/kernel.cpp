// Launch: the tile interpreter for the compiler's fused elementwise kernels.
// A kernel's instructions run over tiles of kTile elements of its iteration
// space, each instruction one tight loop over the tile in the compute type
// (float or double; exp, tanh and erf in float are vmath.h's, which
// vectorize). Inputs are read with NumPy broadcasting and converted
// from their dtypes; each result is converted to its output's dtype when
// stored. Tiles are spread over threads; each thread has its own scratch.
#include "cpu_commands.h"
#include "dtype.h"
#include "verify.h" // operandCount
#include "vmath.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace dlc::rt::cpu {
namespace {

constexpr int64_t kTile = 1024;
// A kernel needing more scratch than this (thousands of live values) is
// refused rather than allocated.
constexpr size_t kMaxScratchBytes = size_t(256) << 20;

// How an input is read for elements [start, start + n) of the iteration
// space: as it is (Full), one value (Scalar), or through broadcast strides
// over the iteration space with adjacent dims merged where possible.
struct InputPlan {
  enum Kind { Full, Scalar, Broadcast };
  const void *data;
  fb::DType dtype;
  Kind kind;
  std::vector<int64_t> dims, strides; // Broadcast; a stride of 0 repeats
};

template <typename C>
using LoadFunction = void (*)(const InputPlan &, int64_t start, int64_t n, C *out);
template <typename C>
using StoreFunction = void (*)(const C *values, int64_t start, int64_t n, void *data);

template <typename S, typename C>
DLC_VECTOR_BODY void loadInput(const InputPlan &in, int64_t start, int64_t n, C *out) {
  const S *source = static_cast<const S *>(in.data);
  if (in.kind == InputPlan::Full) {
    for (int64_t k = 0; k < n; ++k)
      out[k] = toCompute<C>(source[start + k]);
    return;
  }
  if (in.kind == InputPlan::Scalar) {
    C value = toCompute<C>(source[0]);
    for (int64_t k = 0; k < n; ++k)
      out[k] = value;
    return;
  }
  // Walk the iteration space from `start` one run of the last dim at a time.
  int last = static_cast<int>(in.dims.size()) - 1;
  int64_t index[kMaxRank], offset = 0, rest = start;
  for (int d = last; d >= 0; --d) {
    index[d] = rest % in.dims[d];
    rest /= in.dims[d];
    offset += index[d] * in.strides[d];
  }
  int64_t stride = in.strides[last];
  for (int64_t k = 0; k < n;) {
    int64_t run = std::min(in.dims[last] - index[last], n - k);
    if (stride == 0) {
      C value = toCompute<C>(source[offset]);
      for (int64_t j = 0; j < run; ++j)
        out[k + j] = value;
    } else {
      for (int64_t j = 0; j < run; ++j)
        out[k + j] = toCompute<C>(source[offset + j * stride]);
    }
    k += run;
    offset += run * stride;
    index[last] += run;
    for (int d = last; d > 0 && index[d] == in.dims[d]; --d) {
      offset += in.strides[d - 1] - in.dims[d] * in.strides[d];
      index[d] = 0;
      ++index[d - 1];
    }
  }
}

template <typename S, typename C>
DLC_VECTOR_BODY void storeOutput(const C *values, int64_t start, int64_t n, void *data) {
  S *dest = static_cast<S *>(data) + start;
  for (int64_t k = 0; k < n; ++k)
    dest[k] = fromCompute<S>(values[k]);
}

template <typename C> struct Instruction {
  fb::Opcode opcode;
  int operands[3];
  int slot;             // its tile in a thread's scratch; -1: a view of the input
  int input;            // Load
  fb::DType dtype;      // Cast
  LoadFunction<C> load; // Load
  C value;              // Constant
};

template <typename C> struct Output {
  void *data;
  size_t bytes;
  int value;
  StoreFunction<C> store;
};

template <typename C>
DLC_VECTOR_BODY void evaluate(const Instruction<C> &in, const C *const *values, C *out, int64_t n) {
  const C *a = values[in.operands[0]], *b = values[in.operands[1]], *c = values[in.operands[2]];
  auto unary = [&](auto f) {
    for (int64_t k = 0; k < n; ++k)
      out[k] = f(a[k]);
  };
  auto binary = [&](auto f) {
    for (int64_t k = 0; k < n; ++k)
      out[k] = f(a[k], b[k]);
  };
  using O = fb::Opcode;
  switch (in.opcode) {
  case O::Neg:
    return unary([](C x) { return -x; });
  case O::Abs:
    return unary([](C x) { return std::abs(x); });
  case O::Exp:
    return unary([](C x) { return Math<C>::exp(x); });
  case O::Log:
    return unary([](C x) { return std::log(x); });
  case O::Sqrt:
    return unary([](C x) { return std::sqrt(x); });
  case O::Rsqrt:
    return unary([](C x) { return C(1) / std::sqrt(x); });
  case O::Tanh:
    return unary([](C x) { return Math<C>::tanh(x); });
  case O::Sin:
    return unary([](C x) { return std::sin(x); });
  case O::Cos:
    return unary([](C x) { return std::cos(x); });
  case O::Sigmoid:
    return unary([](C x) { return C(1) / (C(1) + Math<C>::exp(-x)); });
  case O::Relu:
    return unary([](C x) { return x < 0 ? C(0) : x; });
  case O::Gelu: // x * Phi(x), Phi the standard normal CDF
    return unary([](C x) { return Math<C>::gelu(x); });
  case O::GeluTanh: // the tanh approximation of Hendrycks & Gimpel
    return unary([](C x) {
      const C k = C(0.7978845608028654); // sqrt(2 / pi)
      return C(0.5) * x * (C(1) + Math<C>::tanh(k * (x + C(0.044715) * x * x * x)));
    });
  case O::GeluGrad: // dy * (Phi(x) + x phi(x))
    return binary([](C x, C dy) { return dy * Math<C>::geluSlope(x); });
  case O::GeluTanhGrad: // t = tanh(u), u = k (x + c x^3)
    return binary([](C x, C dy) {
      // 1 + t and 1 - t^2 from e = e^{-2|u|} (2e / (1 + e) and 4e / (1 + e)^2
      // for negative u), which keep their relative accuracy where t -> -1.
      const C k = C(0.7978845608028654), c = C(0.044715);
      const C x2 = x * x, u = k * (x + c * x2 * x);
      const C e = Math<C>::exp(C(-2) * (u < 0 ? -u : u)), inverse = C(1) / (C(1) + e);
      const C onePlusT = (u < 0 ? C(2) * e : C(2)) * inverse;
      const C oneMinusT2 = C(4) * e * inverse * inverse;
      return dy * (C(0.5) * onePlusT + C(0.5) * x * (oneMinusT2 * (k * (C(1) + C(3) * c * x2))));
    });
  case O::Add:
    return binary([](C x, C y) { return x + y; });
  case O::Sub:
    return binary([](C x, C y) { return x - y; });
  case O::Mul:
    return binary([](C x, C y) { return x * y; });
  case O::Div:
    return binary([](C x, C y) { return x / y; });
  case O::Pow:
    return binary([](C x, C y) { return std::pow(x, y); });
  case O::Maximum: // NaN wins, as in NumPy
    return binary([](C x, C y) { return x > y || x != x ? x : y; });
  case O::Minimum:
    return binary([](C x, C y) { return x < y || x != x ? x : y; });
  case O::CmpEq:
    return binary([](C x, C y) { return C(x == y); });
  case O::CmpNe:
    return binary([](C x, C y) { return C(x != y); });
  case O::CmpLt:
    return binary([](C x, C y) { return C(x < y); });
  case O::CmpLe:
    return binary([](C x, C y) { return C(x <= y); });
  case O::CmpGt:
    return binary([](C x, C y) { return C(x > y); });
  case O::CmpGe:
    return binary([](C x, C y) { return C(x >= y); });
  case O::Select:
    for (int64_t k = 0; k < n; ++k)
      out[k] = a[k] != 0 ? b[k] : c[k];
    return;
  case O::Cast:
    return withStorageType(in.dtype, [&](auto zero) {
      using S = decltype(zero);
      unary([](C x) { return toCompute<C>(fromCompute<S>(x)); });
    });
  case O::Load:
  case O::Constant:
    return;
  }
}

template <typename C> struct KernelProgram {
  std::vector<Instruction<C>> code;
  std::vector<InputPlan> inputs;
  std::vector<Output<C>> outputs;
  int64_t elements = 0;
  int slots = 0; // tiles of scratch per thread
  int threads = 1;
  std::vector<C> scratch;             // threads x slots x kTile; constants filled in
  std::vector<const C *> valueTables; // threads x code.size(): where each value's tile is

  void runTile(int64_t start, int64_t n, C *tiles, const C **values) const {
    for (size_t i = 0; i < code.size(); ++i) {
      const Instruction<C> &in = code[i];
      C *out = in.slot >= 0 ? tiles + in.slot * kTile : nullptr;
      if (in.opcode == fb::Opcode::Load && in.slot < 0) {
        values[i] = static_cast<const C *>(inputs[in.input].data) + start;
        continue;
      }
      if (in.opcode == fb::Opcode::Load)
        in.load(inputs[in.input], start, n, out);
      else if (in.opcode != fb::Opcode::Constant)
        vectorized<&evaluate<C>>(in, values, out, n);
      values[i] = out;
    }
    for (const Output<C> &output : outputs)
      output.store(values[output.value], start, n, output.data);
  }

  void run() {
    int64_t tiles = (elements + kTile - 1) / kTile;
    bool parallel = elements * static_cast<int64_t>(code.size()) >= kParallelMinWork;
#pragma omp parallel num_threads(threads) if (parallel)
    {
      int t = omp_get_thread_num();
      C *tileScratch = scratch.data() + size_t(t) * slots * kTile;
      const C **values = valueTables.data() + size_t(t) * code.size();
#pragma omp for schedule(static)
      for (int64_t tile = 0; tile < tiles; ++tile)
        runTile(tile * kTile, std::min(kTile, elements - tile * kTile), tileScratch, values);
    }
  }
};

// How input `tensor` is read over the iteration space `shape`.
Status planInput(const Tensor &tensor, const Shape &shape, InputPlan *out) {
  int rank = shape.rank, offset = rank - tensor.shape.rank;
  bool fits = offset >= 0;
  // Element strides of the input over the iteration space, 0 where it repeats.
  std::vector<int64_t> strides(rank);
  int64_t stride = 1;
  for (int d = rank - 1; fits && d >= 0; --d) {
    int64_t dim = d >= offset ? tensor.shape[d - offset] : 1;
    fits = dim == shape[d] || dim == 1;
    strides[d] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
  if (!fits)
    return error(DLC_INVALID_FILE, "kernel input '{}' is {}, which does not broadcast to {}",
                 tensor.name, describe(tensor.dtype, tensor.shape), describe(tensor.dtype, shape));
  *out = {tensor.data, tensor.dtype, InputPlan::Broadcast, {}, {}};
  // Dims of 1 drop out; a dim merges into the one before when walking it to
  // its end lands where the one before takes its next step.
  for (int d = 0; d < rank; ++d) {
    if (shape[d] == 1)
      continue;
    if (!out->dims.empty() && out->strides.back() == strides[d] * shape[d]) {
      out->dims.back() *= shape[d];
      out->strides.back() = strides[d];
    } else {
      out->dims.push_back(shape[d]);
      out->strides.push_back(strides[d]);
    }
  }
  if (tensor.elements() == 1 || out->dims.empty())
    out->kind = InputPlan::Scalar;
  else if (out->dims.size() == 1 && out->strides[0] == 1)
    out->kind = InputPlan::Full;
  return okStatus();
}

std::string kernelName(const fb::Kernel &kernel) {
  return kernel.name() ? kernel.name()->str() : "(unnamed)";
}

template <typename C>
Status decodeInstructions(const fb::Kernel &kernel, KernelProgram<C> *program) {
  const auto &instructions = *kernel.instructions();
  for (uint32_t i = 0; i < instructions.size(); ++i) {
    const fb::Instruction &in = *instructions[i];
    int operands = in.operands() ? static_cast<int>(in.operands()->size()) : 0;
    if (in.opcode() > fb::Opcode::MAX || operands != operandCount(in.opcode()))
      return error(DLC_INVALID_FILE, "kernel '{}' instruction {} has {} operands for opcode {}",
                   kernelName(kernel), i, operands, static_cast<int>(in.opcode()));
    Instruction<C> decoded{
        in.opcode(), {0, 0, 0}, -1, in.index(), in.dtype(), nullptr, static_cast<C>(in.value())};
    for (int j = 0; j < operands; ++j) {
      decoded.operands[j] = in.operands()->Get(j);
      if (decoded.operands[j] >= static_cast<int>(i))
        return error(DLC_INVALID_FILE, "kernel '{}' instruction {} uses value {}, not yet defined",
                     kernelName(kernel), i, decoded.operands[j]);
    }
    if (in.opcode() == fb::Opcode::Cast && in.dtype() > fb::DType::MAX)
      return error(DLC_INVALID_FILE, "kernel '{}' instruction {} casts to an unknown dtype",
                   kernelName(kernel), i);
    if (in.opcode() == fb::Opcode::Load) {
      if (decoded.input >= static_cast<int>(program->inputs.size()))
        return error(DLC_INVALID_FILE, "kernel '{}' instruction {} loads input {} of {}",
                     kernelName(kernel), i, decoded.input, program->inputs.size());
      decoded.load =
          withStorageType(program->inputs[decoded.input].dtype, [](auto zero) -> LoadFunction<C> {
            return vectorized<&loadInput<decltype(zero), C>>;
          });
    }
    program->code.push_back(decoded);
  }
  return okStatus();
}

// Whether Load instruction `load` can read its input where it lies: the
// input has the full shape and the compute type, and no output overwrites
// part of it. An output that is the very same buffer (a parameter updated in
// place) may: a tile stores its outputs only after every instruction has
// read its inputs, and tiles cover disjoint elements (an output overlapping
// it otherwise would let one tile's stores change what another tile loads)
// -- unless the loaded value is itself stored, after the input was
// overwritten.
template <typename C>
bool readsInPlace(const KernelProgram<C> &program, int load, fb::DType computeType) {
  const InputPlan &plan = program.inputs[program.code[load].input];
  if (plan.kind != InputPlan::Full || plan.dtype != computeType)
    return false;
  const char *begin = static_cast<const char *>(plan.data);
  const char *end = begin + program.elements * sizeof(C);
  const bool stored = std::any_of(program.outputs.begin(), program.outputs.end(),
                                  [&](const Output<C> &output) { return output.value == load; });
  for (const Output<C> &output : program.outputs) {
    const char *outBegin = static_cast<const char *>(output.data);
    const bool same = outBegin == begin && output.bytes == static_cast<size_t>(end - begin);
    if (!same && outBegin < end && begin < outBegin + output.bytes)
      return false;
    if (same && stored)
      return false;
  }
  return true;
}

// Gives each value a tile of a thread's scratch. Constants get their own
// tiles, filled once; a Load of a full-shape input of the compute type reads
// the input in place; other values take the tile of a value that died, so
// scratch stays at the live values' size.
template <typename C> void assignSlots(KernelProgram<C> *program, fb::DType computeType) {
  int count = static_cast<int>(program->code.size());
  std::vector<int> lastUse(count, -1);
  for (int i = 0; i < count; ++i)
    for (int j = 0; j < operandCount(program->code[i].opcode); ++j)
      lastUse[program->code[i].operands[j]] = i;
  for (const Output<C> &output : program->outputs)
    lastUse[output.value] = count;
  std::vector<int> freeSlots;
  std::vector<bool> released(count, false);
  for (int i = 0; i < count; ++i) {
    Instruction<C> &in = program->code[i];
    if (in.opcode == fb::Opcode::Constant) {
      in.slot = program->slots++;
      continue;
    }
    if (in.opcode == fb::Opcode::Load && readsInPlace(*program, i, computeType))
      continue; // slot -1: a view of the input
    for (int j = 0; j < operandCount(in.opcode); ++j) {
      int v = in.operands[j];
      const Instruction<C> &operand = program->code[v];
      if (lastUse[v] == i && operand.slot >= 0 && operand.opcode != fb::Opcode::Constant &&
          !released[v]) {
        released[v] = true;
        freeSlots.push_back(operand.slot);
      }
    }
    if (freeSlots.empty()) {
      in.slot = program->slots++;
    } else {
      in.slot = freeSlots.back();
      freeSlots.pop_back();
    }
    if (lastUse[i] < 0) { // never used: its tile is free at once
      released[i] = true;
      freeSlots.push_back(in.slot);
    }
  }
}

template <typename C>
Status prepareProgram(const Context &ctx, const fb::Kernel &kernel, const fb::Launch &op,
                      const Shape &shape, fb::DType computeType,
                      std::shared_ptr<KernelProgram<C>> *out) {
  auto program = std::make_shared<KernelProgram<C>>();
  program->elements = shape.elements();
  program->threads = ctx.threads;
  // A kernel of immediates only has no inputs (FlatBuffers may then omit
  // the vector).
  const size_t numInputs = op.inputs() ? op.inputs()->size() : 0;
  for (size_t i = 0; i < numInputs; ++i) {
    Tensor tensor;
    DLC_RETURN_IF_ERROR(ctx.tensor(op.inputs()->Get(i), "kernel input", &tensor));
    InputPlan plan;
    DLC_RETURN_IF_ERROR(planInput(tensor, shape, &plan));
    program->inputs.push_back(plan);
  }
  DLC_RETURN_IF_ERROR(decodeInstructions(kernel, program.get()));
  for (uint32_t j = 0; j < op.outputs()->size(); ++j) {
    Tensor tensor;
    DLC_RETURN_IF_ERROR(ctx.tensor(op.outputs()->Get(j), "kernel output", &tensor));
    DLC_RETURN_IF_ERROR(expectElements(tensor, program->elements));
    int value = kernel.results()->Get(j);
    if (value >= static_cast<int>(program->code.size()))
      return error(DLC_INVALID_FILE, "kernel '{}' result {} is value {} of {}", kernelName(kernel),
                   j, value, program->code.size());
    StoreFunction<C> store = withStorageType(tensor.dtype, [](auto zero) -> StoreFunction<C> {
      return vectorized<&storeOutput<decltype(zero), C>>;
    });
    program->outputs.push_back({tensor.data, tensor.bytes(), value, store});
  }
  assignSlots(program.get(), computeType);
  size_t scratchBytes = size_t(program->threads) * program->slots * kTile * sizeof(C);
  if (scratchBytes > kMaxScratchBytes)
    return error(DLC_UNAVAILABLE, "kernel '{}' keeps {} values live, {} MiB of scratch",
                 kernelName(kernel), program->slots, scratchBytes >> 20);
  program->scratch.assign(size_t(program->threads) * program->slots * kTile, C(0));
  program->valueTables.assign(size_t(program->threads) * program->code.size(), nullptr);
  for (int t = 0; t < program->threads; ++t)
    for (const Instruction<C> &in : program->code)
      if (in.opcode == fb::Opcode::Constant) {
        C *tile = program->scratch.data() + (size_t(t) * program->slots + in.slot) * kTile;
        std::fill(tile, tile + kTile, in.value);
      }
  *out = std::move(program);
  return okStatus();
}

} // namespace

Status prepareLaunch(const Context &ctx, const fb::Launch &op, Step *out) {
  const auto *kernels = ctx.executable.kernels();
  if (!kernels || op.kernel() >= kernels->size())
    return error(DLC_INVALID_FILE, "launch of kernel {}, outside [0, {})", op.kernel(),
                 kernels ? kernels->size() : 0);
  const fb::Kernel &kernel = *kernels->Get(op.kernel());
  const auto *dims = kernel.shape();
  if ((dims && dims->size() > kMaxRank) || !kernel.instructions() || !kernel.results())
    return error(DLC_INVALID_FILE, "kernel '{}' lacks instructions or results, or has rank over {}",
                 kernelName(kernel), kMaxRank);
  Shape shape =
      shapeOf(dims ? std::vector<int64_t>(dims->begin(), dims->end()) : std::vector<int64_t>());
  for (int d = 0; d < shape.rank; ++d)
    if (shape[d] < 0)
      return error(DLC_INVALID_FILE, "kernel '{}' has a negative dim", kernelName(kernel));
  size_t inputs = op.inputs() ? op.inputs()->size() : 0;
  size_t outputs = op.outputs() ? op.outputs()->size() : 0;
  if (inputs != kernel.num_inputs() || outputs != kernel.results()->size())
    return error(
        DLC_INVALID_FILE,
        "launch of kernel '{}' passes {} inputs and {} outputs, the kernel takes {} and {}",
        kernelName(kernel), inputs, outputs, kernel.num_inputs(), kernel.results()->size());
  if (kernel.instructions()->size() == 0 || outputs == 0)
    return error(DLC_INVALID_FILE, "kernel '{}' computes nothing", kernelName(kernel));
  if (kernel.compute_type() == fb::DType::F32) {
    std::shared_ptr<KernelProgram<float>> program;
    DLC_RETURN_IF_ERROR(prepareProgram(ctx, kernel, op, shape, fb::DType::F32, &program));
    *out = [program]() {
      program->run();
      return okStatus();
    };
    return okStatus();
  }
  if (kernel.compute_type() == fb::DType::F64) {
    std::shared_ptr<KernelProgram<double>> program;
    DLC_RETURN_IF_ERROR(prepareProgram(ctx, kernel, op, shape, fb::DType::F64, &program));
    *out = [program]() {
      program->run();
      return okStatus();
    };
    return okStatus();
  }
  return error(DLC_INVALID_FILE, "kernel '{}' computes in {}, expected f32 or f64",
               kernelName(kernel), dtypeName(kernel.compute_type()));
}

} // namespace dlc::rt::cpu
