// 2-D convolution, NCHW (or channels-last NHWC) input and output, OIHW
// filter, with groups, stride, dilation, padding [top, left, bottom, right],
// an optional bias [O] and a ReLU or tanh. f32 runs on oneDNN in the
// layouts it prefers (reordered in and out), or, for narrow convolutions,
// on the direct kernel of conv_direct.cpp; f64, which oneDNN lacks, on a
// direct loop.
#include "conv.h"
#include "onednn.h"

#include <cmath>

namespace dlc::rt::cpu {
namespace {

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

/// A oneDNN primitive run on the user's memories in the layouts the
/// primitive chose: where they differ, a buffer of the wanted layout made
/// here, filled by a reorder before the primitive (inputs) or emptied into
/// the user's memory after it (outputs).
class StagedPrimitive {
public:
  explicit StagedPrimitive(const dnnl::engine &engine) : engine_(engine) {}

  void input(int arg, const dnnl::memory::desc &wanted, const dnnl::memory &user) {
    args_[arg] = stage(wanted, user, /*isInput=*/true);
  }
  void output(int arg, const dnnl::memory::desc &wanted, const dnnl::memory &user) {
    args_[arg] = stage(wanted, user, /*isInput=*/false);
  }
  void argument(int arg, const dnnl::memory &memory) { args_[arg] = memory; }

  /// The step running the reorders in, the primitive, the reorders out.
  Step finish(const dnnl::primitive &primitive, const dnnl::stream &stream) {
    std::vector<BoundPrimitive> sequence = std::move(before_);
    sequence.emplace_back(primitive, std::move(args_));
    for (BoundPrimitive &reorder : after_)
      sequence.push_back(std::move(reorder));
    return [sequence, stream]() {
      for (const BoundPrimitive &bound : sequence)
        DLC_RETURN_IF_ERROR(bound.execute(stream));
      return okStatus();
    };
  }

private:
  dnnl::memory stage(const dnnl::memory::desc &wanted, const dnnl::memory &user, bool isInput) {
    if (wanted == user.get_desc())
      return user;
    dnnl::memory inner(wanted, engine_);
    std::vector<BoundPrimitive> &list = isInput ? before_ : after_;
    const dnnl::memory &from = isInput ? user : inner, &to = isInput ? inner : user;
    list.emplace_back(dnnl::reorder(from, to), std::unordered_map<int, dnnl::memory>{
                                                   {DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
    return inner;
  }

  dnnl::engine engine_;
  std::vector<BoundPrimitive> before_, after_;
  std::unordered_map<int, dnnl::memory> args_;
};

/// The layout a gradient primitive is asked to use for its images.
struct ImageLayout {
  dnnl::memory::format_tag tag;
  dnnl::memory::desc operator()(const dnnl::memory::dims &dims) const {
    return {dims, dnnl::memory::data_type::f32, tag};
  }
};

/// A convolution's oneDNN dims (always N, C, H, W and [G,] O, I, KH, KW) and
/// the tags of the model's layouts, shared by the forward op and its
/// gradients.
struct OneDnnConv {
  dnnl::memory::dims src, dst, weights, strides, dilates, padL, padR;
  dnnl::memory::format_tag data, filter;

  explicit OneDnnConv(const ConvGeometry &g) {
    using tag = dnnl::memory::format_tag;
    src = {g.batch, g.inChannels, g.height, g.width};
    dst = {g.batch, g.outChannels, g.outH, g.outW};
    weights = g.groups == 1 ? dnnl::memory::dims{g.outChannels, g.inChannels, g.kernelH, g.kernelW}
                            : dnnl::memory::dims{g.groups, g.outChannels / g.groups,
                                                 g.inChannels / g.groups, g.kernelH, g.kernelW};
    data = g.channelsLast ? tag::nhwc : tag::nchw;
    filter = g.groups == 1 ? tag::oihw : tag::goihw;
    strides = g.stride;
    dilates = {g.dilation[0] - 1, g.dilation[1] - 1}; // oneDNN counts from 0
    padL = {g.padding[0], g.padding[1]};
    padR = {g.padding[2], g.padding[3]};
  }
  static dnnl::memory::desc any(const dnnl::memory::dims &dims) {
    return {dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any};
  }
  dnnl::memory user(const dnnl::memory::dims &dims, dnnl::memory::format_tag tag,
                    const dnnl::engine &engine, void *data) const {
    return dnnl::memory({dims, dnnl::memory::data_type::f32, tag}, engine, data);
  }
};

Status prepareOneDnnConv(const Context &ctx, const fb::Conv2D &op, const ConvGeometry &g,
                         const Tensor &input, const Tensor &filter, const Tensor &output,
                         const Tensor *bias, Step *out) {
  using dnnl::memory;
  OneDnnConv c(g);
  memory::desc biasDesc({g.outChannels}, memory::data_type::f32, memory::format_tag::x);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (op.activation() != fb::Activation::None) {
    dnnl::post_ops postOps;
    postOps.append_eltwise(1.0f,
                           op.activation() == fb::Activation::Relu ? dnnl::algorithm::eltwise_relu
                                                                   : dnnl::algorithm::eltwise_tanh,
                           0.0f, 0.0f);
    attr.set_post_ops(postOps);
  }
  auto desc = bias ? dnnl::convolution_forward::desc(
                         dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                         c.any(c.src), c.any(c.weights), biasDesc, c.any(c.dst), c.strides,
                         c.dilates, c.padL, c.padR)
                   : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                     dnnl::algorithm::convolution_direct,
                                                     c.any(c.src), c.any(c.weights), c.any(c.dst),
                                                     c.strides, c.dilates, c.padL, c.padR);
  dnnl::convolution_forward::primitive_desc pd(desc, attr, ctx.engine);
  StagedPrimitive staged(ctx.engine);
  staged.input(DNNL_ARG_SRC, pd.src_desc(), c.user(c.src, c.data, ctx.engine, input.data));
  staged.input(DNNL_ARG_WEIGHTS, pd.weights_desc(),
               c.user(c.weights, c.filter, ctx.engine, filter.data));
  staged.output(DNNL_ARG_DST, pd.dst_desc(), c.user(c.dst, c.data, ctx.engine, output.data));
  staged.argument(DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine));
  if (bias)
    staged.argument(DNNL_ARG_BIAS, memory(biasDesc, ctx.engine, bias->data));
  *out = staged.finish(dnnl::convolution_forward(pd), ctx.stream);
  return okStatus();
}

template <typename T>
void convLoop(const ConvGeometry &g, const T *input, const T *filter, const T *bias, T *output,
              fb::Activation activation, int threads) {
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
            g.forEachTap(y, x, [&](int64_t tap, int64_t iy, int64_t ix) {
              sum += image[iy * in.y + ix * in.x] * w[tap];
            });
          }
          if (activation == fb::Activation::Relu && sum < 0)
            sum = T(0);
          else if (activation == fb::Activation::Tanh)
            sum = std::tanh(sum);
          output[n * out.n + o * out.c + y * out.y + x * out.x] = sum;
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
      if (prepareDirectConv(ctx, g, input.as<float>(), filter.as<float>(),
                            biasOrNull ? bias.as<float>() : nullptr, output.as<float>(),
                            op.activation(), out))
        return okStatus();
      return prepareOneDnnConv(ctx, op, g, input, filter, output, biasOrNull, out);
    } else {
      const T *biasData = biasOrNull ? bias.as<T>() : nullptr;
      const fb::Activation activation = op.activation();
      *out = [=, threads = ctx.threads]() {
        convLoop(g, input.as<T>(), filter.as<T>(), biasData, output.as<T>(), activation, threads);
        return okStatus();
      };
      return okStatus();
    }
  });
}

