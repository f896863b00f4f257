// Convolution (forward, data and filter gradients), pooling and batch norm
// on cuDNN's descriptor API. Layouts are strides of 4-D descriptors (NCHW,
// or NHWC for channels_last), so nothing is copied. Algorithms are chosen
// once, by cuDNN's heuristics (nothing runs while preparing: the arena may
// hold inputs already set), and f32 stays f32 unless the session allows TF32.
// cuDNN's descriptors pad both sides alike; a convolution padded unequally
// runs on a copy of its image with the padding made explicit.
#include "cuda_commands.h"

#include <algorithm>
#include <array>
#include <optional>

namespace dlc::rt::cuda {
namespace {

using Dims4 = std::array<int, 4>; // N, C, H, W

Status cudnnType(const Tensor &t, cudnnDataType_t *out) {
  switch (t.dtype) {
  case fb::DType::F32:
    *out = CUDNN_DATA_FLOAT;
    return okStatus();
  case fb::DType::F64:
    *out = CUDNN_DATA_DOUBLE;
    return okStatus();
  case fb::DType::F16:
    *out = CUDNN_DATA_HALF;
    return okStatus();
  case fb::DType::BF16:
    *out = CUDNN_DATA_BFLOAT16;
    return okStatus();
  default:
    return error(DLC_UNAVAILABLE, "'{}' is {}: cuDNN takes f32, f64, f16 or bf16", t.name,
                 describe(t.dtype, t.shape));
  }
}

/// alpha = 1 and beta = 0 or 1 in the type cuDNN wants for the data: double
/// for f64, float otherwise.
struct Scalars {
  float oneF = 1, zeroF = 0;
  double oneD = 1, zeroD = 0;
  bool isDouble;
  const void *one() const { return isDouble ? static_cast<const void *>(&oneD) : &oneF; }
  const void *zero() const { return isDouble ? static_cast<const void *>(&zeroD) : &zeroF; }
};

void *ptr(const Tensor &t) { return t.data; }

/// N, C, H, W of a 4-D image tensor stored NCHW or NHWC.
Status imageDims(const Tensor &t, bool channelsLast, Dims4 *out) {
  if (t.shape.rank != 4)
    return error(DLC_INVALID_FILE, "'{}' is {}, expected a 4-D image", t.name,
                 describe(t.dtype, t.shape));
  for (int i = 0; i < 4; ++i)
    if (t.shape[i] > INT32_MAX)
      return error(DLC_UNAVAILABLE, "'{}' is {}: cuDNN takes dims below 2^31", t.name,
                   describe(t.dtype, t.shape));
  const auto d = [&](int i) { return static_cast<int>(t.shape[i]); };
  *out = channelsLast ? Dims4{d(0), d(3), d(1), d(2)} : Dims4{d(0), d(1), d(2), d(3)};
  return okStatus();
}

class Descriptors {
public:
  explicit Descriptors(const PrepareContext &ctx) : ctx_(ctx), dnn_(*ctx.cudnn) {}

  /// A tensor descriptor of logical dims NCHW, stored NCHW or NHWC.
  Status tensor(const Tensor &t, const Dims4 &d, bool channelsLast, cudnnTensorDescriptor_t *out) {
    cudnnDataType_t type;
    DLC_RETURN_IF_ERROR(cudnnType(t, &type));
    if (int64_t(d[0]) * d[1] * d[2] * d[3] > INT32_MAX)
      return error(DLC_UNAVAILABLE,
                   "'{}' is {}: cuDNN's descriptors take tensors of fewer than 2^31 elements",
                   t.name, describe(t.dtype, t.shape));
    DLC_RETURN_IF_ERROR(dnn_.check(dnn_.cudnnCreateTensorDescriptor(out), "tensor descriptor"));
    const Cudnn &dnn = dnn_;
    cudnnTensorDescriptor_t desc = *out;
    ctx_.cleanups->push_back([&dnn, desc] { dnn.cudnnDestroyTensorDescriptor(desc); });
    const int c = d[1], h = d[2], w = d[3];
    const std::array<int, 4> strides = channelsLast ? std::array<int, 4>{h * w * c, 1, w * c, c}
                                                    : std::array<int, 4>{c * h * w, h * w, w, 1};
    return dnn_.check(dnn_.cudnnSetTensorNdDescriptor(desc, type, 4, d.data(), strides.data()),
                      fmt::format("describing '{}' to cuDNN", t.name));
  }

  Status filter(const Tensor &t, cudnnFilterDescriptor_t *out) {
    cudnnDataType_t type;
    DLC_RETURN_IF_ERROR(cudnnType(t, &type));
    Dims4 d;
    DLC_RETURN_IF_ERROR(imageDims(t, false, &d));
    DLC_RETURN_IF_ERROR(dnn_.check(dnn_.cudnnCreateFilterDescriptor(out), "filter descriptor"));
    const Cudnn &dnn = dnn_;
    cudnnFilterDescriptor_t desc = *out;
    ctx_.cleanups->push_back([&dnn, desc] { dnn.cudnnDestroyFilterDescriptor(desc); });
    return dnn_.check(
        dnn_.cudnnSetFilter4dDescriptor(desc, type, CUDNN_TENSOR_NCHW, d[0], d[1], d[2], d[3]),
        fmt::format("describing filter '{}' to cuDNN", t.name));
  }

