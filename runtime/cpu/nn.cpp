// Neural-network layers that are not a library call: softmax, batch and
// layer normalization, embedding lookup, dropout. Statistics accumulate in
// double whatever the tensor's type.
#include "cpu_commands.h"
#include "random.h"
#include "vmath.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

namespace dlc::rt::cpu {
namespace {

// Softmax (or log-softmax) of n values `stride` apart, stable: the maximum
// is subtracted before exponentiating, and log-softmax is (x - max) - log(sum)
// so that a large max does not swallow the small log(sum). y may be x.
// A contiguous float line is vectorized: the maximum and the sum over
// kLanes interleaved partial results (vmath.h's exp), the partial sums
// added in double.
template <typename T>
DLC_VECTOR_BODY void softmaxLine(const T *x, T *y, int64_t n, int64_t stride, bool log) {
  if constexpr (std::is_same_v<T, float>) {
    if (stride == 1) {
      const float max = lineMax(x, n);
      if (log) {
        const double logSum = std::log(expSum(x, n, max));
        for (int64_t i = 0; i < n; ++i)
          y[i] = static_cast<float>(double(x[i] - max) - logSum);
      } else { // each exp once: into y, then scaled
        for (int64_t i = 0; i < n; ++i)
          y[i] = vmath::exp(x[i] - max);
        const float inverse = static_cast<float>(1.0 / lineSum(y, n));
        for (int64_t i = 0; i < n; ++i)
          y[i] *= inverse;
      }
      return;
    }
  }
  T max = x[0];
  for (int64_t i = 1; i < n; ++i)
    max = std::max(max, x[i * stride]);
  double sum = 0;
  if (log) {
    for (int64_t i = 0; i < n; ++i)
      sum += Math<T>::exp(x[i * stride] - max);
    double logSum = std::log(sum);
    for (int64_t i = 0; i < n; ++i)
      y[i * stride] = static_cast<T>(double(x[i * stride] - max) - logSum);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      y[i * stride] = Math<T>::exp(x[i * stride] - max);
      sum += y[i * stride];
    }
    for (int64_t i = 0; i < n; ++i)
      y[i * stride] = static_cast<T>(y[i * stride] / sum);
  }
}

// `rows` contiguous rows of n values: the row loop inside the vectorized
// copy, so that short rows (attention over 16 patches) pay no call each.
template <typename T>
DLC_VECTOR_BODY void softmaxRows(const T *x, T *y, int64_t rows, int64_t n, bool log) {
  for (int64_t r = 0; r < rows; ++r)
    softmaxLine<T>(x + r * n, y + r * n, n, 1, log);
}

// Softmax's gradient along n values `stride` apart, from its output y and
// the output's gradient g: y * (g - sum(g * y)); log-softmax's:
// g - exp(y) * sum(g). The sum first, then each element from y and g alone,
// so dx may be g's buffer. A contiguous float line sums over kLanes float
// lanes folded as a tree and then in double (vmath.h's laneSumOf).
template <typename T>
DLC_VECTOR_BODY void softmaxBackwardLine(const T *y, const T *g, T *dx, int64_t n, int64_t stride,
                                         bool log) {
  if constexpr (std::is_same_v<T, float>) {
    if (stride == 1) {
      if (log) {
        const float sum = static_cast<float>(lineSum(g, n));
        for (int64_t i = 0; i < n; ++i)
          dx[i] = g[i] - vmath::exp(y[i]) * sum;
        return;
      }
      const float sum = static_cast<float>(laneSumOf(n, [g, y](int64_t i) { return g[i] * y[i]; }));
      for (int64_t j = 0; j < n; ++j)
        dx[j] = y[j] * (g[j] - sum);
      return;
    }
  }
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += log ? double(g[i * stride]) : double(g[i * stride]) * double(y[i * stride]);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i * stride], yi = y[i * stride];
    dx[i * stride] =
        log ? static_cast<T>(gi - Math<T>::exp(yi) * sum) : static_cast<T>(yi * (gi - sum));
  }
}

// `rows` contiguous rows of n values, as softmaxRows.
template <typename T>
DLC_VECTOR_BODY void softmaxBackwardRows(const T *y, const T *g, T *dx, int64_t rows, int64_t n,
                                         bool log) {
  for (int64_t r = 0; r < rows; ++r)
    softmaxBackwardLine<T>(y + r * n, g + r * n, dx + r * n, n, 1, log);
}