namespace {

/// The forward primitive descriptor oneDNN wants as a hint for a
/// convolution's gradient primitives, its images in `image`'s layout.
dnnl::convolution_forward::primitive_desc forwardHint(const Context &ctx, const OneDnnConv &c,
                                                      const ImageLayout &image) {
  dnnl::convolution_forward::desc forward(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, image(c.src),
      c.any(c.weights), image(c.dst), c.strides, c.dilates, c.padL, c.padR);
  return dnnl::convolution_forward::primitive_desc(forward, ctx.engine);
}

/// Builds a gradient primitive descriptor, `build(layout)`, on the model's
/// NHWC images as they lie (oneDNN's direct kernels read them in place at
/// the speed of its blocked layouts, so reorders in and out would only add
/// time) unless oneDNN has only its reference code for them; on NCHW
/// images, or then, in the layouts oneDNN prefers.
template <typename Build> auto gradientPrimitive(const OneDnnConv &c, Build build) {
  if (c.data == dnnl::memory::format_tag::nhwc) {
    auto pd = build(ImageLayout{c.data});
    if (std::string_view(pd.impl_info_str()).substr(0, 3) != "ref")
      return pd;
  }
  return build(ImageLayout{dnnl::memory::format_tag::any});
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
            T *image = dx + (firstChannel + c) * in.c;
            g.forEachTap(y, x, [&](int64_t tap, int64_t iy, int64_t ix) {
              image[iy * in.y + ix * in.x] += dy * w[tap];
            });
          }
        }
    }
  }
}

