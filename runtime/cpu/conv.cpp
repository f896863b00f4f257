// 2-D convolution, NCHW (or channels-last NHWC) input and output, OIHW
// filter, with groups, stride, dilation, padding [top, left, bottom, right],
// an optional bias [O] and ReLU. f32 runs
// on oneDNN in the layouts it prefers (reordered in and out); f64, which
// oneDNN lacks, on a direct loop.
#include "cpu_commands.h"
#include "onednn.h"

namespace dlc::rt::cpu {
namespace {

struct ConvGeometry {
  int64_t batch, inChannels, height, width;
  int64_t outChannels, kernelH, kernelW, outH, outW, groups;
  bool channelsLast;
  std::vector<int64_t> stride, padding, dilation; // padding: top, left, bottom, right
};

/// The geometry of the convolution input * filter -> output (for a
/// gradient: of its forward convolution), checked against the tensors.
template <typename ConvOp>
Status convGeometry(const ConvOp &op, const Tensor &input, const Tensor &filter,
                    const Tensor &output, const Tensor *bias, ConvGeometry *out) {
  if (input.shape.rank != 4 || filter.shape.rank != 4)
    return error(DLC_INVALID_FILE, "conv2d wants 4-D input and OIHW filter, got {} and {}",
                 describe(input.dtype, input.shape), describe(filter.dtype, filter.shape));
  ConvGeometry g;
  DLC_RETURN_IF_ERROR(attributeList(op.stride(), 2, 1, 1, "stride", &g.stride));
  DLC_RETURN_IF_ERROR(attributeList(op.padding(), 4, 0, 0, "padding", &g.padding));
  DLC_RETURN_IF_ERROR(attributeList(op.dilation(), 2, 1, 1, "dilation", &g.dilation));
  g.channelsLast = op.channels_last();
  const int c = g.channelsLast ? 3 : 1, h = g.channelsLast ? 1 : 2; // dim indices
  g.batch = input.shape[0];
  g.inChannels = input.shape[c];
  g.height = input.shape[h];
  g.width = input.shape[h + 1];
  g.outChannels = filter.shape[0];
  g.kernelH = filter.shape[2];
  g.kernelW = filter.shape[3];
  g.groups = op.groups();
  if (g.groups < 1 || g.inChannels % g.groups || g.outChannels % g.groups ||
      filter.shape[1] * g.groups != g.inChannels)
    return error(DLC_INVALID_FILE, "conv2d of {} with filter {} in {} groups",
                 describe(input.dtype, input.shape), describe(filter.dtype, filter.shape),
                 g.groups);
  int64_t spanH = g.dilation[0] * (g.kernelH - 1) + 1, spanW = g.dilation[1] * (g.kernelW - 1) + 1;
  int64_t paddedH = g.height + g.padding[0] + g.padding[2];
  int64_t paddedW = g.width + g.padding[1] + g.padding[3];
  if (paddedH < spanH || paddedW < spanW)
    return error(DLC_INVALID_FILE, "conv2d filter {} is larger than the padded input {}",
                 describe(filter.dtype, filter.shape), describe(input.dtype, input.shape));
  g.outH = (paddedH - spanH) / g.stride[0] + 1;
  g.outW = (paddedW - spanW) / g.stride[1] + 1;
  DLC_RETURN_IF_ERROR(expectShape(output, g.channelsLast
                                              ? shapeOf({g.batch, g.outH, g.outW, g.outChannels})
                                              : shapeOf({g.batch, g.outChannels, g.outH, g.outW})));
  if (bias)
    DLC_RETURN_IF_ERROR(expectShape(*bias, shapeOf({g.outChannels})));
  *out = std::move(g);
  return okStatus();
}

// A tensor in the layout the convolution wants: the user's memory when the
// layouts agree, else a buffer of the wanted layout and a reorder to fill it
// (inputs) or to empty it into the user's memory (the output).
dnnl::memory staged(const dnnl::memory::desc &wanted, const dnnl::memory &user, bool isInput,
                    const dnnl::engine &engine, std::vector<BoundPrimitive> *before,
                    std::vector<BoundPrimitive> *after) {
  if (wanted == user.get_desc())
    return user;
  dnnl::memory inner(wanted, engine);
  if (isInput)
    before->emplace_back(
        dnnl::reorder(user, inner),
        std::unordered_map<int, dnnl::memory>{{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, inner}});
  else
    after->emplace_back(
        dnnl::reorder(inner, user),
        std::unordered_map<int, dnnl::memory>{{DNNL_ARG_FROM, inner}, {DNNL_ARG_TO, user}});
  return inner;
}

Status prepareOneDnnConv(const Context &ctx, const fb::Conv2D &op, const ConvGeometry &g,
                         const Tensor &input, const Tensor &filter, const Tensor &output,
                         const Tensor *bias, Step *out) {
  using dnnl::memory;
  using tag = memory::format_tag;
  const auto f32 = memory::data_type::f32;
  memory::dims srcDims{g.batch, g.inChannels, g.height, g.width};
  memory::dims dstDims{g.batch, g.outChannels, g.outH, g.outW};
  memory::dims weightDims = g.groups == 1
                                ? memory::dims{g.outChannels, g.inChannels, g.kernelH, g.kernelW}
                                : memory::dims{g.groups, g.outChannels / g.groups,
                                               g.inChannels / g.groups, g.kernelH, g.kernelW};
  const tag dataTag = g.channelsLast ? tag::nhwc : tag::nchw;
  memory userSrc({srcDims, f32, dataTag}, ctx.engine, input.data);
  memory userWeights({weightDims, f32, g.groups == 1 ? tag::oihw : tag::goihw}, ctx.engine,
                     filter.data);
  memory userDst({dstDims, f32, dataTag}, ctx.engine, output.data);
  memory::desc biasDesc({g.outChannels}, f32, tag::x);

  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (op.activation() == fb::Activation::Relu) {
    dnnl::post_ops postOps;
    postOps.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(postOps);
  }
  memory::dims strides = g.stride, padL{g.padding[0], g.padding[1]},
               padR{g.padding[2], g.padding[3]};
  memory::dims dilates{g.dilation[0] - 1, g.dilation[1] - 1}; // oneDNN counts from 0
  memory::desc anySrc(srcDims, f32, tag::any), anyWeights(weightDims, f32, tag::any),
      anyDst(dstDims, f32, tag::any);
  auto desc =
      bias
          ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                            dnnl::algorithm::convolution_direct, anySrc, anyWeights,
                                            biasDesc, anyDst, strides, dilates, padL, padR)
          : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                            dnnl::algorithm::convolution_direct, anySrc, anyWeights,
                                            anyDst, strides, dilates, padL, padR);
  dnnl::convolution_forward::primitive_desc pd(desc, attr, ctx.engine);