/// A batch-norm tensor as [outer, channels, inner]: N, C, H*W (or N, C, 1)
/// for NCHW; N*H*W, C, 1 channels-last.
struct ChannelView {
  int64_t outer, channels, inner;
  bool channelsLast;
  int64_t count() const { return outer * inner; } // values per channel
};

/// A batch-norm command's working arrays, allocated when it is prepared (a
/// Step allocates nothing): kArrays per-channel arrays and each thread's
/// partial sums (two per channel).
struct ChannelScratch {
  static constexpr int kArrays = 7;
  int64_t channels;
  std::vector<double> perChannel, partial;

  ChannelScratch(const ChannelView &v, int threads)
      : channels(v.channels), perChannel(size_t(kArrays) * v.channels),
        partial(size_t(threads) * 2 * v.channels) {}
  double *array(int k) { return perChannel.data() + size_t(k) * channels; }
};

/// K per-channel sums at once, in double, into out[k]: sum k of channel c
/// adds term(c, i)[k] over the elements i of channel c. NCHW (rank 2 too):
/// one channel per thread, each summed in memory order, whatever the thread
/// count; channels-last by blocks of rows per thread (each thread's sums in
/// `partial`), the threads' sums added in thread order (the same result for
/// the same thread count).
template <size_t K, typename Term>
void channelSums(const ChannelView &v, int threads, std::vector<double> &partial,
                 std::array<double *, K> out, Term term) {
  const int64_t channels = v.channels;
  const bool parallel = v.outer * channels * v.inner >= kParallelMinWork;
  if (!v.channelsLast || channels == 1) {
#pragma omp parallel for num_threads(threads) if (parallel)
    for (int64_t c = 0; c < channels; ++c) {
      std::array<double, K> sum{};
      for (int64_t n = 0; n < v.outer; ++n)
        for (int64_t i = (n * channels + c) * v.inner, end = i + v.inner; i < end; ++i) {
          const std::array<double, K> t = term(c, i);
          for (size_t k = 0; k < K; ++k)
            sum[k] += t[k];
        }
      for (size_t k = 0; k < K; ++k)
        out[k][c] = sum[k];
    }
    return;
  }
  const int teams = parallel ? threads : 1;
  std::fill(partial.begin(), partial.begin() + size_t(teams) * K * channels, 0.0);
#pragma omp parallel num_threads(teams)
  {
    double *mine = partial.data() + size_t(omp_get_thread_num()) * K * channels;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < v.outer; ++r)
      for (int64_t c = 0; c < channels; ++c) {
        const std::array<double, K> t = term(c, r * channels + c);
        for (size_t k = 0; k < K; ++k)
          mine[k * channels + c] += t[k];
      }
  }
  for (size_t k = 0; k < K; ++k)
    std::fill(out[k], out[k] + channels, 0.0);
  for (int t = 0; t < teams; ++t)
    for (size_t k = 0; k < K; ++k)
      for (int64_t c = 0; c < channels; ++c)
        out[k][c] += partial[(size_t(t) * K + k) * channels + c];
}

/// f(c, i) for every element i (of channel c), in parallel; the innermost
/// loop runs along memory (over channels when channels-last), so that it
/// vectorizes.
template <typename F> void forEachElement(const ChannelView &v, int threads, F f) {
  const int64_t total = v.outer * v.channels * v.inner, channels = v.channels;
  if (v.inner == 1) {
#pragma omp parallel for num_threads(threads) if (total >= kParallelMinWork)
    for (int64_t r = 0; r < v.outer; ++r)
      for (int64_t c = 0; c < channels; ++c)
        f(c, r * channels + c);
    return;
  }
#pragma omp parallel for num_threads(threads) if (total >= kParallelMinWork)
  for (int64_t r = 0; r < v.outer; ++r)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = (r * channels + c) * v.inner, end = i + v.inner; i < end; ++i)
        f(c, i);
}

