// Neural-network layers that are not a library call: softmax, batch and
// layer normalization, embedding lookup, dropout. Statistics accumulate in
// double whatever the tensor's type.
#include "cpu_commands.h"
#include "random.h"

#include <cmath>
#include <cstring>

namespace dlc::rt::cpu {
namespace {

// Softmax (or log-softmax) of n values `stride` apart, stable: the maximum
// is subtracted before exponentiating, and log-softmax is (x - max) - log(sum)
// so that a large max does not swallow the small log(sum). y may be x.
template <typename T> void softmaxLine(const T *x, T *y, int64_t n, int64_t stride, bool log) {
  T max = x[0];
  for (int64_t i = 1; i < n; ++i)
    max = std::max(max, x[i * stride]);
  double sum = 0;
  if (log) {
    for (int64_t i = 0; i < n; ++i)
      sum += std::exp(x[i * stride] - max);
    double logSum = std::log(sum);
    for (int64_t i = 0; i < n; ++i)
      y[i * stride] = static_cast<T>(double(x[i * stride] - max) - logSum);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      y[i * stride] = std::exp(x[i * stride] - max);
      sum += y[i * stride];
    }
    for (int64_t i = 0; i < n; ++i)
      y[i * stride] = static_cast<T>(y[i * stride] / sum);
  }
}

template <typename T> struct BatchNormArgs {
  const T *input, *scale, *offset;
  T *mean, *variance, *output;
  int64_t batch, channels, spatial;
  double epsilon, momentum;
  bool training;
  int threads;

  void run() const {
    int64_t count = batch * spatial;
#pragma omp parallel for num_threads(threads) if (batch * channels * spatial >= kParallelMinWork)
    for (int64_t c = 0; c < channels; ++c) {
      double m = mean[c], v = variance[c];
      if (training) {
        double sum = 0, squares = 0;
        for (int64_t n = 0; n < batch; ++n)
          for (const T *x = input + (n * channels + c) * spatial, *end = x + spatial; x < end; ++x)
            sum += *x;
        m = sum / double(count);
        for (int64_t n = 0; n < batch; ++n)
          for (const T *x = input + (n * channels + c) * spatial, *end = x + spatial; x < end; ++x)
            squares += (*x - m) * (*x - m);
        v = squares / double(count);
        double unbiased = count > 1 ? squares / double(count - 1) : v;
        mean[c] = static_cast<T>((1 - momentum) * mean[c] + momentum * m);
        variance[c] = static_cast<T>((1 - momentum) * variance[c] + momentum * unbiased);
      }
      double a = scale[c] / std::sqrt(v + epsilon), b = offset[c] - m * a;
      for (int64_t n = 0; n < batch; ++n) {
        const T *x = input + (n * channels + c) * spatial;
        T *y = output + (n * channels + c) * spatial;
        for (int64_t s = 0; s < spatial; ++s)
          y[s] = static_cast<T>(x[s] * a + b);
      }
    }
  }
};

template <typename T>
void layerNorm(const T *input, const T *scale, const T *offset, T *output, int64_t rows,
               int64_t width, double epsilon, int threads) {
#pragma omp parallel for num_threads(threads) if (rows * width >= kParallelMinWork)
  for (int64_t r = 0; r < rows; ++r) {
    const T *x = input + r * width;
    T *y = output + r * width;
    double sum = 0, squares = 0;
    for (int64_t i = 0; i < width; ++i)
      sum += x[i];
    double mean = sum / double(width);
    for (int64_t i = 0; i < width; ++i)
      squares += (x[i] - mean) * (x[i] - mean);
    double inverse = 1 / std::sqrt(squares / double(width) + epsilon);
    for (int64_t i = 0; i < width; ++i)
      y[i] = static_cast<T>((x[i] - mean) * inverse * scale[i] + offset[i]);
  }
}

// The mask, the same on every backend: element i uses word i % 4 of
// philox4x32_10(counter = {lo(i / 4), hi(i / 4), lo(step), hi(step)},
// key = seed); u = (word >> 8) * 2^-24 is uniform in [0, 1) and the element
// is dropped when u < rate.
template <typename T>
void dropout(const T *input, T *output, int64_t n, double rate, uint64_t seed, uint64_t step,
             int threads) {
  T scale = rate < 1 ? static_cast<T>(1 / (1 - rate)) : T(0);
  int64_t groups = (n + 3) / 4;
#pragma omp parallel for num_threads(threads) if (n >= kParallelMinWork)
  for (int64_t g = 0; g < groups; ++g) {
    uint64_t group = static_cast<uint64_t>(g);
    PhiloxBlock words = philox4x32_10(
        {{uint32_t(group), uint32_t(group >> 32), uint32_t(step), uint32_t(step >> 32)}}, seed);
    for (int64_t j = 0, i = 4 * g; j < 4 && i < n; ++j, ++i)
      output[i] = double(words.x[j] >> 8) * 0x1p-24 < rate ? T(0) : input[i] * scale;
  }
}

} // namespace

Status prepareSoftmax(const Context &ctx, const fb::Softmax &op, Step *out) {
  Tensor input, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  DLC_RETURN_IF_ERROR(expectShape(output, input.shape));
  AxisView v;
  DLC_RETURN_IF_ERROR(axisView(input, op.axis(), &v));
  bool log = op.log();
  return withFloatType(input, [&](auto zero) {
    using T = decltype(zero);
    *out = [=, threads = ctx.threads]() {
      if (v.size == 0)
        return okStatus();
#pragma omp parallel for num_threads(threads) if (input.elements() >= kParallelMinWork)
      for (int64_t line = 0; line < v.outer * v.inner; ++line) {
        int64_t start = line / v.inner * v.size * v.inner + line % v.inner;
        softmaxLine(input.as<T>() + start, output.as<T>() + start, v.size, v.inner, log);
      }
      return okStatus();
    };
    return okStatus();
  });
}