  std::vector<BoundPrimitive> before, after;
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, staged(pd.src_desc(), userSrc, true, ctx.engine, &before, &after)},
      {DNNL_ARG_WEIGHTS, staged(pd.weights_desc(), userWeights, true, ctx.engine, &before, &after)},
      {DNNL_ARG_DST, staged(pd.dst_desc(), userDst, false, ctx.engine, &before, &after)},
      {DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine)}};
  if (bias)
    args[DNNL_ARG_BIAS] = memory(biasDesc, ctx.engine, bias->data);
  std::vector<BoundPrimitive> sequence = std::move(before);
  sequence.emplace_back(dnnl::convolution_forward(pd), std::move(args));
  for (BoundPrimitive &primitive : after)
    sequence.push_back(std::move(primitive));
  dnnl::stream stream = ctx.stream;
  *out = [sequence, stream](const RunInfo &) {
    for (const BoundPrimitive &primitive : sequence)
      DLC_RETURN_IF_ERROR(primitive.execute(stream));
    return okStatus();
  };
  return okStatus();
}

/// Element strides of a 4-D image tensor by role: batch, channel, row, column.
struct ImageStrides {
  int64_t n, c, y, x;
};

ImageStrides imageStrides(bool channelsLast, int64_t channels, int64_t height, int64_t width) {
  if (channelsLast)
    return {height * width * channels, 1, width * channels, channels};
  return {channels * height * width, height * width, width, 1};
}

