// 2-D max and average pooling over NCHW or channels-last NHWC, padding
// [top, left, bottom, right].
// Max ignores padded positions; Average leaves them out of the count,
// AverageIncludePad counts them as zeros. f32 averages run on oneDNN; max
// pooling (whose NaN must propagate, which oneDNN's does not do) and f64 on
// loops here.
#include "cpu_commands.h"
#include "onednn.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace dlc::rt::cpu {
namespace {

/// The input rows [y0, y1) and columns [x0, x1) of one window, clipped to
/// the input (padded positions take no part).
struct PoolWindow {
  int64_t y0, y1, x0, x1;
};

struct PoolGeometry {
  int64_t batch, channels, height, width, outH, outW;
  bool channelsLast;
  std::vector<int64_t> kernel, stride, padding;

  PoolWindow window(int64_t y, int64_t x) const {
    int64_t y0 = y * stride[0] - padding[0], x0 = x * stride[1] - padding[1];
    return {std::max<int64_t>(y0, 0), std::min(y0 + kernel[0], height), std::max<int64_t>(x0, 0),
            std::min(x0 + kernel[1], width)};
  }
  /// What an average divides a window's sum by: its counted elements
  /// (Average) or the whole kernel (AverageIncludePad).
  template <typename T> T divisor(fb::PoolKind kind, const PoolWindow &w) const {
    return kind == fb::PoolKind::Average ? T((w.y1 - w.y0) * (w.x1 - w.x0))
                                         : T(kernel[0] * kernel[1]);
  }
};

/// Whether max pooling prefers `value` to the largest so far: larger, or
/// the first NaN (NaN propagates). Without branches, so that loops over
/// channels vectorize.
template <typename T> bool beatsForMax(T value, T current) {
  return (value > current) | ((value != value) & (current == current));
}

/// The geometry of pooling input -> output (for a gradient: of its forward
/// pooling), checked against the tensors.
template <typename PoolOp>
Status poolGeometry(const PoolOp &op, const Tensor &input, const Tensor &output,
                    PoolGeometry *out) {
  if (input.shape.rank != 4)
    return error(DLC_INVALID_FILE, "pooling wants a 4-D input, got {}",
                 describe(input.dtype, input.shape));
  PoolGeometry g;
  DLC_RETURN_IF_ERROR(attributeList(op.kernel(), 2, 1, 1, "kernel", &g.kernel));
  DLC_RETURN_IF_ERROR(attributeList(op.padding(), 4, 0, 0, "padding", &g.padding));
  // The dialect's default stride is the kernel.
  if (op.stride() && op.stride()->size() > 0)
    DLC_RETURN_IF_ERROR(attributeList(op.stride(), 2, 1, 1, "stride", &g.stride));
  else
    g.stride = g.kernel;
  for (int i = 0; i < 4; ++i)
    if (g.padding[i] >= g.kernel[i % 2])
      return error(DLC_INVALID_FILE, "pooling padding {} is not smaller than the kernel {}",
                   g.padding[i], g.kernel[i % 2]);
  g.channelsLast = op.channels_last();
  const int c = g.channelsLast ? 3 : 1, h = g.channelsLast ? 1 : 2; // dim indices
  g.batch = input.shape[0];
  g.channels = input.shape[c];
  g.height = input.shape[h];
  g.width = input.shape[h + 1];
  int64_t paddedH = g.height + g.padding[0] + g.padding[2];
  int64_t paddedW = g.width + g.padding[1] + g.padding[3];
  if (paddedH < g.kernel[0] || paddedW < g.kernel[1])
    return error(DLC_INVALID_FILE, "pooling window {}x{} is larger than the padded input {}",
                 g.kernel[0], g.kernel[1], describe(input.dtype, input.shape));
  g.outH = (paddedH - g.kernel[0]) / g.stride[0] + 1;
  g.outW = (paddedW - g.kernel[1]) / g.stride[1] + 1;
  DLC_RETURN_IF_ERROR(expectShape(output, g.channelsLast
                                              ? shapeOf({g.batch, g.outH, g.outW, g.channels})
                                              : shapeOf({g.batch, g.channels, g.outH, g.outW})));
  *out = std::move(g);
  return okStatus();
}

Status prepareOneDnnPool(const Context &ctx, const fb::Pool2D &op, const PoolGeometry &g,
                         const Tensor &input, const Tensor &output, Step *out) {
  using dnnl::memory;
  const auto f32 = memory::data_type::f32;
  // oneDNN's dims are always N, C, H, W; the tag says how they are laid out.
  const auto layout = g.channelsLast ? memory::format_tag::nhwc : memory::format_tag::nchw;
  memory::desc src({g.batch, g.channels, g.height, g.width}, f32, layout);
  memory::desc dst({g.batch, g.channels, g.outH, g.outW}, f32, layout);
  // Averages only: max pooling runs on poolLoop.
  dnnl::algorithm algorithm = op.kind() == fb::PoolKind::Average
                                  ? dnnl::algorithm::pooling_avg_exclude_padding
                                  : dnnl::algorithm::pooling_avg_include_padding;
  dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src, dst,
                                   g.stride, g.kernel, {g.padding[0], g.padding[1]},
                                   {g.padding[2], g.padding[3]});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::pooling_forward::primitive_desc pd(desc, attr, ctx.engine);
  BoundPrimitive pool(dnnl::pooling_forward(pd),
                      {{DNNL_ARG_SRC, memory(src, ctx.engine, input.data)},
                       {DNNL_ARG_DST, memory(dst, ctx.engine, output.data)},
                       {DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine)}});
  dnnl::stream stream = ctx.stream;
  *out = [pool, stream]() { return pool.execute(stream); };
  return okStatus();
}

