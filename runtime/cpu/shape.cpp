// Data movement: transpose, concat, slice, pad, copy. Each is a strided
// copy (dims, source strides, destination strides) planned in prepare and
// run on elements of 1, 2, 4 or 8 bytes, so every dtype is handled.
#include "cpu_commands.h"
#include "dtype.h"

#include <omp.h>

#include <cstring>
#include <limits>

namespace dlc::rt::cpu {
namespace {

// dest[i...] = source[i...] over `dims`, each side with its element strides.
struct StridedCopy {
  std::vector<int64_t> dims, sourceStrides, destStrides;
  const char *source = nullptr;
  char *dest = nullptr;
  size_t elementSize = 0;

  // Merges adjacent dims that both sides walk as one and drops dims of 1,
  // so the inner loop is as long as possible.
  void simplify() {
    std::vector<int64_t> d, s, t;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == 1)
        continue;
      if (!d.empty() && s.back() == sourceStrides[i] * dims[i] &&
          t.back() == destStrides[i] * dims[i]) {
        d.back() *= dims[i];
        s.back() = sourceStrides[i];
        t.back() = destStrides[i];
        continue;
      }
      d.push_back(dims[i]);
      s.push_back(sourceStrides[i]);
      t.push_back(destStrides[i]);
    }
    if (d.empty()) { // one element
      d = {1};
      s = t = {1};
    }
    dims = d;
    sourceStrides = s;
    destStrides = t;
  }

  // Rows of the last dim, each thread a contiguous range of them: the
  // offsets of its first row by division, then an odometer (no division per
  // row, which short rows, such as attention heads of 16, would pay).
  template <typename E> void runAs(int threads) const {
    const E *from = reinterpret_cast<const E *>(source);
    E *to = reinterpret_cast<E *>(dest);
    const int rank = static_cast<int>(dims.size());
    const int64_t length = dims[rank - 1];
    int64_t rows = 1;
    for (int i = 0; i < rank - 1; ++i)
      rows *= dims[i];
    const int64_t s = sourceStrides[rank - 1], t = destStrides[rank - 1];
    const bool parallel = rows * length >= kParallelMinWork;
#pragma omp parallel num_threads(threads) if (parallel)
    {
      const int team = omp_get_num_threads(), me = omp_get_thread_num();
      const int64_t first = rows * me / team, last = rows * (me + 1) / team;
      int64_t index[kMaxRank] = {}, sourceOffset = 0, destOffset = 0, rest = first;
      for (int i = rank - 2; i >= 0; --i) {
        index[i] = rest % dims[i];
        rest /= dims[i];
        sourceOffset += index[i] * sourceStrides[i];
        destOffset += index[i] * destStrides[i];
      }
      for (int64_t row = first; row < last; ++row) {
        const E *in = from + sourceOffset;
        E *out = to + destOffset;
        if (s == 1 && t == 1) {
          if (length > 64)
            std::memcpy(out, in, length * sizeof(E));
          else
            for (int64_t i = 0; i < length; ++i)
              out[i] = in[i];
        } else {
          for (int64_t i = 0; i < length; ++i)
            out[i * t] = in[i * s];
        }
        for (int i = rank - 2; i >= 0; --i) { // the next row
          sourceOffset += sourceStrides[i];
          destOffset += destStrides[i];
          if (++index[i] < dims[i])
            break;
          sourceOffset -= dims[i] * sourceStrides[i];
          destOffset -= dims[i] * destStrides[i];
          index[i] = 0;
        }
      }
    }
  }

  void run(int threads) const {
    switch (elementSize) {
    case 1:
      return runAs<uint8_t>(threads);
    case 2:
      return runAs<uint16_t>(threads);
    case 4:
      return runAs<uint32_t>(threads);
    default:
      return runAs<uint64_t>(threads);
    }
  }
};

// dest[0, count) = value, for an element of `size` bytes whose bytes are the
// low bytes of `pattern`.
template <typename E> void fillAs(void *dest, int64_t count, uint64_t pattern, int threads) {
  E value;
  std::memcpy(&value, &pattern, sizeof value);
  E *to = static_cast<E *>(dest);
#pragma omp parallel for num_threads(threads) if (count >= kParallelMinWork)
  for (int64_t i = 0; i < count; ++i)
    to[i] = value;
}