/// The batch's mean and sum of squared deviations per channel (two passes).
template <typename T>
void batchStatistics(const T *x, const ChannelView &v, int threads, ChannelScratch &scratch,
                     double *mean, double *squares) {
  channelSums<1>(v, threads, scratch.partial, {mean},
                 [x](int64_t, int64_t i) { return std::array<double, 1>{double(x[i])}; });
  for (int64_t c = 0; c < v.channels; ++c)
    mean[c] /= double(v.count());
  channelSums<1>(v, threads, scratch.partial, {squares}, [x, mean](int64_t c, int64_t i) {
    double d = x[i] - mean[c];
    return std::array<double, 1>{d * d};
  });
}

template <typename T> struct BatchNormArgs {
  const T *input, *scale, *offset;
  T *mean, *variance, *output;
  ChannelView view;
  double epsilon, momentum;
  bool training;
  int threads;
  std::shared_ptr<ChannelScratch> scratch;

  void run() const {
    const int64_t channels = view.channels, count = view.count();
    double *m = scratch->array(0), *v = scratch->array(1);
    double *a = scratch->array(2), *b = scratch->array(3);
    if (training) {
      double *squares = scratch->array(4);
      batchStatistics(input, view, threads, *scratch, m, squares);
      for (int64_t c = 0; c < channels; ++c) {
        v[c] = squares[c] / double(count);
        double unbiased = count > 1 ? squares[c] / double(count - 1) : v[c];
        mean[c] = static_cast<T>((1 - momentum) * mean[c] + momentum * m[c]);
        variance[c] = static_cast<T>((1 - momentum) * variance[c] + momentum * unbiased);
      }
    } else {
      for (int64_t c = 0; c < channels; ++c) {
        m[c] = mean[c];
        v[c] = variance[c];
      }
    }
    for (int64_t c = 0; c < channels; ++c) {
      a[c] = scale[c] / std::sqrt(v[c] + epsilon);
      b[c] = offset[c] - m[c] * a[c];
    }
    forEachElement(view, threads, [x = input, y = output, a, b](int64_t c, int64_t i) {
      y[i] = static_cast<T>(x[i] * a[c] + b[c]);
    });
  }
};

/// The training-form gradient: with the batch statistics, rstd and
/// xhat = (x - mean) * rstd per channel, doffset = sum(dy),
/// dscale = sum(dy * xhat), dx = scale * rstd * (dy - doffset / M - xhat *
/// dscale / M).
template <typename T> struct BatchNormBackwardArgs {
  const T *input, *grad, *scale;
  T *inputGrad, *scaleGrad, *offsetGrad;
  ChannelView view;
  double epsilon;
  int threads;
  std::shared_ptr<ChannelScratch> scratch;

  void run() const {
    const int64_t channels = view.channels;
    const double count = double(view.count());
    double *m = scratch->array(0), *sumGrad = scratch->array(1), *squares = scratch->array(2),
           *sumGradCentered = scratch->array(3), *slope = scratch->array(4),
           *shift = scratch->array(5), *tilt = scratch->array(6);
    // Pass 1: the sums of x and dy; pass 2: of the squared deviations and of
    // dy times the deviation; pass 3: dx.
    const T *x = input, *dy = grad;
    channelSums<2>(view, threads, scratch->partial, {m, sumGrad}, [x, dy](int64_t, int64_t i) {
      return std::array<double, 2>{double(x[i]), double(dy[i])};
    });
    for (int64_t c = 0; c < channels; ++c)
      m[c] /= count;
    channelSums<2>(view, threads, scratch->partial, {squares, sumGradCentered},
                   [x, dy, m](int64_t c, int64_t i) {
                     const double d = x[i] - m[c];
                     return std::array<double, 2>{d * d, double(dy[i]) * d};
                   });
    for (int64_t c = 0; c < channels; ++c) {
      const double rstd = 1 / std::sqrt(squares[c] / count + epsilon);
      const double dscale = sumGradCentered[c] * rstd;
      scaleGrad[c] = static_cast<T>(dscale);
      offsetGrad[c] = static_cast<T>(sumGrad[c]);
      slope[c] = scale[c] * rstd;
      shift[c] = sumGrad[c] / count;
      tilt[c] = rstd * dscale / count; // times (x - mean): xhat * dscale / M
    }
    forEachElement(
        view, threads, [dx = inputGrad, dy, x, m, slope, shift, tilt](int64_t c, int64_t i) {
          dx[i] = static_cast<T>(slope[c] * (dy[i] - shift[c] - (x[i] - m[c]) * tilt[c]));
        });
  }
};