  /// A [1, C, 1, 1] descriptor for a per-channel vector (bias).
  Status channelVector(const Tensor &t, int channels, cudnnTensorDescriptor_t *out) {
    return tensor(t, {1, channels, 1, 1}, false, out);
  }

private:
  const PrepareContext &ctx_;
  const Cudnn &dnn_;
};

/// `count` values of an attribute (all `fallback` when absent), each
/// within [minimum, 2^31).
Status attribute(const flatbuffers::Vector<int64_t> *list, size_t count, int fallback, int minimum,
                 const char *what, std::vector<int> *out) {
  out->assign(count, fallback);
  if (!list || list->size() == 0)
    return okStatus();
  if (list->size() != count)
    return error(DLC_INVALID_FILE, "{} has {} values, expected {}", what, list->size(), count);
  for (size_t i = 0; i < count; ++i) {
    int64_t v = list->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (v < minimum || v > INT32_MAX)
      return error(DLC_INVALID_FILE, "{} has {}, outside [{}, 2^31)", what, v, minimum);
    (*out)[i] = static_cast<int>(v);
  }
  return okStatus();
}

/// Whether dlc's padding, [top, left, bottom, right], is what cuDNN's
/// descriptors can say: both sides alike.
bool padsSidesAlike(const std::vector<int> &padding) {
  return padding[0] == padding[2] && padding[1] == padding[3];
}

struct ConvGeometry {
  std::vector<int> stride, padding, dilation;
  int groups;
  /// Padding that differs between sides, which cuDNN's descriptor cannot
  /// express: the image is copied into a zeroed buffer with the padding
  /// around it (for the gradient of the input, out of one), and the
  /// convolution itself pads nothing.
  bool explicitPadding = false;
};

template <typename Op> Status convGeometry(const Op &op, ConvGeometry *out) {
  DLC_RETURN_IF_ERROR(attribute(op.stride(), 2, 1, 1, "stride", &out->stride));
  DLC_RETURN_IF_ERROR(attribute(op.padding(), 4, 0, 0, "padding", &out->padding));
  DLC_RETURN_IF_ERROR(attribute(op.dilation(), 2, 1, 1, "dilation", &out->dilation));
  if (op.groups() < 1 || op.groups() > INT32_MAX)
    return error(DLC_INVALID_FILE, "groups is {}", op.groups());
  out->groups = static_cast<int>(op.groups());
  out->explicitPadding = !padsSidesAlike(out->padding);
  return okStatus();
}

/// An image and its copy with explicit padding: the copy's memory (zeroed
/// once: only the interior is ever written) and the 3-D copy that moves
/// the image in or out of it.
struct PaddedImage {
  Tensor tensor;    // the padded copy, as a tensor of the padded dims
  Dims4 dims;       // N, C, H, W of the padded copy
  CUDA_MEMCPY3D in; // image -> padded copy; `out` swaps the two sides
  CUDA_MEMCPY3D out;
};

Status padImage(const PrepareContext &ctx, const Tensor &image, const Dims4 &d,
                const std::vector<int> &padding, bool channelsLast, PaddedImage *out) {
  const size_t element = dtypeSize(image.dtype);
  const int top = padding[0], left = padding[1];
  const int height = d[2] + padding[0] + padding[2], width = d[3] + padding[1] + padding[3];
  out->dims = {d[0], d[1], height, width};
  const size_t bytes = size_t(d[0]) * d[1] * height * width * element;
  CUdeviceptr memory = 0;
  DLC_RETURN_IF_ERROR(ctx.allocate(bytes, &memory));
  DLC_RETURN_IF_ERROR(ctx.driver.check(ctx.driver.cuMemsetD8Async(memory, 0, bytes, ctx.stream),
                                       "zeroing the padded image"));
  DLC_RETURN_IF_ERROR(
      ctx.driver.check(ctx.driver.cuStreamSynchronize(ctx.stream), "zeroing the padded image"));
  out->tensor = image;
  out->tensor.data = reinterpret_cast<void *>(memory);
  // Rows of one image plane (NCHW: W elements, N*C planes) or of one image
  // (NHWC: W*C elements, N images).
  const size_t row = channelsLast ? size_t(d[3]) * d[1] * element : size_t(d[3]) * element;
  const size_t paddedRow = channelsLast ? size_t(width) * d[1] * element : size_t(width) * element;
  const size_t leftBytes = channelsLast ? size_t(left) * d[1] * element : size_t(left) * element;
  CUDA_MEMCPY3D c{};
  c.srcMemoryType = c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c.srcDevice = address(image);
  c.srcPitch = row;
  c.srcHeight = static_cast<size_t>(d[2]);
  c.dstDevice = memory;
  c.dstPitch = paddedRow;
  c.dstHeight = static_cast<size_t>(height);
  c.dstXInBytes = leftBytes;
  c.dstY = static_cast<size_t>(top);
  c.WidthInBytes = row;
  c.Height = static_cast<size_t>(d[2]);
  c.Depth = channelsLast ? size_t(d[0]) : size_t(d[0]) * d[1];
  out->in = c;
  CUDA_MEMCPY3D back{};
  back.srcMemoryType = back.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  back.srcDevice = memory;
  back.srcPitch = paddedRow;
  back.srcHeight = static_cast<size_t>(height);
  back.srcXInBytes = leftBytes;
  back.srcY = static_cast<size_t>(top);
  back.dstDevice = address(image);
  back.dstPitch = row;
  back.dstHeight = static_cast<size_t>(d[2]);
  back.WidthInBytes = row;
  back.Height = c.Height;
  back.Depth = c.Depth;
  out->out = back;
  return okStatus();
}

/// f32 in full precision (FMA kernels only) unless the session allows
/// TF32; half types on tensor cores.
cudnnMathType_t mathType(const PrepareContext &ctx, const Tensor &data) {
  if (data.dtype == fb::DType::F16 || data.dtype == fb::DType::BF16)
    return CUDNN_TENSOR_OP_MATH;
  return ctx.tf32 && data.dtype == fb::DType::F32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

Status convolutionDescriptor(const PrepareContext &ctx, const ConvGeometry &g, const Tensor &data,
                             cudnnConvolutionDescriptor_t *out) {
  const Cudnn &dnn = *ctx.cudnn;
  DLC_RETURN_IF_ERROR(
      dnn.check(dnn.cudnnCreateConvolutionDescriptor(out), "convolution descriptor"));
  cudnnConvolutionDescriptor_t desc = *out;
  ctx.cleanups->push_back([&dnn, desc] { dnn.cudnnDestroyConvolutionDescriptor(desc); });
  const cudnnDataType_t compute =
      data.dtype == fb::DType::F64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
  DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnSetConvolution2dDescriptor(
                                    desc, g.explicitPadding ? 0 : g.padding[0],
                                    g.explicitPadding ? 0 : g.padding[1], g.stride[0], g.stride[1],
                                    g.dilation[0], g.dilation[1], CUDNN_CROSS_CORRELATION, compute),
                                "convolution geometry"));
  DLC_RETURN_IF_ERROR(
      dnn.check(dnn.cudnnSetConvolutionGroupCount(desc, g.groups), "convolution groups"));
  return dnn.check(dnn.cudnnSetConvolutionMathType(desc, mathType(ctx, data)),
                   "convolution math type");
}

/// The first algorithm cuDNN's heuristics rank that succeeded, fits the
/// workspace limit and was ranked for the math type asked for; the
/// descriptor then takes the chosen algorithm's math type. f32 without TF32
/// takes only algorithms of FMA math (no tensor cores, so no TF32 rounding);
/// otherwise an algorithm of another math type is the fallback.
template <typename Perf>
Status pickAlgorithm(const PrepareContext &ctx, const Tensor &data,
                     cudnnConvolutionDescriptor_t conv, const Perf *results, int count,
                     const char *what, Perf *out) {
  const cudnnMathType_t math = mathType(ctx, data);
  const bool strict = math == CUDNN_FMA_MATH && data.dtype == fb::DType::F32;
  const Perf *chosen = nullptr;
  for (int pass = 0; pass < (strict ? 1 : 2) && !chosen; ++pass)
    for (int i = 0; i < count && !chosen; ++i) {
      const Perf &p = results[i];
      if (p.status == CUDNN_STATUS_SUCCESS && p.memory <= kMaxWorkspaceBytes &&
          (pass == 1 || p.mathType == math))
        chosen = &p;
    }
  if (!chosen)
    return error(DLC_UNAVAILABLE, "cuDNN has no {} algorithm for this shape{}", what,
                 strict ? " in full f32 (--precision tf32 allows tensor cores)" : "");
  *out = *chosen;
  return ctx.cudnn->check(ctx.cudnn->cudnnSetConvolutionMathType(conv, chosen->mathType),
                          "convolution math type");
}

/// The output dims cuDNN computes for a convolution must be the file's.
Status checkConvOutput(const PrepareContext &ctx, cudnnConvolutionDescriptor_t conv,
                       cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w, const Dims4 &y,
                       const Tensor &output) {
  Dims4 expected;
  DLC_RETURN_IF_ERROR(
      ctx.cudnn->check(ctx.cudnn->cudnnGetConvolution2dForwardOutputDim(
                           conv, x, w, &expected[0], &expected[1], &expected[2], &expected[3]),
                       "convolution output size"));
  if (expected != y)
    return error(DLC_INVALID_FILE, "'{}' is {}; the convolution gives N, C, H, W {}x{}x{}x{}",
                 output.name, describe(output.dtype, output.shape), expected[0], expected[1],
                 expected[2], expected[3]);
  return okStatus();
}

} // namespace