/// One NHWC sample: every loop over channels innermost and contiguous.
template <typename T>
DLC_VECTOR_BODY void poolSample(const PoolGeometry &g, fb::PoolKind kind, const T *image,
                                T *output) {
  const int64_t C = g.channels;
  for (int64_t y = 0; y < g.outH; ++y)
    for (int64_t x = 0; x < g.outW; ++x) {
      const PoolWindow w = g.window(y, x);
      T *__restrict result = output + (y * g.outW + x) * C;
      // As the NCHW loop: from -inf (max) or 0 (averages), so an empty
      // window gives what it gives there.
      std::fill(result, result + C,
                kind == fb::PoolKind::Max ? -std::numeric_limits<T>::infinity() : T(0));
      for (int64_t iy = w.y0; iy < w.y1; ++iy)
        for (int64_t ix = w.x0; ix < w.x1; ++ix) {
          const T *__restrict v = image + (iy * g.width + ix) * C;
          if (kind == fb::PoolKind::Max) {
            for (int64_t c = 0; c < C; ++c) {
              const T candidate = v[c], current = result[c];
              result[c] = beatsForMax(candidate, current) ? candidate : current;
            }
          } else {
            for (int64_t c = 0; c < C; ++c)
              result[c] += v[c];
          }
        }
      if (kind != fb::PoolKind::Max) {
        const T divisor = g.divisor<T>(kind, w);
        for (int64_t c = 0; c < C; ++c)
          result[c] /= divisor;
      }
    }
}

/// NHWC: one sample per thread.
template <typename T>
void poolChannelsLast(const PoolGeometry &g, fb::PoolKind kind, const T *input, T *output,
                      int threads) {
  const int64_t imageSize = g.height * g.width * g.channels, outSize = g.outH * g.outW * g.channels;
  int64_t work = g.batch * outSize * g.kernel[0] * g.kernel[1];
#pragma omp parallel for num_threads(threads) if (work >= kParallelMinWork)
  for (int64_t n = 0; n < g.batch; ++n)
    vectorized<&poolSample<T>>(g, kind, input + n * imageSize, output + n * outSize);
}

template <typename T>
void poolLoop(const PoolGeometry &g, fb::PoolKind kind, const T *input, T *output, int threads) {
  if (g.channelsLast)
    return poolChannelsLast(g, kind, input, output, threads);
  // NCHW: one (n, c) plane per thread.
  const int64_t planes = g.batch * g.channels;
  int64_t work = planes * g.outH * g.outW * g.kernel[0] * g.kernel[1];
#pragma omp parallel for num_threads(threads) if (work >= kParallelMinWork)
  for (int64_t p = 0; p < planes; ++p) {
    const T *in = input + p * g.height * g.width;
    T *plane = output + p * g.outH * g.outW;
    for (int64_t y = 0; y < g.outH; ++y)
      for (int64_t x = 0; x < g.outW; ++x) {
        const PoolWindow w = g.window(y, x);
        T result = kind == fb::PoolKind::Max ? -std::numeric_limits<T>::infinity() : T(0);
        for (int64_t iy = w.y0; iy < w.y1; ++iy)
          for (int64_t ix = w.x0; ix < w.x1; ++ix) {
            T value = in[iy * g.width + ix];
            if (kind != fb::PoolKind::Max)
              result += value;
            else if (beatsForMax(value, result))
              result = value;
          }
        if (kind != fb::PoolKind::Max)
          result /= g.divisor<T>(kind, w);
        plane[y * g.outW + x] = result;
      }
  }
}

} // namespace