/// The [outer, channels, inner] view of a batch-norm input.
Status batchNormView(const Tensor &input, bool channelsLast, ChannelView *out) {
  if (channelsLast) {
    if (input.shape.rank != 4)
      return error(DLC_INVALID_FILE, "channels-last batch norm of {}; expected N x H x W x C",
                   describe(input.dtype, input.shape));
    *out = {input.shape[0] * input.shape[1] * input.shape[2], input.shape[3], 1, true};
    return okStatus();
  }
  AxisView v;
  DLC_RETURN_IF_ERROR(axisView(input, 1, &v));
  *out = {v.outer, v.size, v.inner, false};
  return okStatus();
}

/// A layer norm row's mean and 1 / sqrt(biased variance + epsilon): f32
/// over kLanes float lanes (the float mean subtracted), added in double;
/// f64 in order.
struct RowMoments {
  double mean, inverse;
};
template <typename T>
DLC_VECTOR_BODY RowMoments rowMoments(const T *x, int64_t width, double epsilon) {
  double mean, squares = 0;
  if constexpr (std::is_same_v<T, float>) {
    mean = lineSum(x, width) / double(width);
    const float m = static_cast<float>(mean);
    squares = laneSum(x, width, [m](float v) { return (v - m) * (v - m); });
  } else {
    double sum = 0;
    for (int64_t i = 0; i < width; ++i)
      sum += x[i];
    mean = sum / double(width);
    for (int64_t i = 0; i < width; ++i)
      squares += (x[i] - mean) * (x[i] - mean);
  }
  return {mean, 1 / std::sqrt(squares / double(width) + epsilon)};
}

// Rows of layer normalization: rowMoments, then
// (x - mean) / sqrt(var + epsilon) * scale + offset (in float for f32 rows).
template <typename T>
DLC_VECTOR_BODY void layerNormRows(const T *input, const T *scale, const T *offset, T *output,
                                   int64_t rows, int64_t width, double epsilon) {
  for (int64_t r = 0; r < rows; ++r) {
    const T *x = input + r * width;
    T *y = output + r * width;
    const auto [mean, inverse] = rowMoments(x, width, epsilon);
    if constexpr (std::is_same_v<T, float>) { // in float: twice the lanes of double
      const float m = static_cast<float>(mean), r = static_cast<float>(inverse);
      for (int64_t i = 0; i < width; ++i)
        y[i] = (x[i] - m) * r * scale[i] + offset[i];
    } else {
      for (int64_t i = 0; i < width; ++i)
        y[i] = static_cast<T>((x[i] - mean) * inverse * scale[i] + offset[i]);
    }
  }
}

template <typename T>
void layerNorm(const T *input, const T *scale, const T *offset, T *output, int64_t rows,
               int64_t width, double epsilon, int threads) {
  forRowBlocks(rows, threads, rows * width >= kParallelMinWork, [&](int64_t first, int64_t count) {
    vectorized<&layerNormRows<T>>(input + first * width, scale, offset, output + first * width,
                                  count, width, epsilon);
  });
}