template <typename T>
void convLoop(const ConvGeometry &g, const T *input, const T *filter, const T *bias, T *output,
              bool relu, int threads) {
  int64_t groupIn = g.inChannels / g.groups, groupOut = g.outChannels / g.groups;
  int64_t work = g.batch * g.outChannels * g.outH * g.outW * groupIn * g.kernelH * g.kernelW;
  ImageStrides in = imageStrides(g.channelsLast, g.inChannels, g.height, g.width);
  ImageStrides out = imageStrides(g.channelsLast, g.outChannels, g.outH, g.outW);
#pragma omp parallel for collapse(2) num_threads(threads) if (work >= kParallelMinWork)
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.outChannels; ++o) {
      int64_t firstChannel = o / groupOut * groupIn;
      for (int64_t y = 0; y < g.outH; ++y)
        for (int64_t x = 0; x < g.outW; ++x) {
          T sum = bias ? bias[o] : T(0);
          for (int64_t c = 0; c < groupIn; ++c) {
            const T *image = input + n * in.n + (firstChannel + c) * in.c;
            const T *w = filter + (o * groupIn + c) * g.kernelH * g.kernelW;
            for (int64_t ky = 0; ky < g.kernelH; ++ky) {
              int64_t iy = y * g.stride[0] - g.padding[0] + ky * g.dilation[0];
              if (iy < 0 || iy >= g.height)
                continue;
              for (int64_t kx = 0; kx < g.kernelW; ++kx) {
                int64_t ix = x * g.stride[1] - g.padding[1] + kx * g.dilation[1];
                if (ix >= 0 && ix < g.width)
                  sum += image[iy * in.y + ix * in.x] * w[ky * g.kernelW + kx];
              }
            }
          }
          output[n * out.n + o * out.c + y * out.y + x * out.x] = relu && sum < 0 ? T(0) : sum;
        }
    }
}

} // namespace

Status prepareConv2D(const Context &ctx, const fb::Conv2D &op, Step *out) {
  Tensor input, filter, output, bias;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.filter(), "filter", &filter));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(input, output));
  DLC_RETURN_IF_ERROR(expectSameDtype(filter, output));
  const Tensor *biasOrNull = nullptr;
  if (op.bias() >= 0) {
    DLC_RETURN_IF_ERROR(ctx.tensor(op.bias(), "bias", &bias));
    DLC_RETURN_IF_ERROR(expectSameDtype(bias, output));
    biasOrNull = &bias;
  }
  ConvGeometry g;
  DLC_RETURN_IF_ERROR(convGeometry(op, input, filter, output, biasOrNull, &g));
  return withFloatType(output, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, float>) {
      return prepareOneDnnConv(ctx, op, g, input, filter, output, biasOrNull, out);
    } else {
      const T *biasData = biasOrNull ? bias.as<T>() : nullptr;
      bool relu = op.activation() == fb::Activation::Relu;
      *out = [=, threads = ctx.threads](const RunInfo &) {
        convLoop(g, input.as<T>(), filter.as<T>(), biasData, output.as<T>(), relu, threads);
        return okStatus();
      };
      return okStatus();
    }
  });
}