namespace {

/// What the three convolution commands share: the image side (the input,
/// or the input's gradient), the filter, the output side (the output, or
/// its gradient), their descriptors, and the padded copy of the image when
/// the padding differs between sides.
struct ConvSetup {
  Tensor image, filter, output; // `image` is the padded copy where there is one
  cudnnTensorDescriptor_t imageDesc, outputDesc;
  cudnnFilterDescriptor_t filterDesc;
  cudnnConvolutionDescriptor_t conv;
  Dims4 outputDims;
  std::optional<PaddedImage> padded;
};

template <typename Op>
Status convSetup(const PrepareContext &ctx, const Op &op, const Tensor &image, const Tensor &filter,
                 const Tensor &output, ConvSetup *out) {
  ConvGeometry g;
  DLC_RETURN_IF_ERROR(convGeometry(op, &g));
  out->image = image;
  out->filter = filter;
  out->output = output;
  Dims4 imageDims4;
  DLC_RETURN_IF_ERROR(imageDims(image, op.channels_last(), &imageDims4));
  DLC_RETURN_IF_ERROR(imageDims(output, op.channels_last(), &out->outputDims));
  if (g.explicitPadding) {
    out->padded.emplace();
    DLC_RETURN_IF_ERROR(
        padImage(ctx, image, imageDims4, g.padding, op.channels_last(), &*out->padded));
    out->image = out->padded->tensor;
    imageDims4 = out->padded->dims;
  }
  Descriptors make(ctx);
  DLC_RETURN_IF_ERROR(make.tensor(out->image, imageDims4, op.channels_last(), &out->imageDesc));
  DLC_RETURN_IF_ERROR(make.tensor(output, out->outputDims, op.channels_last(), &out->outputDesc));
  DLC_RETURN_IF_ERROR(make.filter(filter, &out->filterDesc));
  DLC_RETURN_IF_ERROR(convolutionDescriptor(ctx, g, out->image, &out->conv));
  return checkConvOutput(ctx, out->conv, out->imageDesc, out->filterDesc, out->outputDims, output);
}

/// The [1, C, 1, 1] descriptor of a per-channel bias (or its gradient).
Status biasDescriptor(const PrepareContext &ctx, const Tensor &bias, int channels, const char *what,
                      cudnnTensorDescriptor_t *out) {
  if (bias.elements() != channels)
    return error(DLC_INVALID_FILE, "{} '{}' is {}, expected {} values", what, bias.name,
                 describe(bias.dtype, bias.shape), channels);
  return Descriptors(ctx).channelVector(bias, channels, out);
}

} // namespace