// layer_norm's gradient, `rows` rows of `width` at a time: the row's mean
// and rstd as layerNormRows computes them, then in one pass xhat =
// (x - mean) * rstd (into `normalized`), h = dy * scale (into dx first) and
// their sums over the row, then dx = rstd * (h - mean(h) - xhat *
// mean(h * xhat)). f32 sums over kLanes float lanes, added as a tree and
// then in double with the tail, in a fixed order; f64 in order.
template <typename T>
DLC_VECTOR_BODY void layerNormBackwardRows(const T *input, const T *grad, const T *scale, T *dx,
                                           T *normalized, int64_t rows, int64_t width,
                                           double epsilon) {
  for (int64_t r = 0; r < rows; ++r) {
    const T *__restrict x = input + r * width, *__restrict dy = grad + r * width;
    T *__restrict g = dx + r * width, *__restrict xhat = normalized + r * width;
    const auto [mean, inverse] = rowMoments(x, width, epsilon);
    if constexpr (std::is_same_v<T, float>) {
      const float m = static_cast<float>(mean), rstd = static_cast<float>(inverse);
      float lanesH[kLanes] = {}, lanesHX[kLanes] = {};
      int64_t i = 0;
      for (; i + kLanes <= width; i += kLanes)
        for (int k = 0; k < kLanes; ++k) {
          const float xh = (x[i + k] - m) * rstd, h = dy[i + k] * scale[i + k];
          xhat[i + k] = xh;
          g[i + k] = h;
          lanesH[k] += h;
          lanesHX[k] += h * xh;
        }
      double sumH = laneTotal(lanesH), sumHX = laneTotal(lanesHX);
      for (; i < width; ++i) {
        const float xh = (x[i] - m) * rstd, h = dy[i] * scale[i];
        xhat[i] = xh;
        g[i] = h;
        sumH += h;
        sumHX += h * xh;
      }
      const float meanH = static_cast<float>(sumH / double(width));
      const float meanHX = static_cast<float>(sumHX / double(width));
      for (int64_t j = 0; j < width; ++j)
        g[j] = rstd * (g[j] - meanH - xhat[j] * meanHX);
    } else {
      const double rstd = inverse;
      double sumH = 0, sumHX = 0;
      for (int64_t i = 0; i < width; ++i) {
        xhat[i] = (x[i] - mean) * rstd;
        g[i] = dy[i] * scale[i];
        sumH += g[i];
        sumHX += g[i] * xhat[i];
      }
      for (int64_t i = 0; i < width; ++i)
        g[i] = rstd * (g[i] - sumH / double(width) - xhat[i] * (sumHX / double(width)));
    }
  }
}

template <typename T>
void layerNormBackward(const T *input, const T *grad, const T *scale, T *dx, T *normalized,
                       int64_t rows, int64_t width, double epsilon, int threads) {
  forRowBlocks(rows, threads, rows * width >= kParallelMinWork, [&](int64_t first, int64_t count) {
    vectorized<&layerNormBackwardRows<T>>(input + first * width, grad + first * width, scale,
                                          dx + first * width, normalized + first * width, count,
                                          width, epsilon);
  });
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

// The slices of `v` along its axis: contiguous rows (inner 1) in blocks,
// rows(first, count); else each strided line, line(offset of its first
// element). Spread over threads when `parallel`.
template <typename Rows, typename Line>
void forSlices(const AxisView &v, int threads, bool parallel, Rows rows, Line line) {
  if (v.inner == 1) {
    forRowBlocks(v.outer, threads, parallel, rows);
    return;
  }
#pragma omp parallel for num_threads(threads) if (parallel)
  for (int64_t i = 0; i < v.outer * v.inner; ++i)
    line(i / v.inner * v.size * v.inner + i % v.inner);
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
      forSlices(
          v, threads, input.elements() >= kParallelMinWork,
          [&](int64_t first, int64_t count) {
            vectorized<&softmaxRows<T>>(input.as<T>() + first * v.size,
                                        output.as<T>() + first * v.size, count, v.size, log);
          },
          [&](int64_t start) {
            vectorized<&softmaxLine<T>>(input.as<T>() + start, output.as<T>() + start, v.size,
                                        v.inner, log);
          });
      return okStatus();
    };
    return okStatus();
  });
}