/// dw[o, c', ky, kx] = sum over n, y, x of dy[n, o, y, x] * x[n, c, iy, ix]
/// and, where wanted, db[o] = sum over n, y, x of dy[n, o, y, x]; one output
/// channel per thread.
template <typename T>
void convBackwardFilterLoop(const ConvGeometry &g, const T *input, const T *grad, T *output,
                            T *biasGrad, int threads) {
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
    if (biasGrad) {
      T sum = 0;
      for (int64_t n = 0; n < g.batch; ++n)
        for (int64_t y = 0; y < g.outH; ++y)
          for (int64_t x = 0; x < g.outW; ++x)
            sum += grad[n * out.n + o * out.c + y * out.y + x * out.x];
      biasGrad[o] = sum;
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
      OneDnnConv c(g);
      auto pd = gradientPrimitive(c, [&](const ImageLayout &image) {
        dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct,
                                                   image(c.src), c.any(c.weights), image(c.dst),
                                                   c.strides, c.dilates, c.padL, c.padR);
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        return dnnl::convolution_backward_data::primitive_desc(desc, attr, ctx.engine,
                                                               forwardHint(ctx, c, image));
      });
      StagedPrimitive staged(ctx.engine);
      staged.input(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(),
                   c.user(c.dst, c.data, ctx.engine, grad.data));
      staged.input(DNNL_ARG_WEIGHTS, pd.weights_desc(),
                   c.user(c.weights, c.filter, ctx.engine, filter.data));
      staged.output(DNNL_ARG_DIFF_SRC, pd.diff_src_desc(),
                    c.user(c.src, c.data, ctx.engine, output.data));
      staged.argument(DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine));
      *out = staged.finish(dnnl::convolution_backward_data(pd), ctx.stream);
    } else {
      *out = [=, threads = ctx.threads]() {
        convBackwardDataLoop(g, grad.as<T>(), filter.as<T>(), output.as<T>(), threads);
        return okStatus();
      };
    }
    return okStatus();
  });
}

Status prepareConv2DBackwardFilter(const Context &ctx, const fb::Conv2DBackwardFilter &op,
                                   Step *out) {
  Tensor input, grad, output, biasGrad;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &input));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &grad));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(grad, output));
  DLC_RETURN_IF_ERROR(expectSameDtype(input, output));
  const bool withBias = op.bias_grad() >= 0;
  if (withBias) {
    DLC_RETURN_IF_ERROR(ctx.tensor(op.bias_grad(), "bias_grad", &biasGrad));
    DLC_RETURN_IF_ERROR(expectSameDtype(biasGrad, output));
  }
  ConvGeometry g;
  DLC_RETURN_IF_ERROR(convGeometry(op, input, output, grad, withBias ? &biasGrad : nullptr, &g));
  return withFloatType(output, [&](auto zero) -> Status {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, float>) {
      OneDnnConv c(g);
      dnnl::memory::desc biasDesc({g.outChannels}, dnnl::memory::data_type::f32,
                                  dnnl::memory::format_tag::x);
      auto pd = gradientPrimitive(c, [&](const ImageLayout &image) {
        auto desc = withBias
                        ? dnnl::convolution_backward_weights::desc(
                              dnnl::algorithm::convolution_direct, image(c.src), c.any(c.weights),
                              biasDesc, image(c.dst), c.strides, c.dilates, c.padL, c.padR)
                        : dnnl::convolution_backward_weights::desc(
                              dnnl::algorithm::convolution_direct, image(c.src), c.any(c.weights),
                              image(c.dst), c.strides, c.dilates, c.padL, c.padR);
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        return dnnl::convolution_backward_weights::primitive_desc(desc, attr, ctx.engine,
                                                                  forwardHint(ctx, c, image));
      });
      StagedPrimitive staged(ctx.engine);
      staged.input(DNNL_ARG_SRC, pd.src_desc(), c.user(c.src, c.data, ctx.engine, input.data));
      staged.input(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(),
                   c.user(c.dst, c.data, ctx.engine, grad.data));
      staged.output(DNNL_ARG_DIFF_WEIGHTS, pd.diff_weights_desc(),
                    c.user(c.weights, c.filter, ctx.engine, output.data));
      if (withBias)
        staged.output(DNNL_ARG_DIFF_BIAS, pd.diff_bias_desc(),
                      dnnl::memory(biasDesc, ctx.engine, biasGrad.data));
      staged.argument(DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine));
      *out = staged.finish(dnnl::convolution_backward_weights(pd), ctx.stream);
    } else {
      T *biasData = withBias ? biasGrad.as<T>() : nullptr;
      *out = [=, threads = ctx.threads]() {
        convBackwardFilterLoop(g, input.as<T>(), grad.as<T>(), output.as<T>(), biasData, threads);
        return okStatus();
      };
    }
    return okStatus();
  });
}

} // namespace dlc::rt::cpu