Status prepareConv2D(const PrepareContext &ctx, const fb::Conv2D &op, Step *out) {
  const Cudnn &dnn = *ctx.cudnn;
  Tensor x, w, y, bias;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &x));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.filter(), "filter", &w));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &y));
  ConvSetup c;
  DLC_RETURN_IF_ERROR(convSetup(ctx, op, x, w, y, &c));
  cudnnTensorDescriptor_t biasDesc = nullptr;
  if (op.bias() >= 0) {
    DLC_RETURN_IF_ERROR(ctx.tensor(op.bias(), "bias", &bias));
    DLC_RETURN_IF_ERROR(biasDescriptor(ctx, bias, c.outputDims[1], "bias", &biasDesc));
  }
  cudnnConvolutionFwdAlgoPerf_t results[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int count = 0;
  DLC_RETURN_IF_ERROR(dnn.check(
      dnn.cudnnGetConvolutionForwardAlgorithm_v7(ctx.cudnnHandle, c.imageDesc, c.filterDesc, c.conv,
                                                 c.outputDesc, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                                 &count, results),
      "choosing a convolution algorithm"));
  cudnnConvolutionFwdAlgoPerf_t chosen{};
  DLC_RETURN_IF_ERROR(pickAlgorithm(ctx, x, c.conv, results, count, "convolution", &chosen));
  size_t workspaceBytes = 0;
  DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnGetConvolutionForwardWorkspaceSize(
                                    ctx.cudnnHandle, c.imageDesc, c.filterDesc, c.conv,
                                    c.outputDesc, chosen.algo, &workspaceBytes),
                                "convolution workspace"));
  *ctx.workspaceBytes = std::max(*ctx.workspaceBytes, workspaceBytes);
  cudnnActivationDescriptor_t activation = nullptr;
  if (op.activation() != fb::Activation::None) {
    const bool relu = op.activation() == fb::Activation::Relu;
    DLC_RETURN_IF_ERROR(
        dnn.check(dnn.cudnnCreateActivationDescriptor(&activation), "activation descriptor"));
    ctx.cleanups->push_back(
        [&dnn, activation] { dnn.cudnnDestroyActivationDescriptor(activation); });
    DLC_RETURN_IF_ERROR(dnn.check(
        dnn.cudnnSetActivationDescriptor(activation,
                                         relu ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_TANH,
                                         CUDNN_PROPAGATE_NAN, 0.0),
        relu ? "ReLU" : "tanh"));
  }
  const cudnnHandle_t handle = ctx.cudnnHandle;
  const Scalars s{1, 0, 1, 0, x.dtype == fb::DType::F64};
  const cudnnConvolutionFwdAlgo_t algo = chosen.algo;
  const Driver &driver = ctx.driver;
  *out = [=, &dnn, &driver](CUstream stream, CUdeviceptr workspace) {
    if (c.padded)
      DLC_RETURN_IF_ERROR(
          driver.check(driver.cuMemcpy3DAsync(&c.padded->in, stream), "padding the input"));
    DLC_RETURN_IF_ERROR(dnn.check(
        dnn.cudnnConvolutionForward(handle, s.one(), c.imageDesc, ptr(c.image), c.filterDesc,
                                    ptr(w), c.conv, algo, reinterpret_cast<void *>(workspace),
                                    workspaceBytes, s.zero(), c.outputDesc, ptr(y)),
        "cudnnConvolutionForward"));
    if (biasDesc)
      DLC_RETURN_IF_ERROR(dnn.check(
          dnn.cudnnAddTensor(handle, s.one(), biasDesc, ptr(bias), s.one(), c.outputDesc, ptr(y)),
          "adding the convolution's bias"));
    if (activation)
      DLC_RETURN_IF_ERROR(
          dnn.check(dnn.cudnnActivationForward(handle, activation, s.one(), c.outputDesc, ptr(y),
                                               s.zero(), c.outputDesc, ptr(y)),
                    "the convolution's activation"));
    return okStatus();
  };
  return okStatus();
}