Status prepareBatchNorm(const Context &ctx, const fb::BatchNorm &op, Step *out) {
  Tensor input, scale, offset, mean, variance, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale(), "scale", &scale));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.offset(), "offset", &offset));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.mean(), "mean", &mean));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.variance(), "variance", &variance));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  AxisView v;
  DLC_RETURN_IF_ERROR(axisView(input, 1, &v));
  DLC_RETURN_IF_ERROR(expectShape(output, input.shape));
  for (const Tensor *t : {&scale, &offset, &mean, &variance, &output}) {
    DLC_RETURN_IF_ERROR(expectSameDtype(*t, input));
    if (t != &output)
      DLC_RETURN_IF_ERROR(expectShape(*t, shapeOf({v.size})));
  }
  return withFloatType(input, [&](auto zero) {
    using T = decltype(zero);
    BatchNormArgs<T> args{input.as<T>(),    scale.as<T>(),  offset.as<T>(), mean.as<T>(),
                          variance.as<T>(), output.as<T>(), v.outer,        v.size,
                          v.inner,          op.epsilon(),   op.momentum(),  op.training(),
                          ctx.threads};
    *out = [args]() {
      args.run();
      return okStatus();
    };
    return okStatus();
  });
}

Status prepareLayerNorm(const Context &ctx, const fb::LayerNorm &op, Step *out) {
  Tensor input, scale, offset, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale(), "scale", &scale));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.offset(), "offset", &offset));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  AxisView v;
  DLC_RETURN_IF_ERROR(axisView(input, op.axis(), &v));
  DLC_RETURN_IF_ERROR(expectShape(output, input.shape));
  Shape normalized;
  normalized.rank = input.shape.rank - static_cast<int>(op.axis());
  std::copy(input.shape.dims.begin() + op.axis(), input.shape.dims.begin() + input.shape.rank,
            normalized.dims.begin());
  for (const Tensor *t : {&scale, &offset}) {
    DLC_RETURN_IF_ERROR(expectSameDtype(*t, input));
    DLC_RETURN_IF_ERROR(expectShape(*t, normalized));
  }
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  return withFloatType(input, [&](auto zero) {
    using T = decltype(zero);
    *out = [=, rows = v.outer, width = v.size * v.inner, epsilon = op.epsilon(),
            threads = ctx.threads]() {
      layerNorm(input.as<T>(), scale.as<T>(), offset.as<T>(), output.as<T>(), rows, width, epsilon,
                threads);
      return okStatus();
    };
    return okStatus();
  });
}

Status prepareEmbedding(const Context &ctx, const fb::Embedding &op, Step *out) {
  Tensor table, indices, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.table(), "table", &table));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.indices(), "indices", &indices));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  if (table.shape.rank != 2 || indices.shape.rank >= kMaxRank)
    return error(DLC_INVALID_FILE, "embedding of table {} with indices {}",
                 describe(table.dtype, table.shape), describe(indices.dtype, indices.shape));
  Shape expected = indices.shape;
  expected.dims[expected.rank++] = table.shape[1];
  DLC_RETURN_IF_ERROR(expectSameDtype(output, table));
  DLC_RETURN_IF_ERROR(expectShape(output, expected));
  return withIndexType(indices, [&](auto zero) {
    using I = decltype(zero);
    *out = [=, rows = table.shape[0], rowBytes = table.shape[1] * dtypeSize(table.dtype),
            threads = ctx.threads]() {
      const I *index = indices.as<I>();
      int64_t count = indices.elements();
      for (int64_t i = 0; i < count; ++i)
        if (index[i] < 0 || index[i] >= rows)
          return error(DLC_RUNTIME_ERROR, "index {} is outside [0, {})", index[i], rows);
      const char *from = static_cast<const char *>(table.data);
      char *to = static_cast<char *>(output.data);
#pragma omp parallel for num_threads(threads) if (output.bytes() >= kParallelMinWork)
      for (int64_t i = 0; i < count; ++i)
        std::memcpy(to + i * rowBytes, from + index[i] * rowBytes, rowBytes);
      return okStatus();
    };
    return okStatus();
  });
}

Status prepareDropout(const Context &ctx, const fb::Dropout &op, Step *out) {
  Tensor input, output, step;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  DLC_RETURN_IF_ERROR(expectShape(output, input.shape));
  const int64_t *stepCounter = nullptr;
  if (op.step() >= 0) {
    DLC_RETURN_IF_ERROR(ctx.tensor(op.step(), "step", &step));
    if (step.dtype != fb::DType::I64 || step.shape.rank != 0)
      return error(DLC_INVALID_FILE, "dropout step '{}' is {}, expected tensor<i64>", step.name,
                   describe(step.dtype, step.shape));
    stepCounter = step.as<int64_t>();
  }
  double rate = op.rate();
  if (!(rate >= 0 && rate <= 1))
    return error(DLC_INVALID_FILE, "dropout rate {} is outside [0, 1]", rate);
  return withFloatType(input, [&](auto zero) {
    using T = decltype(zero);
    *out = [=, seed = op.seed(), training = op.training(), threads = ctx.threads]() {
      uint64_t t = stepCounter ? static_cast<uint64_t>(*stepCounter) : 0;
      if (training)
        dropout(input.as<T>(), output.as<T>(), input.elements(), rate, seed, t, threads);
      else if (input.data != output.data)
        std::memcpy(output.data, input.data, input.bytes());
      return okStatus();
    };
    return okStatus();
  });
}

} // namespace dlc::rt::cpu