Status prepareSoftmaxBackward(const Context &ctx, const fb::SoftmaxBackward &op, Step *out) {
  Tensor y, grad, dx;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &y));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &grad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input_grad(), "input_grad", &dx));
  for (const Tensor *t : {&grad, &dx}) {
    DLC_RETURN_IF_ERROR(expectSameDtype(*t, y));
    DLC_RETURN_IF_ERROR(expectShape(*t, y.shape));
  }
  AxisView v;
  DLC_RETURN_IF_ERROR(axisView(y, op.axis(), &v));
  const bool log = op.log();
  return withFloatType(y, [&](auto zero) {
    using T = decltype(zero);
    *out = [=, threads = ctx.threads]() {
      if (v.size == 0)
        return okStatus();
      forSlices(
          v, threads, y.elements() >= kParallelMinWork,
          [&](int64_t first, int64_t count) {
            const int64_t offset = first * v.size;
            vectorized<&softmaxBackwardRows<T>>(y.as<T>() + offset, grad.as<T>() + offset,
                                                dx.as<T>() + offset, count, v.size, log);
          },
          [&](int64_t start) {
            vectorized<&softmaxBackwardLine<T>>(y.as<T>() + start, grad.as<T>() + start,
                                                dx.as<T>() + start, v.size, v.inner, log);
          });
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
  ChannelView v;
  DLC_RETURN_IF_ERROR(batchNormView(input, op.channels_last(), &v));
  DLC_RETURN_IF_ERROR(expectShape(output, input.shape));
  for (const Tensor *t : {&scale, &offset, &mean, &variance, &output}) {
    DLC_RETURN_IF_ERROR(expectSameDtype(*t, input));
    if (t != &output)
      DLC_RETURN_IF_ERROR(expectShape(*t, shapeOf({v.channels})));
  }
  return withFloatType(input, [&](auto zero) {
    using T = decltype(zero);
    BatchNormArgs<T> args{input.as<T>(),
                          scale.as<T>(),
                          offset.as<T>(),
                          mean.as<T>(),
                          variance.as<T>(),
                          output.as<T>(),
                          v,
                          op.epsilon(),
                          op.momentum(),
                          op.training(),
                          ctx.threads,
                          std::make_shared<ChannelScratch>(v, ctx.threads)};
    *out = [args]() {
      args.run();
      return okStatus();
    };
    return okStatus();
  });
}

Status prepareBatchNormBackward(const Context &ctx, const fb::BatchNormBackward &op, Step *out) {
  Tensor input, grad, scale, inputGrad, scaleGrad, offsetGrad;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &grad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale(), "scale", &scale));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input_grad(), "input_grad", &inputGrad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale_grad(), "scale_grad", &scaleGrad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.offset_grad(), "offset_grad", &offsetGrad));
  ChannelView v;
  DLC_RETURN_IF_ERROR(batchNormView(input, op.channels_last(), &v));
  for (const Tensor *t : {&grad, &inputGrad}) {
    DLC_RETURN_IF_ERROR(expectSameDtype(*t, input));
    DLC_RETURN_IF_ERROR(expectShape(*t, input.shape));
  }
  for (const Tensor *t : {&scale, &scaleGrad, &offsetGrad}) {
    DLC_RETURN_IF_ERROR(expectSameDtype(*t, input));
    DLC_RETURN_IF_ERROR(expectShape(*t, shapeOf({v.channels})));
  }
  return withFloatType(input, [&](auto zero) {
    using T = decltype(zero);
    BatchNormBackwardArgs<T> args{input.as<T>(),
                                  grad.as<T>(),
                                  scale.as<T>(),
                                  inputGrad.as<T>(),
                                  scaleGrad.as<T>(),
                                  offsetGrad.as<T>(),
                                  v,
                                  op.epsilon(),
                                  ctx.threads,
                                  std::make_shared<ChannelScratch>(v, ctx.threads)};
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

Status prepareLayerNormBackward(const Context &ctx, const fb::LayerNormBackward &op, Step *out) {
  Tensor input, grad, scale, dx, normalized;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &grad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale(), "scale", &scale));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input_grad(), "input_grad", &dx));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.normalized(), "normalized", &normalized));
  AxisView v;
  DLC_RETURN_IF_ERROR(axisView(input, op.axis(), &v));
  for (const Tensor *t : {&grad, &dx, &normalized}) {
    DLC_RETURN_IF_ERROR(expectShape(*t, input.shape));
    DLC_RETURN_IF_ERROR(expectSameDtype(*t, input));
  }
  DLC_RETURN_IF_ERROR(expectSameDtype(scale, input));
  DLC_RETURN_IF_ERROR(expectElements(scale, v.size * v.inner));
  return withFloatType(input, [&](auto zero) {
    using T = decltype(zero);
    *out = [=, rows = v.outer, width = v.size * v.inner, epsilon = op.epsilon(),
            threads = ctx.threads]() {
      layerNormBackward(input.as<T>(), grad.as<T>(), scale.as<T>(), dx.as<T>(), normalized.as<T>(),
                        rows, width, epsilon, threads);
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