Status prepareConv2DBackwardData(const PrepareContext &ctx, const fb::Conv2DBackwardData &op,
                                 Step *out) {
  const Cudnn &dnn = *ctx.cudnn;
  Tensor dy, w, dx;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &dy));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.filter(), "filter", &w));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &dx));
  // With unequal padding the gradient lands in the padded copy, and its
  // interior is copied into dx.
  ConvSetup c;
  DLC_RETURN_IF_ERROR(convSetup(ctx, op, dx, w, dy, &c));
  cudnnConvolutionBwdDataAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int count = 0;
  DLC_RETURN_IF_ERROR(
      dnn.check(dnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(
                    ctx.cudnnHandle, c.filterDesc, c.outputDesc, c.conv, c.imageDesc,
                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, results),
                "choosing a convolution data-gradient algorithm"));
  cudnnConvolutionBwdDataAlgoPerf_t chosen{};
  DLC_RETURN_IF_ERROR(
      pickAlgorithm(ctx, dx, c.conv, results, count, "convolution data-gradient", &chosen));
  size_t workspaceBytes = 0;
  DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnGetConvolutionBackwardDataWorkspaceSize(
                                    ctx.cudnnHandle, c.filterDesc, c.outputDesc, c.conv,
                                    c.imageDesc, chosen.algo, &workspaceBytes),
                                "convolution data-gradient workspace"));
  *ctx.workspaceBytes = std::max(*ctx.workspaceBytes, workspaceBytes);
  const cudnnHandle_t handle = ctx.cudnnHandle;
  const Scalars s{1, 0, 1, 0, dx.dtype == fb::DType::F64};
  const cudnnConvolutionBwdDataAlgo_t algo = chosen.algo;
  const Driver &driver = ctx.driver;
  *out = [=, &dnn, &driver](CUstream stream, CUdeviceptr workspace) {
    DLC_RETURN_IF_ERROR(dnn.check(
        dnn.cudnnConvolutionBackwardData(handle, s.one(), c.filterDesc, ptr(w), c.outputDesc,
                                         ptr(dy), c.conv, algo, reinterpret_cast<void *>(workspace),
                                         workspaceBytes, s.zero(), c.imageDesc, ptr(c.image)),
        "cudnnConvolutionBackwardData"));
    if (c.padded)
      DLC_RETURN_IF_ERROR(driver.check(driver.cuMemcpy3DAsync(&c.padded->out, stream),
                                       "cropping the input gradient"));
    return okStatus();
  };
  return okStatus();
}