Status preparePool2D(const Context &ctx, const fb::Pool2D &op, Step *out) {
  Tensor input, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  PoolGeometry g;
  DLC_RETURN_IF_ERROR(poolGeometry(op, input, output, &g));
  return withFloatType(output, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, float>)
      if (op.kind() != fb::PoolKind::Max)
        return prepareOneDnnPool(ctx, op, g, input, output, out);
    fb::PoolKind kind = op.kind();
    *out = [=, threads = ctx.threads]() {
      poolLoop(g, kind, input.as<T>(), output.as<T>(), threads);
      return okStatus();
    };
    return okStatus();
  });
}

namespace {

/// dx for a pooling's output gradient dy: max sends each window's gradient
/// to its first largest input (row-major in the window; NaN counts as
/// largest), the averages spread it over the counted positions. With
/// `reluMask` (max only), a gradient reaching an input that is not positive
/// is dropped. Work is split so that overlapping windows never race.
///
/// One NHWC sample, every loop over channels innermost and contiguous. Max
/// keeps each channel's largest value and its place in the window (`value`,
/// `place`: C each; places are small integers held in T, so that every loop
/// is of one type and vectorizes), then writes the window's gradient; where
/// the windows tile the image exactly (`tiles`: stride = kernel, no padding,
/// nothing left over) every element is written once, with no zeroing first.
template <typename T>
DLC_VECTOR_BODY void poolBackwardSample(const PoolGeometry &g, fb::PoolKind kind, bool reluMask,
                                        bool tiles, const T *in, const T *dy, T *dx,
                                        T *__restrict value, T *__restrict place) {
  const int64_t C = g.channels;
  if (!tiles || kind != fb::PoolKind::Max)
    std::fill(dx, dx + g.height * g.width * C, T(0));
  for (int64_t y = 0; y < g.outH; ++y)
    for (int64_t x = 0; x < g.outW; ++x) {
      const PoolWindow w = g.window(y, x);
      const T *__restrict g0 = dy + (y * g.outW + x) * C;
      if (kind != fb::PoolKind::Max) {
        const T count = g.divisor<T>(kind, w);
        for (int64_t iy = w.y0; iy < w.y1; ++iy)
          for (int64_t ix = w.x0; ix < w.x1; ++ix) {
            T *__restrict d = dx + (iy * g.width + ix) * C;
            for (int64_t c = 0; c < C; ++c)
              d[c] += g0[c] / count;
          }
        continue;
      }
      T k = 0;
      for (int64_t iy = w.y0; iy < w.y1; ++iy)
        for (int64_t ix = w.x0; ix < w.x1; ++ix, ++k) {
          const T *__restrict v = in + (iy * g.width + ix) * C;
          if (k == 0) {
            std::copy(v, v + C, value);
            std::fill(place, place + C, T(0));
            continue;
          }
          for (int64_t c = 0; c < C; ++c) {
            const T candidate = v[c], current = value[c];
            const bool beats = beatsForMax(candidate, current);
            value[c] = beats ? candidate : current;
            place[c] = beats ? k : place[c];
          }
        }
      if (reluMask)
        for (int64_t c = 0; c < C; ++c)
          place[c] = value[c] > T(0) ? place[c] : T(-1);
      k = 0;
      for (int64_t iy = w.y0; iy < w.y1; ++iy)
        for (int64_t ix = w.x0; ix < w.x1; ++ix, ++k) {
          T *__restrict d = dx + (iy * g.width + ix) * C;
          // Both operands loaded first: a select, not a branch. 0 + share,
          // as the accumulating paths compute it (-0 becomes +0 there too).
          if (tiles)
            for (int64_t c = 0; c < C; ++c) {
              const T share = g0[c], at = place[c];
              d[c] = at == k ? T(0) + share : T(0);
            }
          else
            for (int64_t c = 0; c < C; ++c) {
              const T share = g0[c], at = place[c], before = d[c];
              d[c] = before + (at == k ? share : T(0));
            }
        }
    }
}

/// NHWC: one sample per thread; `scratch` holds 2 x channels values per
/// thread (allocated when the command is prepared).
template <typename T>
void poolBackwardChannelsLast(const PoolGeometry &g, fb::PoolKind kind, bool reluMask,
                              const T *input, const T *grad, T *output, int threads, T *scratch) {
  const int64_t C = g.channels, imageSize = g.height * g.width * C;
  const bool unpadded =
      std::all_of(g.padding.begin(), g.padding.end(), [](int64_t p) { return p == 0; });
  const bool tiles = g.stride == g.kernel && unpadded && g.outH * g.kernel[0] == g.height &&
                     g.outW * g.kernel[1] == g.width;
#pragma omp parallel num_threads(threads)
  {
    T *value = scratch + size_t(omp_get_thread_num()) * 2 * C, *place = value + C;
#pragma omp for
    for (int64_t n = 0; n < g.batch; ++n)
      vectorized<&poolBackwardSample<T>>(g, kind, reluMask, tiles, input + n * imageSize,
                                         grad + n * g.outH * g.outW * C, output + n * imageSize,
                                         value, place);
  }
}

/// NCHW: one (n, c) plane per thread.
template <typename T>
void poolBackwardLoop(const PoolGeometry &g, fb::PoolKind kind, bool reluMask, const T *input,
                      const T *grad, T *output, int threads, T *scratch) {
  if (g.channelsLast)
    return poolBackwardChannelsLast(g, kind, reluMask, input, grad, output, threads, scratch);
  const int64_t planeSize = g.height * g.width, outPlaneSize = g.outH * g.outW;
#pragma omp parallel for num_threads(threads)
  for (int64_t p = 0; p < g.batch * g.channels; ++p) {
    const T *in = input + p * planeSize;
    T *dx = output + p * planeSize;
    const T *dy = grad + p * outPlaneSize;
    std::fill(dx, dx + planeSize, T(0));
    for (int64_t y = 0; y < g.outH; ++y)
      for (int64_t x = 0; x < g.outW; ++x) {
        const PoolWindow w = g.window(y, x);
        const T g0 = dy[y * g.outW + x];
        if (kind == fb::PoolKind::Max) {
          int64_t best = w.y0 * g.width + w.x0;
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix)
              if (beatsForMax(in[iy * g.width + ix], in[best]))
                best = iy * g.width + ix;
          if (!reluMask || in[best] > T(0))
            dx[best] += g0;
          continue;
        }
        const T share = g0 / g.divisor<T>(kind, w);
        for (int64_t iy = w.y0; iy < w.y1; ++iy)
          for (int64_t ix = w.x0; ix < w.x1; ++ix)
            dx[iy * g.width + ix] += share;
      }
  }
}

} // namespace

Status preparePool2DBackward(const Context &ctx, const fb::Pool2DBackward &op, Step *out) {
  Tensor input, grad, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &grad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, input));
  DLC_RETURN_IF_ERROR(expectSameDtype(grad, input));
  DLC_RETURN_IF_ERROR(expectShape(output, input.shape));
  if (op.relu_mask() && op.kind() != fb::PoolKind::Max)
    return error(DLC_INVALID_FILE, "pooling gradient: relu_mask applies to max pooling only");
  PoolGeometry g;
  DLC_RETURN_IF_ERROR(poolGeometry(op, input, grad, &g));
  return withFloatType(output, [&](auto zero) {
    using T = decltype(zero);
    auto scratch =
        std::make_shared<std::vector<T>>(g.channelsLast ? size_t(ctx.threads) * 2 * g.channels : 0);
    *out = [=, kind = op.kind(), reluMask = op.relu_mask(), threads = ctx.threads]() {
      poolBackwardLoop(g, kind, reluMask, input.as<T>(), grad.as<T>(), output.as<T>(), threads,
                       scratch->data());
      return okStatus();
    };
    return okStatus();
  });
}

} // namespace dlc::rt::cpu