void fill(void *dest, int64_t count, size_t size, uint64_t pattern, int threads) {
  switch (size) {
  case 1:
    return fillAs<uint8_t>(dest, count, pattern, threads);
  case 2:
    return fillAs<uint16_t>(dest, count, pattern, threads);
  case 4:
    return fillAs<uint32_t>(dest, count, pattern, threads);
  default:
    return fillAs<uint64_t>(dest, count, pattern, threads);
  }
}

std::vector<int64_t> rowMajorStrides(const Shape &shape) {
  std::vector<int64_t> strides(shape.rank, 1);
  for (int i = shape.rank - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

std::vector<int64_t> dimsOf(const Shape &shape) {
  return std::vector<int64_t>(shape.dims.begin(), shape.dims.begin() + shape.rank);
}

Step stepOf(std::vector<StridedCopy> copies, int threads) {
  for (StridedCopy &copy : copies)
    copy.simplify();
  return [copies = std::move(copies), threads]() {
    for (const StridedCopy &copy : copies)
      copy.run(threads);
    return okStatus();
  };
}

} // namespace

Status prepareTranspose(const Context &ctx, const fb::Transpose &op, Step *out) {
  Tensor input, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  int rank = input.shape.rank;
  if (!op.perm() || static_cast<int>(op.perm()->size()) != rank)
    return error(DLC_INVALID_FILE, "transpose of rank {} needs a permutation of {} dims", rank,
                 rank);
  std::vector<int64_t> inputStrides = rowMajorStrides(input.shape);
  StridedCopy copy{dimsOf(output.shape),
                   {},
                   rowMajorStrides(output.shape),
                   static_cast<const char *>(input.data),
                   static_cast<char *>(output.data),
                   dtypeSize(input.dtype)};
  Shape expected;
  expected.rank = rank;
  std::vector<bool> seen(rank, false);
  for (int i = 0; i < rank; ++i) {
    int64_t from = op.perm()->Get(i);
    if (from < 0 || from >= rank || seen[from])
      return error(DLC_INVALID_FILE, "transpose permutation is not one of [0, {})", rank);
    seen[from] = true;
    expected.dims[i] = input.shape[static_cast<int>(from)];
    copy.sourceStrides.push_back(inputStrides[from]);
  }
  DLC_RETURN_IF_ERROR(expectShape(output, expected));
  *out = stepOf({copy}, ctx.threads);
  return okStatus();
}

Status prepareConcat(const Context &ctx, const fb::Concat &op, Step *out) {
  Tensor output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  AxisView view;
  DLC_RETURN_IF_ERROR(axisView(output, op.axis(), &view));
  int axis = static_cast<int>(op.axis());
  if (!op.inputs() || op.inputs()->size() == 0)
    return error(DLC_INVALID_FILE, "concat into '{}' has no inputs", output.name);
  std::vector<int64_t> outputStrides = rowMajorStrides(output.shape);
  std::vector<StridedCopy> copies;
  int64_t offset = 0; // along the axis
  for (uint32_t index : *op.inputs()) {
    Tensor input;
    DLC_RETURN_IF_ERROR(ctx.tensor(index, "input", &input));
    DLC_RETURN_IF_ERROR(expectSameDtype(input, output));
    Shape expected = output.shape;
    expected.dims[axis] = input.shape[axis];
    DLC_RETURN_IF_ERROR(expectShape(input, expected));
    if (offset + input.shape[axis] > view.size)
      break; // reported below: the inputs overrun the output
    copies.push_back(
        {dimsOf(input.shape), rowMajorStrides(input.shape), outputStrides,
         static_cast<const char *>(input.data),
         static_cast<char *>(output.data) + offset * outputStrides[axis] * dtypeSize(output.dtype),
         dtypeSize(output.dtype)});
    offset += input.shape[axis];
  }
  if (offset != view.size || copies.size() != op.inputs()->size())
    return error(DLC_INVALID_FILE, "concat inputs do not add up to '{}' ({}) along axis {}",
                 output.name, describe(output.dtype, output.shape), axis);
  *out = stepOf(std::move(copies), ctx.threads);
  return okStatus();
}

Status prepareSlice(const Context &ctx, const fb::Slice &op, Step *out) {
  Tensor input, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  int rank = input.shape.rank;
  std::vector<int64_t> starts, strides;
  DLC_RETURN_IF_ERROR(attributeList(op.starts(), rank, 0, 0, "starts", &starts));
  DLC_RETURN_IF_ERROR(attributeList(op.strides(), rank, 1, std::numeric_limits<int64_t>::min(),
                                    "strides", &strides));
  if (output.shape.rank != rank)
    return error(DLC_INVALID_FILE, "slice of rank {} into '{}' of rank {}", rank, output.name,
                 output.shape.rank);
  std::vector<int64_t> inputStrides = rowMajorStrides(input.shape);
  int64_t base = 0;
  StridedCopy copy{dimsOf(output.shape),
                   {},
                   rowMajorStrides(output.shape),
                   nullptr,
                   static_cast<char *>(output.data),
                   dtypeSize(input.dtype)};
  for (int i = 0; i < rank; ++i) {
    int64_t count = output.shape[i];
    bool stepFits = count <= 1 || (count <= input.shape[i] && strides[i] != 0 &&
                                   strides[i] <= input.shape[i] && strides[i] >= -input.shape[i]);
    int64_t last = stepFits ? starts[i] + (count - 1) * strides[i] : -1;
    if (count > 0 && (starts[i] >= input.shape[i] || last < 0 || last >= input.shape[i]))
      return error(DLC_INVALID_FILE, "slice of dim {} from {} by {} for {} elements leaves [0, {})",
                   i, starts[i], strides[i], count, input.shape[i]);
    base += starts[i] * inputStrides[i];
    copy.sourceStrides.push_back(strides[i] * inputStrides[i]);
  }
  copy.source = static_cast<const char *>(input.data) + base * dtypeSize(input.dtype);
  if (output.elements() == 0) {
    *out = []() { return okStatus(); };
    return okStatus();
  }
  *out = stepOf({copy}, ctx.threads);
  return okStatus();
}

Status preparePad(const Context &ctx, const fb::Pad &op, Step *out) {
  Tensor input, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  int rank = input.shape.rank;
  std::vector<int64_t> low;
  DLC_RETURN_IF_ERROR(attributeList(op.low(), rank, 0, 0, "low", &low));
  if (output.shape.rank != rank)
    return error(DLC_INVALID_FILE, "pad of rank {} into '{}' of rank {}", rank, output.name,
                 output.shape.rank);
  std::vector<int64_t> outputStrides = rowMajorStrides(output.shape);
  int64_t base = 0;
  for (int i = 0; i < rank; ++i) {
    if (low[i] > output.shape[i] - input.shape[i])
      return error(DLC_INVALID_FILE, "pad puts dim {} ({} elements) at {} in '{}' of {}", i,
                   input.shape[i], low[i], output.name, output.shape[i]);
    base += low[i] * outputStrides[i];
  }
  size_t size = dtypeSize(output.dtype);
  StridedCopy copy{dimsOf(input.shape),
                   rowMajorStrides(input.shape),
                   outputStrides,
                   static_cast<const char *>(input.data),
                   static_cast<char *>(output.data) + base * size,
                   size};
  // The fill value as one element of the output's dtype.
  uint64_t pattern = 0;
  withStorageType(output.dtype, [&](auto zero) {
    auto value = fromCompute<decltype(zero)>(op.value());
    std::memcpy(&pattern, &value, sizeof value);
  });
  Step copyInput = stepOf({copy}, ctx.threads);
  *out = [=, data = output.data, count = output.elements(), hasInput = input.elements() > 0,
          threads = ctx.threads]() {
    fill(data, count, size, pattern, threads);
    return hasInput ? copyInput() : okStatus();
  };
  return okStatus();
}

Status prepareCopy(const Context &ctx, const fb::Copy &op, Step *out) {
  Tensor source, dest;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.source(), "source", &source));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.dest(), "dest", &dest));
  if (source.bytes() != dest.bytes())
    return error(DLC_INVALID_FILE, "copy of {} bytes from '{}' into {} bytes of '{}'",
                 source.bytes(), source.name, dest.bytes(), dest.name);
  *out = stepOf({{{static_cast<int64_t>(source.bytes())},
                  {1},
                  {1},
                  static_cast<const char *>(source.data),
                  static_cast<char *>(dest.data),
                  1}},
                ctx.threads);
  return okStatus();
}

} // namespace dlc::rt::cpu