Status prepareConv2DBackwardFilter(const PrepareContext &ctx, const fb::Conv2DBackwardFilter &op,
                                   Step *out) {
  const Cudnn &dnn = *ctx.cudnn;
  Tensor x, dy, dw, db;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &x));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &dy));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &dw));
  ConvSetup c;
  DLC_RETURN_IF_ERROR(convSetup(ctx, op, x, dw, dy, &c));
  cudnnTensorDescriptor_t dbDesc = nullptr;
  if (op.bias_grad() >= 0) {
    DLC_RETURN_IF_ERROR(ctx.tensor(op.bias_grad(), "bias gradient", &db));
    DLC_RETURN_IF_ERROR(biasDescriptor(ctx, db, c.outputDims[1], "bias gradient", &dbDesc));
  }
  cudnnConvolutionBwdFilterAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  int count = 0;
  DLC_RETURN_IF_ERROR(
      dnn.check(dnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                    ctx.cudnnHandle, c.imageDesc, c.outputDesc, c.conv, c.filterDesc,
                    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, results),
                "choosing a convolution filter-gradient algorithm"));
  cudnnConvolutionBwdFilterAlgoPerf_t chosen{};
  DLC_RETURN_IF_ERROR(
      pickAlgorithm(ctx, x, c.conv, results, count, "convolution filter-gradient", &chosen));
  size_t workspaceBytes = 0;
  DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(
                                    ctx.cudnnHandle, c.imageDesc, c.outputDesc, c.conv,
                                    c.filterDesc, chosen.algo, &workspaceBytes),
                                "convolution filter-gradient workspace"));
  *ctx.workspaceBytes = std::max(*ctx.workspaceBytes, workspaceBytes);
  const cudnnHandle_t handle = ctx.cudnnHandle;
  const Scalars s{1, 0, 1, 0, x.dtype == fb::DType::F64};
  const cudnnConvolutionBwdFilterAlgo_t algo = chosen.algo;
  const Driver &driver = ctx.driver;
  *out = [=, &dnn, &driver](CUstream stream, CUdeviceptr workspace) {
    if (c.padded)
      DLC_RETURN_IF_ERROR(
          driver.check(driver.cuMemcpy3DAsync(&c.padded->in, stream), "padding the input"));
    DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnConvolutionBackwardFilter(
                                      handle, s.one(), c.imageDesc, ptr(c.image), c.outputDesc,
                                      ptr(dy), c.conv, algo, reinterpret_cast<void *>(workspace),
                                      workspaceBytes, s.zero(), c.filterDesc, ptr(dw)),
                                  "cudnnConvolutionBackwardFilter"));
    if (dbDesc)
      DLC_RETURN_IF_ERROR(
          dnn.check(dnn.cudnnConvolutionBackwardBias(handle, s.one(), c.outputDesc, ptr(dy),
                                                     s.zero(), dbDesc, ptr(db)),
                    "cudnnConvolutionBackwardBias"));
    return okStatus();
  };
  return okStatus();
}

namespace {

struct PoolSetup {
  cudnnPoolingDescriptor_t pool;
  cudnnTensorDescriptor_t xDesc, yDesc;
  Dims4 yd;
};

/// The pooling descriptor and the input and output descriptors of a
/// Pool2D or Pool2DBackward (`y` is the forward output's shape).
template <typename Op>
Status poolSetup(const PrepareContext &ctx, const Op &op, const Tensor &x, const Tensor &y,
                 PoolSetup *out) {
  const Cudnn &dnn = *ctx.cudnn;
  std::vector<int> kernel, stride, padding;
  DLC_RETURN_IF_ERROR(attribute(op.kernel(), 2, 1, 1, "kernel", &kernel));
  DLC_RETURN_IF_ERROR(attribute(op.stride(), 2, 1, 1, "stride", &stride));
  DLC_RETURN_IF_ERROR(attribute(op.padding(), 4, 0, 0, "padding", &padding));
  if (!padsSidesAlike(padding))
    return error(DLC_UNAVAILABLE,
                 "pooling padding [{}, {}, {}, {}] differs between sides: the CUDA backend's "
                 "cuDNN pooling pads top and bottom, left and right alike",
                 padding[0], padding[1], padding[2], padding[3]);
  Dims4 xd;
  DLC_RETURN_IF_ERROR(imageDims(x, op.channels_last(), &xd));
  DLC_RETURN_IF_ERROR(imageDims(y, op.channels_last(), &out->yd));
  Descriptors make(ctx);
  DLC_RETURN_IF_ERROR(make.tensor(x, xd, op.channels_last(), &out->xDesc));
  DLC_RETURN_IF_ERROR(make.tensor(y, out->yd, op.channels_last(), &out->yDesc));
  // Max pooling's deterministic mode sends a window's gradient to one
  // element, as dlc's max-pool gradient does.
  const cudnnPoolingMode_t mode = op.kind() == fb::PoolKind::Max ? CUDNN_POOLING_MAX_DETERMINISTIC
                                  : op.kind() == fb::PoolKind::Average
                                      ? CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING
                                      : CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING;
  DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnCreatePoolingDescriptor(&out->pool), "pooling"));
  cudnnPoolingDescriptor_t pool = out->pool;
  ctx.cleanups->push_back([&dnn, pool] { dnn.cudnnDestroyPoolingDescriptor(pool); });
  DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnSetPooling2dDescriptor(pool, mode, CUDNN_PROPAGATE_NAN,
                                                                kernel[0], kernel[1], padding[0],
                                                                padding[1], stride[0], stride[1]),
                                "pooling geometry"));
  Dims4 expected;
  DLC_RETURN_IF_ERROR(
      dnn.check(dnn.cudnnGetPooling2dForwardOutputDim(pool, out->xDesc, &expected[0], &expected[1],
                                                      &expected[2], &expected[3]),
                "pooling output size"));
  if (expected != out->yd)
    return error(DLC_INVALID_FILE, "'{}' is {}; the pooling gives N, C, H, W {}x{}x{}x{}", y.name,
                 describe(y.dtype, y.shape), expected[0], expected[1], expected[2], expected[3]);
  return okStatus();
}

} // namespace

