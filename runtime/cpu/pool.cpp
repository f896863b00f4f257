// 2-D max and average pooling over NCHW or channels-last NHWC, padding
// [top, left, bottom, right].
// Max ignores padded positions; Average leaves them out of the count,
// AverageIncludePad counts them as zeros. f32 runs on oneDNN, f64 on a loop.
#include "cpu_commands.h"
#include "onednn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace dlc::rt::cpu {
namespace {

struct PoolGeometry {
  int64_t batch, channels, height, width, outH, outW;
  bool channelsLast;
  std::vector<int64_t> kernel, stride, padding;
};

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
  dnnl::algorithm algorithm = op.kind() == fb::PoolKind::Max ? dnnl::algorithm::pooling_max
                              : op.kind() == fb::PoolKind::Average
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
  *out = [pool, stream](const RunInfo &) { return pool.execute(stream); };
  return okStatus();
}

template <typename T>
void poolLoop(const PoolGeometry &g, fb::PoolKind kind, const T *input, T *output, int threads) {
  // Element strides of channel, row and column; a plane is one (n, c).
  const int64_t inC = g.channelsLast ? 1 : g.height * g.width;
  const int64_t inX = g.channelsLast ? g.channels : 1, inY = g.width * inX;
  const int64_t outC = g.channelsLast ? 1 : g.outH * g.outW;
  const int64_t outX = g.channelsLast ? g.channels : 1, outY = g.outW * outX;
  const int64_t planes = g.batch * g.channels;
  int64_t work = planes * g.outH * g.outW * g.kernel[0] * g.kernel[1];
#pragma omp parallel for num_threads(threads) if (work >= kParallelMinWork)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t n = p / g.channels, c = p % g.channels;
    const T *in = input + n * g.channels * g.height * g.width + c * inC;
    T *plane = output + n * g.channels * g.outH * g.outW + c * outC;
    for (int64_t y = 0; y < g.outH; ++y)
      for (int64_t x = 0; x < g.outW; ++x) {
        int64_t y0 = y * g.stride[0] - g.padding[0], x0 = x * g.stride[1] - g.padding[1];
        int64_t y1 = std::min(y0 + g.kernel[0], g.height), x1 = std::min(x0 + g.kernel[1], g.width);
        y0 = std::max<int64_t>(y0, 0);
        x0 = std::max<int64_t>(x0, 0);
        T result = kind == fb::PoolKind::Max ? -std::numeric_limits<T>::infinity() : T(0);
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) {
            T value = in[iy * inY + ix * inX];
            result = kind != fb::PoolKind::Max       ? result + value
                     : value > result || value != value ? value
                                                         : result; // NaN propagates
          }
        if (kind == fb::PoolKind::Average)
          result /= T((y1 - y0) * (x1 - x0));
        else if (kind == fb::PoolKind::AverageIncludePad)
          result /= T(g.kernel[0] * g.kernel[1]);
        plane[y * outY + x * outX] = result;
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
    if constexpr (std::is_same_v<T, float>) {
      return prepareOneDnnPool(ctx, op, g, input, output, out);
    } else {
      fb::PoolKind kind = op.kind();
      *out = [=, threads = ctx.threads](const RunInfo &) {
        poolLoop(g, kind, input.as<T>(), output.as<T>(), threads);
        return okStatus();
      };
      return okStatus();
    }
  });
}

