// Reductions: sum, mean and max over a set of axes, and argmax along one.
// Sums accumulate in double (floats) or int64 (integers); max propagates NaN
// as NumPy does.
#include "cpu_commands.h"
#include "dtype.h"
#include "vmath.h"

#include <algorithm>
#include <limits>

namespace dlc::rt::cpu {
namespace {

// How a reduction walks its input. When the reduced axes are one run of
// adjacent dims the input is [outer, reduced, inner] and the loop is
// direct; otherwise each output element walks `reducedDims` with an odometer.
struct ReducePlan {
  int64_t outer = 1, reduced = 1, inner = 1;
  bool contiguous = true;
  std::vector<int64_t> keptDims, keptStrides, reducedDims, reducedStrides;
};

Status reducePlan(const Tensor &input, const flatbuffers::Vector<int64_t> *axes, ReducePlan *out) {
  int rank = input.shape.rank;
  std::vector<bool> isReduced(rank, false);
  if (axes)
    for (int64_t axis : *axes) {
      if (axis < 0 || axis >= rank || isReduced[axis])
        return error(DLC_INVALID_FILE, "reduction axis {} is repeated or outside [0, {})", axis,
                     rank);
      isReduced[axis] = true;
    }
  ReducePlan plan;
  std::vector<int64_t> strides(rank, 1);
  for (int i = rank - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * input.shape[i + 1];
  int first = rank, last = -1;
  for (int i = 0; i < rank; ++i) {
    if (input.shape[i] == 1)
      continue; // a dim of 1 is neither kept nor reduced in the layout
    (isReduced[i] ? plan.reducedDims : plan.keptDims).push_back(input.shape[i]);
    (isReduced[i] ? plan.reducedStrides : plan.keptStrides).push_back(strides[i]);
    if (isReduced[i]) {
      first = std::min(first, i);
      last = i;
    }
  }
  for (int i = 0; i < rank; ++i) {
    int64_t dim = input.shape[i];
    if (i < first)
      plan.outer *= dim;
    else if (i > last)
      plan.inner *= dim;
    else if (isReduced[i] || dim == 1)
      plan.reduced *= dim;
    else
      plan.contiguous = false;
  }
  *out = std::move(plan);
  return okStatus();
}

// Where element `index` (row-major over `dims`) lies in memory with `strides`.
int64_t offsetOf(int64_t index, const std::vector<int64_t> &dims,
                 const std::vector<int64_t> &strides) {
  int64_t offset = 0;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    offset += index % dims[i] * strides[i];
    index /= dims[i];
  }
  return offset;
}

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename Acc> Acc combine(fb::ReduceKind kind, Acc acc, Acc value) {
  if (kind != fb::ReduceKind::Max)
    return acc + value;
  return (value > acc || isNan(value)) ? value : acc;
}

template <typename Acc> Acc identity(fb::ReduceKind kind) {
  if (kind != fb::ReduceKind::Max)
    return 0;
  if constexpr (std::is_floating_point_v<Acc>)
    return -std::numeric_limits<Acc>::infinity();
  else
    return std::numeric_limits<Acc>::min();
}

// A reduction's result from its accumulator: a mean divided by `count`.
template <typename T> T finish(fb::ReduceKind kind, Accumulator<T> acc, int64_t count) {
  return kind == fb::ReduceKind::Mean ? static_cast<T>(acc / Accumulator<T>(count))
                                      : static_cast<T>(acc);
}

// One row of `n` contiguous values combined. A sum of floats runs over
// vmath.h's partial sums in double so that it vectorizes (in a fixed order:
// the same result in every ISA copy and with any thread count); f64, the
// reference path, and integers add in order.
template <typename T>
DLC_VECTOR_BODY Accumulator<T> combineRow(fb::ReduceKind kind, const T *row, int64_t n) {
  using Acc = Accumulator<T>;
  if constexpr (std::is_same_v<T, float>)
    if (kind != fb::ReduceKind::Max)
      return laneSum<double>(row, n, [](float v) { return double(v); });
  Acc acc = identity<Acc>(kind);
  for (int64_t r = 0; r < n; ++r)
    acc = combine<Acc>(kind, acc, row[r]);
  return acc;
}

// `rows` rows of `n` contiguous values, each combined into one output: the
// row loop inside the vectorized copy, so that short rows pay no call each.
template <typename T>
DLC_VECTOR_BODY void combineRows(fb::ReduceKind kind, const T *input, int64_t rows, int64_t n,
                                 int64_t count, T *output) {
  for (int64_t r = 0; r < rows; ++r)
    output[r] = finish<T>(kind, combineRow<T>(kind, input + r * n, n), count);
}

// `width` adjacent columns of `rows` rows `stride` apart combined into acc.
template <typename T>
DLC_VECTOR_BODY void combineColumns(fb::ReduceKind kind, const T *input, int64_t rows,
                                    int64_t stride, int64_t width, Accumulator<T> *acc) {
  using Acc = Accumulator<T>;
  std::fill(acc, acc + width, identity<Acc>(kind));
  for (int64_t r = 0; r < rows; ++r) {
    const T *row = input + r * stride;
    if (kind == fb::ReduceKind::Max)
      for (int64_t i = 0; i < width; ++i)
        acc[i] = combine<Acc>(kind, acc[i], row[i]);
    else
      for (int64_t i = 0; i < width; ++i)
        acc[i] += static_cast<Acc>(row[i]);
  }
}

template <typename T>
void reduce(const ReducePlan &p, fb::ReduceKind kind, const T *input, T *output, int threads) {
  using Acc = Accumulator<T>;
  int64_t count = 1;
  for (int64_t dim : p.reducedDims)
    count *= dim;
  bool parallel = p.outer * p.reduced * p.inner >= kParallelMinWork;
  if (p.contiguous && p.inner == 1) {
    forRowBlocks(p.outer, threads, parallel, [&](int64_t first, int64_t rows) {
      vectorized<&combineRows<T>>(kind, input + first * p.reduced, rows, p.reduced, count,
                                  output + first);
    });
  } else if (p.contiguous) {
    // Columns: a block of `inner` accumulates while the reduced dim streams.
    constexpr int64_t kBlock = 256;
    int64_t blocks = (p.inner + kBlock - 1) / kBlock;
#pragma omp parallel for num_threads(threads) if (parallel)
    for (int64_t b = 0; b < p.outer * blocks; ++b) {
      int64_t o = b / blocks, i0 = b % blocks * kBlock, width = std::min(kBlock, p.inner - i0);
      Acc acc[kBlock];
      vectorized<&combineColumns<T>>(kind, input + o * p.reduced * p.inner + i0, p.reduced, p.inner,
                                     width, acc);
      for (int64_t i = 0; i < width; ++i)
        output[o * p.inner + i0 + i] = finish<T>(kind, acc[i], count);
    }
  } else {
    int64_t outputs = 1;
    for (int64_t dim : p.keptDims)
      outputs *= dim;
    // The innermost reduced dims that are dense in memory form one run
    // (e.g. H x W when reducing N, H, W of NCHW); the odometer walks the
    // runs, in the same row-major order as element by element.
    size_t head = p.reducedDims.size();
    int64_t run = 1;
    while (head > 0 && p.reducedStrides[head - 1] == run)
      run *= p.reducedDims[--head];
    const std::vector<int64_t> headDims(p.reducedDims.begin(), p.reducedDims.begin() + head);
    const std::vector<int64_t> headStrides(p.reducedStrides.begin(),
                                           p.reducedStrides.begin() + head);
    const int64_t runs = count / run;
#pragma omp parallel for num_threads(threads) if (parallel)
    for (int64_t o = 0; o < outputs; ++o) {
      int64_t base = offsetOf(o, p.keptDims, p.keptStrides);
      Acc acc = identity<Acc>(kind);
      for (int64_t r = 0; r < runs; ++r) {
        const T *values = input + base + offsetOf(r, headDims, headStrides);
        for (int64_t i = 0; i < run; ++i)
          acc = combine<Acc>(kind, acc, values[i]);
      }
      output[o] = finish<T>(kind, acc, count);
    }
  }
}

} // namespace

Status prepareReduce(const Context &ctx, const fb::Reduce &op, Step *out) {
  Tensor input, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  ReducePlan plan;
  DLC_RETURN_IF_ERROR(reducePlan(input, op.axes(), &plan));
  int64_t kept = 1;
  for (int64_t dim : plan.keptDims)
    kept *= dim;
  DLC_RETURN_IF_ERROR(expectElements(output, kept));
  fb::ReduceKind kind = op.kind();
  return withNumericType(input, [&](auto zero) {
    using T = decltype(zero);
    if (kind == fb::ReduceKind::Mean && !std::is_floating_point_v<T>)
      return error(DLC_INVALID_FILE, "mean of integer tensor '{}'", input.name);
    *out = [=, threads = ctx.threads]() {
      reduce(plan, kind, input.as<T>(), output.as<T>(), threads);
      return okStatus();
    };
    return okStatus();
  });
}

Status prepareArgmax(const Context &ctx, const fb::Argmax &op, Step *out) {
  Tensor input, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  AxisView view;
  DLC_RETURN_IF_ERROR(axisView(input, op.axis(), &view));
  if (view.size == 0)
    return error(DLC_INVALID_FILE, "argmax along an empty axis of '{}'", input.name);
  DLC_RETURN_IF_ERROR(expectElements(output, view.outer * view.inner));
  return withNumericType(input, [&](auto zero) {
    using T = decltype(zero);
    return withIndexType(output, [&](auto indexZero) {
      using I = decltype(indexZero);
      *out = [=, threads = ctx.threads]() {
        const T *in = input.as<T>();
        I *result = output.as<I>();
#pragma omp parallel for num_threads(threads) if (input.elements() >= kParallelMinWork)
        for (int64_t line = 0; line < view.outer * view.inner; ++line) {
          const T *x = in + line / view.inner * view.size * view.inner + line % view.inner;
          result[line] = static_cast<I>(firstMaximum(x, view.size, view.inner));
        }
        return okStatus();
      };
      return okStatus();
    });
  });
}

} // namespace dlc::rt::cpu