namespace {

/// The oneDNN descriptors shared by a convolution's gradients: user
/// memories in the model's layouts, `any` descriptors for the primitive, and
/// the forward primitive descriptor oneDNN wants as a hint.
struct OneDnnConvSetup {
  dnnl::memory::dims src, dst, weights, strides, dilates, padL, padR;
  dnnl::memory::format_tag data, filter;
  dnnl::convolution_forward::primitive_desc forward;
};

OneDnnConvSetup oneDnnConvSetup(const Context &ctx, const ConvGeometry &g) {
  using dnnl::memory;
  using tag = memory::format_tag;
  OneDnnConvSetup s;
  s.src = {g.batch, g.inChannels, g.height, g.width};
  s.dst = {g.batch, g.outChannels, g.outH, g.outW};
  s.weights = g.groups == 1 ? memory::dims{g.outChannels, g.inChannels, g.kernelH, g.kernelW}
                            : memory::dims{g.groups, g.outChannels / g.groups,
                                           g.inChannels / g.groups, g.kernelH, g.kernelW};
  s.data = g.channelsLast ? tag::nhwc : tag::nchw;
  s.filter = g.groups == 1 ? tag::oihw : tag::goihw;
  s.strides = g.stride;
  s.dilates = {g.dilation[0] - 1, g.dilation[1] - 1};
  s.padL = {g.padding[0], g.padding[1]};
  s.padR = {g.padding[2], g.padding[3]};
  const auto f32 = memory::data_type::f32;
  dnnl::convolution_forward::desc forward(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
      memory::desc(s.src, f32, tag::any), memory::desc(s.weights, f32, tag::any),
      memory::desc(s.dst, f32, tag::any), s.strides, s.dilates, s.padL, s.padR);
  s.forward = dnnl::convolution_forward::primitive_desc(forward, ctx.engine);
  return s;
}

Step sequenceStep(std::vector<BoundPrimitive> before, BoundPrimitive main,
                  std::vector<BoundPrimitive> after, dnnl::stream stream) {
  std::vector<BoundPrimitive> sequence = std::move(before);
  sequence.push_back(std::move(main));
  for (BoundPrimitive &primitive : after)
    sequence.push_back(std::move(primitive));
  return [sequence, stream](const RunInfo &) {
    for (const BoundPrimitive &primitive : sequence)
      DLC_RETURN_IF_ERROR(primitive.execute(stream));
    return okStatus();
  };
}

/// dx[n, c, iy, ix] += dy[n, o, y, x] * w[o, c', ky, kx] over every window
/// position that reads (iy, ix); one batch element per thread.
template <typename T>
void convBackwardDataLoop(const ConvGeometry &g, const T *grad, const T *filter, T *output,
                          int threads) {
  int64_t groupIn = g.inChannels / g.groups, groupOut = g.outChannels / g.groups;
  ImageStrides in = imageStrides(g.channelsLast, g.inChannels, g.height, g.width);
  ImageStrides out = imageStrides(g.channelsLast, g.outChannels, g.outH, g.outW);
#pragma omp parallel for num_threads(threads)
  for (int64_t n = 0; n < g.batch; ++n) {
    T *dx = output + n * in.n;
    for (int64_t c = 0; c < g.inChannels; ++c)
      for (int64_t y = 0; y < g.height; ++y)
        for (int64_t x = 0; x < g.width; ++x)
          dx[c * in.c + y * in.y + x * in.x] = T(0);
    for (int64_t o = 0; o < g.outChannels; ++o) {
      int64_t firstChannel = o / groupOut * groupIn;
      for (int64_t y = 0; y < g.outH; ++y)
        for (int64_t x = 0; x < g.outW; ++x) {
          T dy = grad[n * out.n + o * out.c + y * out.y + x * out.x];
          for (int64_t c = 0; c < groupIn; ++c) {
            const T *w = filter + (o * groupIn + c) * g.kernelH * g.kernelW;
            for (int64_t ky = 0; ky < g.kernelH; ++ky) {
              int64_t iy = y * g.stride[0] - g.padding[0] + ky * g.dilation[0];
              if (iy < 0 || iy >= g.height)
                continue;
              for (int64_t kx = 0; kx < g.kernelW; ++kx) {
                int64_t ix = x * g.stride[1] - g.padding[1] + kx * g.dilation[1];
                if (ix >= 0 && ix < g.width)
                  dx[(firstChannel + c) * in.c + iy * in.y + ix * in.x] +=
                      dy * w[ky * g.kernelW + kx];
              }
            }
          }
        }
    }
  }
}

/// dw[o, c', ky, kx] = sum over n, y, x of dy[n, o, y, x] * x[n, c, iy, ix];
/// one output channel per thread.
template <typename T>
void convBackwardFilterLoop(const ConvGeometry &g, const T *input, const T *grad, T *output,
                            int threads) {
  int64_t groupIn = g.inChannels / g.groups, groupOut = g.outChannels / g.groups;
  ImageStrides in = imageStrides(g.channelsLast, g.inChannels, g.height, g.width);
  ImageStrides out = imageStrides(g.channelsLast, g.outChannels, g.outH, g.outW);
#pragma omp parallel for num_threads(threads)
  for (int64_t o = 0; o < g.outChannels; ++o) {
    int64_t firstChannel = o / groupOut * groupIn;
    T *dw = output + o * groupIn * g.kernelH * g.kernelW;
    for (int64_t c = 0; c < groupIn; ++c)
      for (int64_t ky = 0; ky < g.kernelH; ++ky)
        for (int64_t kx = 0; kx < g.kernelW; ++kx) {
          T sum = 0;
          for (int64_t n = 0; n < g.batch; ++n)
            for (int64_t y = 0; y < g.outH; ++y) {
              int64_t iy = y * g.stride[0] - g.padding[0] + ky * g.dilation[0];
              if (iy < 0 || iy >= g.height)
                continue;
              for (int64_t x = 0; x < g.outW; ++x) {
                int64_t ix = x * g.stride[1] - g.padding[1] + kx * g.dilation[1];
                if (ix >= 0 && ix < g.width)
                  sum += grad[n * out.n + o * out.c + y * out.y + x * out.x] *
                         input[n * in.n + (firstChannel + c) * in.c + iy * in.y + ix * in.x];
              }
            }
          dw[(c * g.kernelH + ky) * g.kernelW + kx] = sum;
        }
  }
}

} // namespace