namespace {

/// dx for a pooling's output gradient dy: max sends each window's gradient
/// to its first largest input (row-major in the window; NaN counts as
/// largest), the averages spread it over the counted positions. One (n, c)
/// plane per thread, so windows that overlap never race.
/// NHWC: one sample per thread, every loop over channels innermost and
/// contiguous; the same choice of element as the plane-wise loop below.
template <typename T>
void poolBackwardChannelsLast(const PoolGeometry &g, fb::PoolKind kind, const T *input,
                              const T *grad, T *output, int threads) {
  const int64_t C = g.channels, imageSize = g.height * g.width * C;
#pragma omp parallel for num_threads(threads)
  for (int64_t n = 0; n < g.batch; ++n) {
    const T *in = input + n * imageSize;
    T *dx = output + n * imageSize;
    const T *dy = grad + n * g.outH * g.outW * C;
    std::fill(dx, dx + imageSize, T(0));
    std::vector<int64_t> best(static_cast<size_t>(C));
    for (int64_t y = 0; y < g.outH; ++y)
      for (int64_t x = 0; x < g.outW; ++x) {
        int64_t y0 = y * g.stride[0] - g.padding[0], x0 = x * g.stride[1] - g.padding[1];
        int64_t y1 = std::min(y0 + g.kernel[0], g.height), x1 = std::min(x0 + g.kernel[1], g.width);
        y0 = std::max<int64_t>(y0, 0);
        x0 = std::max<int64_t>(x0, 0);
        const T *g0 = dy + (y * g.outW + x) * C;
        if (kind == fb::PoolKind::Max) {
          for (int64_t c = 0; c < C; ++c)
            best[c] = (y0 * g.width + x0) * C + c;
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) {
              const int64_t base = (iy * g.width + ix) * C;
              for (int64_t c = 0; c < C; ++c) {
                T value = in[base + c], current = in[best[c]];
                if (value > current || (std::isnan(value) && !std::isnan(current)))
                  best[c] = base + c;
              }
            }
          for (int64_t c = 0; c < C; ++c)
            dx[best[c]] += g0[c];
          continue;
        }
        T count = kind == fb::PoolKind::Average ? T((y1 - y0) * (x1 - x0))
                                                : T(g.kernel[0] * g.kernel[1]);
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) {
            T *d = dx + (iy * g.width + ix) * C;
            for (int64_t c = 0; c < C; ++c)
              d[c] += g0[c] / count;
          }
      }
  }
}

template <typename T>
void poolBackwardLoop(const PoolGeometry &g, fb::PoolKind kind, const T *input, const T *grad,
                      T *output, int threads) {
  if (g.channelsLast)
    return poolBackwardChannelsLast(g, kind, input, grad, output, threads);
  const int64_t inC = g.channelsLast ? 1 : g.height * g.width;
  const int64_t inX = g.channelsLast ? g.channels : 1, inY = g.width * inX;
  const int64_t outC = g.channelsLast ? 1 : g.outH * g.outW;
  const int64_t outX = g.channelsLast ? g.channels : 1, outY = g.outW * outX;
  const int64_t planes = g.batch * g.channels;
#pragma omp parallel for num_threads(threads)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t n = p / g.channels, c = p % g.channels;
    const int64_t inBase = n * g.channels * g.height * g.width + c * inC;
    const T *in = input + inBase;
    T *dx = output + inBase;
    const T *dy = grad + n * g.channels * g.outH * g.outW + c * outC;
    for (int64_t iy = 0; iy < g.height; ++iy)
      for (int64_t ix = 0; ix < g.width; ++ix)
        dx[iy * inY + ix * inX] = T(0);
    for (int64_t y = 0; y < g.outH; ++y)
      for (int64_t x = 0; x < g.outW; ++x) {
        int64_t y0 = y * g.stride[0] - g.padding[0], x0 = x * g.stride[1] - g.padding[1];
        int64_t y1 = std::min(y0 + g.kernel[0], g.height), x1 = std::min(x0 + g.kernel[1], g.width);
        y0 = std::max<int64_t>(y0, 0);
        x0 = std::max<int64_t>(x0, 0);
        T g0 = dy[y * outY + x * outX];
        if (kind == fb::PoolKind::Max) {
          int64_t best = y0 * inY + x0 * inX;
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) {
              T value = in[iy * inY + ix * inX];
              if (value > in[best] || (std::isnan(value) && !std::isnan(in[best])))
                best = iy * inY + ix * inX;
            }
          dx[best] += g0;
          continue;
        }
        T share = kind == fb::PoolKind::Average ? g0 / T((y1 - y0) * (x1 - x0))
                                                : g0 / T(g.kernel[0] * g.kernel[1]);
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix)
            dx[iy * inY + ix * inX] += share;
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
  PoolGeometry g;
  DLC_RETURN_IF_ERROR(poolGeometry(op, input, grad, &g));
  return withFloatType(output, [&](auto zero) {
    using T = decltype(zero);
    *out = [=, kind = op.kind(), threads = ctx.threads](const RunInfo &) {
      poolBackwardLoop(g, kind, input.as<T>(), grad.as<T>(), output.as<T>(), threads);
      return okStatus();
    };
    return okStatus();
  });
}

} // namespace dlc::rt::cpu