Status preparePool2D(const PrepareContext &ctx, const fb::Pool2D &op, Step *out) {
  const Cudnn &dnn = *ctx.cudnn;
  Tensor x, y;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &x));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &y));
  PoolSetup p;
  DLC_RETURN_IF_ERROR(poolSetup(ctx, op, x, y, &p));
  const cudnnHandle_t handle = ctx.cudnnHandle;
  const Scalars s{1, 0, 1, 0, x.dtype == fb::DType::F64};
  *out = [=, &dnn](CUstream, CUdeviceptr) {
    return dnn.check(dnn.cudnnPoolingForward(handle, p.pool, s.one(), p.xDesc, ptr(x), s.zero(),
                                             p.yDesc, ptr(y)),
                     "cudnnPoolingForward");
  };
  return okStatus();
}

Status preparePool2DBackward(const PrepareContext &ctx, const fb::Pool2DBackward &op, Step *out) {
  const Cudnn &dnn = *ctx.cudnn;
  if (op.relu_mask())
    return error(DLC_INVALID_FILE, "a GPU pooling gradient has no ReLU mask (the compiler adds a "
                                   "kernel for it)");
  Tensor x, dy, dx;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &x));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &dy));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &dx));
  PoolSetup p;
  DLC_RETURN_IF_ERROR(poolSetup(ctx, op, x, dy, &p));
  cudnnTensorDescriptor_t dxDesc;
  Dims4 xd;
  DLC_RETURN_IF_ERROR(imageDims(dx, op.channels_last(), &xd));
  DLC_RETURN_IF_ERROR(Descriptors(ctx).tensor(dx, xd, op.channels_last(), &dxDesc));
  // cuDNN's gradient reads the forward output, which the command does not
  // keep: max pooling recomputes it into memory of its own; the averages
  // never read it.
  Tensor y = dy;
  const bool isMax = op.kind() == fb::PoolKind::Max;
  if (isMax) {
    CUdeviceptr scratch = 0;
    DLC_RETURN_IF_ERROR(ctx.allocate(dy.bytes(), &scratch));
    y.data = reinterpret_cast<void *>(scratch);
  }
  const cudnnHandle_t handle = ctx.cudnnHandle;
  const Scalars s{1, 0, 1, 0, x.dtype == fb::DType::F64};
  *out = [=, &dnn](CUstream, CUdeviceptr) {
    if (isMax)
      DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnPoolingForward(handle, p.pool, s.one(), p.xDesc,
                                                            ptr(x), s.zero(), p.yDesc, ptr(y)),
                                    "cudnnPoolingForward (for the gradient)"));
    return dnn.check(dnn.cudnnPoolingBackward(handle, p.pool, s.one(), p.yDesc, ptr(y), p.yDesc,
                                              ptr(dy), p.xDesc, ptr(x), s.zero(), dxDesc, ptr(dx)),
                     "cudnnPoolingBackward");
  };
  return okStatus();
}

namespace {

/// Batch norm's data as N x C x S x 1 (S: the product of the dims after the
/// channel), channel axis 1, or last with channels_last.
Status normDims(const Tensor &t, bool channelsLast, Dims4 *out) {
  if (t.shape.rank < 2)
    return error(DLC_INVALID_FILE, "'{}' is {}, expected rank 2 or more", t.name,
                 describe(t.dtype, t.shape));
  const int channelAxis = channelsLast ? t.shape.rank - 1 : 1;
  int64_t spatial = 1;
  for (int i = 1; i < t.shape.rank; ++i)
    if (i != channelAxis)
      spatial *= t.shape[i];
  if (t.shape[0] > INT32_MAX || t.shape[channelAxis] > INT32_MAX || spatial > INT32_MAX)
    return error(DLC_UNAVAILABLE, "'{}' is {}: cuDNN takes dims below 2^31", t.name,
                 describe(t.dtype, t.shape));
  *out = {static_cast<int>(t.shape[0]), static_cast<int>(t.shape[channelAxis]),
          static_cast<int>(spatial), 1};
  return okStatus();
}

/// The [1, C, 1, 1] descriptor of batch norm's per-channel vectors; they
/// must have the data's element type (f32 or f64).
Status normParameters(const PrepareContext &ctx, const Tensor &data,
                      cudnnTensorDescriptor_t dataDesc,
                      std::initializer_list<const Tensor *> vectors, int channels,
                      cudnnTensorDescriptor_t *out) {
  if (data.dtype != fb::DType::F32 && data.dtype != fb::DType::F64)
    return error(DLC_UNAVAILABLE, "'{}' is {}: the CUDA backend's batch norm takes f32 or f64",
                 data.name, describe(data.dtype, data.shape));
  for (const Tensor *v : vectors)
    if (v->dtype != data.dtype || v->elements() != channels)
      return error(DLC_INVALID_FILE, "'{}' is {}, expected {} {} values", v->name,
                   describe(v->dtype, v->shape), channels, dtypeName(data.dtype));
  const Cudnn &dnn = *ctx.cudnn;
  DLC_RETURN_IF_ERROR(dnn.check(dnn.cudnnCreateTensorDescriptor(out), "tensor descriptor"));
  cudnnTensorDescriptor_t desc = *out;
  ctx.cleanups->push_back([&dnn, desc] { dnn.cudnnDestroyTensorDescriptor(desc); });
  return dnn.check(dnn.cudnnDeriveBNTensorDescriptor(desc, dataDesc, CUDNN_BATCHNORM_SPATIAL),
                   "batch-norm parameter descriptor");
}

} // namespace