Status prepareConv2DBackwardData(const Context &ctx, const fb::Conv2DBackwardData &op, Step *out) {
  Tensor grad, filter, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &grad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.filter(), "filter", &filter));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(grad, output));
  DLC_RETURN_IF_ERROR(expectSameDtype(filter, output));
  ConvGeometry g;
  DLC_RETURN_IF_ERROR(convGeometry(op, output, filter, grad, nullptr, &g));
  return withFloatType(output, [&](auto zero) -> Status {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, float>) {
      using dnnl::memory;
      const auto f32 = memory::data_type::f32;
      OneDnnConvSetup s = oneDnnConvSetup(ctx, g);
      dnnl::convolution_backward_data::desc desc(
          dnnl::algorithm::convolution_direct, memory::desc(s.src, f32, memory::format_tag::any),
          memory::desc(s.weights, f32, memory::format_tag::any),
          memory::desc(s.dst, f32, memory::format_tag::any), s.strides, s.dilates, s.padL,
          s.padR);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::convolution_backward_data::primitive_desc pd(desc, attr, ctx.engine, s.forward);
      memory userGrad({s.dst, f32, s.data}, ctx.engine, grad.data);
      memory userFilter({s.weights, f32, s.filter}, ctx.engine, filter.data);
      memory userOutput({s.src, f32, s.data}, ctx.engine, output.data);
      std::vector<BoundPrimitive> before, after;
      std::unordered_map<int, memory> args = {
          {DNNL_ARG_DIFF_DST, staged(pd.diff_dst_desc(), userGrad, true, ctx.engine, &before, &after)},
          {DNNL_ARG_WEIGHTS, staged(pd.weights_desc(), userFilter, true, ctx.engine, &before, &after)},
          {DNNL_ARG_DIFF_SRC, staged(pd.diff_src_desc(), userOutput, false, ctx.engine, &before, &after)},
          {DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine)}};
      *out = sequenceStep(std::move(before),
                          BoundPrimitive(dnnl::convolution_backward_data(pd), std::move(args)),
                          std::move(after), ctx.stream);
    } else {
      *out = [=, threads = ctx.threads](const RunInfo &) {
        convBackwardDataLoop(g, grad.as<T>(), filter.as<T>(), output.as<T>(), threads);
        return okStatus();
      };
    }
    return okStatus();
  });
}

Status prepareConv2DBackwardFilter(const Context &ctx, const fb::Conv2DBackwardFilter &op,
                                   Step *out) {
  Tensor input, grad, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &grad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(grad, output));
  DLC_RETURN_IF_ERROR(expectSameDtype(input, output));
  ConvGeometry g;
  DLC_RETURN_IF_ERROR(convGeometry(op, input, output, grad, nullptr, &g));
  return withFloatType(output, [&](auto zero) -> Status {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, float>) {
      using dnnl::memory;
      const auto f32 = memory::data_type::f32;
      OneDnnConvSetup s = oneDnnConvSetup(ctx, g);
      dnnl::convolution_backward_weights::desc desc(
          dnnl::algorithm::convolution_direct, memory::desc(s.src, f32, memory::format_tag::any),
          memory::desc(s.weights, f32, memory::format_tag::any),
          memory::desc(s.dst, f32, memory::format_tag::any), s.strides, s.dilates, s.padL,
          s.padR);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::convolution_backward_weights::primitive_desc pd(desc, attr, ctx.engine, s.forward);
      memory userInput({s.src, f32, s.data}, ctx.engine, input.data);
      memory userGrad({s.dst, f32, s.data}, ctx.engine, grad.data);
      memory userOutput({s.weights, f32, s.filter}, ctx.engine, output.data);
      std::vector<BoundPrimitive> before, after;
      std::unordered_map<int, memory> args = {
          {DNNL_ARG_SRC, staged(pd.src_desc(), userInput, true, ctx.engine, &before, &after)},
          {DNNL_ARG_DIFF_DST, staged(pd.diff_dst_desc(), userGrad, true, ctx.engine, &before, &after)},
          {DNNL_ARG_DIFF_WEIGHTS, staged(pd.diff_weights_desc(), userOutput, false, ctx.engine, &before, &after)},
          {DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine)}};
      *out = sequenceStep(std::move(before),
                          BoundPrimitive(dnnl::convolution_backward_weights(pd), std::move(args)),
                          std::move(after), ctx.stream);
    } else {
      *out = [=, threads = ctx.threads](const RunInfo &) {
        convBackwardFilterLoop(g, input.as<T>(), grad.as<T>(), output.as<T>(), threads);
        return okStatus();
      };
    }
    return okStatus();
  });
}

} // namespace dlc::rt::cpu