Status prepareBatchNorm(const PrepareContext &ctx, const fb::BatchNorm &op, Step *out) {
  const Cudnn &dnn = *ctx.cudnn;
  Tensor x, scale, offset, mean, variance, y;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &x));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale(), "scale", &scale));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.offset(), "offset", &offset));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.mean(), "mean", &mean));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.variance(), "variance", &variance));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &y));
  if (y.shape != x.shape || y.dtype != x.dtype)
    return error(DLC_INVALID_FILE, "'{}' is {}, expected {}", y.name, describe(y.dtype, y.shape),
                 describe(x.dtype, x.shape));
  Dims4 d;
  DLC_RETURN_IF_ERROR(normDims(x, op.channels_last(), &d));
  Descriptors make(ctx);
  cudnnTensorDescriptor_t xDesc, pDesc;
  DLC_RETURN_IF_ERROR(make.tensor(x, d, op.channels_last(), &xDesc));
  DLC_RETURN_IF_ERROR(
      normParameters(ctx, x, xDesc, {&scale, &offset, &mean, &variance}, d[1], &pDesc));
  const cudnnHandle_t handle = ctx.cudnnHandle;
  const Scalars s{1, 0, 1, 0, x.dtype == fb::DType::F64};
  const double epsilon = op.epsilon(), momentum = op.momentum();
  if (op.training()) {
    // cuDNN's running averages are dlc's: new = (1 - momentum) old +
    // momentum batch, the variance from the unbiased batch variance.
    *out = [=, &dnn](CUstream, CUdeviceptr) {
      return dnn.check(dnn.cudnnBatchNormalizationForwardTraining(
                           handle, CUDNN_BATCHNORM_SPATIAL, s.one(), s.zero(), xDesc, ptr(x), xDesc,
                           ptr(y), pDesc, ptr(scale), ptr(offset), momentum, ptr(mean),
                           ptr(variance), epsilon, nullptr, nullptr),
                       "cudnnBatchNormalizationForwardTraining");
    };
  } else {
    *out = [=, &dnn](CUstream, CUdeviceptr) {
      return dnn.check(dnn.cudnnBatchNormalizationForwardInference(
                           handle, CUDNN_BATCHNORM_SPATIAL, s.one(), s.zero(), xDesc, ptr(x), xDesc,
                           ptr(y), pDesc, ptr(scale), ptr(offset), ptr(mean), ptr(variance),
                           epsilon),
                       "cudnnBatchNormalizationForwardInference");
    };
  }
  return okStatus();
}

Status prepareBatchNormBackward(const PrepareContext &ctx, const fb::BatchNormBackward &op,
                                Step *out) {
  const Cudnn &dnn = *ctx.cudnn;
  Tensor x, dy, scale, dx, dscale, doffset;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input(), "input", &x));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.grad(), "grad", &dy));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale(), "scale", &scale));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.input_grad(), "input gradient", &dx));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.scale_grad(), "scale gradient", &dscale));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.offset_grad(), "offset gradient", &doffset));
  for (const Tensor *t : {&dy, &dx})
    if (t->shape != x.shape || t->dtype != x.dtype)
      return error(DLC_INVALID_FILE, "'{}' is {}, expected {}", t->name,
                   describe(t->dtype, t->shape), describe(x.dtype, x.shape));
  Dims4 d;
  DLC_RETURN_IF_ERROR(normDims(x, op.channels_last(), &d));
  Descriptors make(ctx);
  cudnnTensorDescriptor_t xDesc, pDesc;
  DLC_RETURN_IF_ERROR(make.tensor(x, d, op.channels_last(), &xDesc));
  DLC_RETURN_IF_ERROR(normParameters(ctx, x, xDesc, {&scale, &dscale, &doffset}, d[1], &pDesc));
  const cudnnHandle_t handle = ctx.cudnnHandle;
  const Scalars s{1, 0, 1, 0, x.dtype == fb::DType::F64};
  const double epsilon = op.epsilon();
  // Without saved statistics cuDNN recomputes the batch's mean and
  // variance from the input, as the command defines.
  *out = [=, &dnn](CUstream, CUdeviceptr) {
    return dnn.check(dnn.cudnnBatchNormalizationBackward(
                         handle, CUDNN_BATCHNORM_SPATIAL, s.one(), s.zero(), s.one(), s.zero(),
                         xDesc, ptr(x), xDesc, ptr(dy), xDesc, ptr(dx), pDesc, ptr(scale),
                         ptr(dscale), ptr(doffset), epsilon, nullptr, nullptr),
                     "cudnnBatchNormalizationBackward");
  };
  return okStatus();
}

} // namespace dlc::rt::cuda
