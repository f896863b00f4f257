// Linear algebra, neural-network layers, losses and metrics.
#include "dialects/dl/DLDialect.h"
#include "dialects/dl/DLTypeUtils.h"

#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace dlc::dl;

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  RankedTensorType a = staticTensor(adaptor.getLhs().getType());
  RankedTensorType b = staticTensor(adaptor.getRhs().getType());
  if (!a || !b) {
    results.push_back(adaptor.getLhs().getType());
    return success();
  }
  auto fail = [&](const Twine &message) { return inferError(loc, getOperationName(), message); };
  if (a.getRank() < 2 || b.getRank() < 2)
    return fail("operands must have rank 2 or more, got " + str(a) + " and " + str(b));
  if (a.getElementType() != b.getElementType())
    return fail("operands must have the same element type, got " + str(a) + " and " + str(b));
  int64_t m = a.getDimSize(a.getRank() - 2), k = a.getDimSize(a.getRank() - 1);
  if (adaptor.getTransposeA())
    std::swap(m, k);
  int64_t kb = b.getDimSize(b.getRank() - 2), n = b.getDimSize(b.getRank() - 1);
  if (adaptor.getTransposeB())
    std::swap(kb, n);
  if (k != kb)
    return fail("contraction dimensions differ: " + str(a) + " has " + Twine(k) + ", " + str(b) +
                " has " + Twine(kb));
  auto batch = broadcastShapes(a.getShape().drop_back(2), b.getShape().drop_back(2));
  if (!batch)
    return fail("batch dimensions are not broadcast-compatible: " + str(a) + " and " + str(b));
  batch->append({m, n});
  results.push_back(RankedTensorType::get(*batch, a.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Windowed ops: conv2d and pooling share stride/padding conventions.
//===----------------------------------------------------------------------===//

/// `[h, w]` means both sides; four values are [top, left, bottom, right].
static std::optional<SmallVector<int64_t, 4>>
expandPadding(std::optional<ArrayRef<int64_t>> padding) {
  if (!padding)
    return SmallVector<int64_t, 4>{0, 0, 0, 0};
  if (padding->size() == 2)
    return SmallVector<int64_t, 4>{(*padding)[0], (*padding)[1], (*padding)[0], (*padding)[1]};
  if (padding->size() == 4)
    return SmallVector<int64_t, 4>(padding->begin(), padding->end());
  return std::nullopt;
}

/// Whether a conv or pool's `layout` is NHWC. Type inference during parsing
/// sees the attribute absent (null) when the default applies.
static bool isChannelsLast(LayoutAttr layout) {
  return layout && layout.getValue() == Layout::nhwc;
}

namespace {
/// Window geometry of a 2-D conv or pool, checked and defaulted.
struct Window {
  SmallVector<int64_t, 2> kernel, stride, dilation;
  SmallVector<int64_t, 4> padding;
  /// Extent of the dilated kernel, `dilation * (kernel - 1) + 1`, and of the
  /// padded input, per dimension (0: h, 1: w).
  SmallVector<int64_t, 2> span, padded;

  /// Output size along `dim`; makeWindow has checked padded >= span.
  int64_t outputSize(int64_t dim) const { return (padded[dim] - span[dim]) / stride[dim] + 1; }
};
} // namespace

static FailureOr<Window>
makeWindow(ArrayRef<int64_t> kernel, std::optional<ArrayRef<int64_t>> stride,
           ArrayRef<int64_t> defaultStride, std::optional<ArrayRef<int64_t>> padding,
           std::optional<ArrayRef<int64_t>> dilation, ArrayRef<int64_t> inputHW,
           function_ref<LogicalResult(const Twine &)> fail) {
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.stride.assign(stride ? stride->begin() : defaultStride.begin(),
                  stride ? stride->end() : defaultStride.end());
  w.dilation.assign({1, 1});
  if (dilation)
    w.dilation.assign(dilation->begin(), dilation->end());
  if (w.kernel.size() != 2 || llvm::any_of(w.kernel, [](int64_t v) { return v <= 0; }))
    return fail("kernel " + str(kernel) + " must be two positive sizes [h, w]");
  if (w.stride.size() != 2 || llvm::any_of(w.stride, [](int64_t v) { return v <= 0; }))
    return fail("stride " + str(w.stride) + " must be two positive values [h, w]");
  if (w.dilation.size() != 2 || llvm::any_of(w.dilation, [](int64_t v) { return v <= 0; }))
    return fail("dilation " + str(w.dilation) + " must be two positive values [h, w]");
  auto pads = expandPadding(padding);
  if (!pads || llvm::any_of(*pads, [](int64_t v) { return v < 0; }))
    return fail("padding " + str(*padding) +
                " must be [h, w] or [top, left, bottom, right], non-negative");
  w.padding = *pads;
  for (int64_t dim = 0; dim < 2; ++dim) {
    std::optional<int64_t> span = llvm::checkedMul(w.dilation[dim], w.kernel[dim] - 1);
    if (span)
      span = llvm::checkedAdd(*span, int64_t(1));
    if (!span)
      return fail("the window of kernel " + str(w.kernel) + " with dilation " + str(w.dilation) +
                  " overflows");
    std::optional<int64_t> padded = llvm::checkedAdd(inputHW[dim], w.padding[dim]);
    if (padded)
      padded = llvm::checkedAdd(*padded, w.padding[dim + 2]);
    if (!padded)
      return fail("the input size " + str(inputHW) + " with padding " + str(w.padding) +
                  " overflows");
    w.span.push_back(*span);
    w.padded.push_back(*padded);
  }
  if (w.padded[0] < w.span[0] || w.padded[1] < w.span[1])
    return fail("window " + str(w.span) + " does not fit the padded input " + str(w.padded));
  return w;
}

SmallVector<int64_t, 2> Conv2DOp::getStrideOrDefault() {
  return getStride() ? SmallVector<int64_t, 2>(*getStride()) : SmallVector<int64_t, 2>{1, 1};
}
SmallVector<int64_t, 4> Conv2DOp::getPaddingOrDefault() { return *expandPadding(getPadding()); }
SmallVector<int64_t, 2> Conv2DOp::getDilationOrDefault() {
  return getDilation() ? SmallVector<int64_t, 2>(*getDilation()) : SmallVector<int64_t, 2>{1, 1};
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  RankedTensorType x = staticTensor(adaptor.getInput().getType());
  RankedTensorType w = staticTensor(adaptor.getFilter().getType());
  if (!x || !w) {
    results.push_back(adaptor.getInput().getType());
    return success();
  }
  auto fail = [&](const Twine &message) { return inferError(loc, getOperationName(), message); };
  const bool channelsLast = isChannelsLast(adaptor.getLayoutAttr());
  if (x.getRank() != 4)
    return fail("input must be " + Twine(channelsLast ? "N x H x W x C" : "N x C x H x W") +
                ", got " + str(x));
  const int64_t c = channelsLast ? 3 : 1; // channel dim; spatial dims follow or precede it
  ArrayRef<int64_t> spatial = x.getShape().slice(channelsLast ? 1 : 2, 2);
  if (w.getRank() != 4)
    return fail("filter must be O x C/groups x KH x KW, got " + str(w));
  if (x.getElementType() != w.getElementType())
    return fail("input " + str(x) + " and filter " + str(w) + " have different element types");
  int64_t groups = static_cast<int64_t>(adaptor.getGroups().value_or(1));
  int64_t channels = x.getDimSize(c), outChannels = w.getDimSize(0);
  if (groups <= 0 || channels % groups != 0 || outChannels % groups != 0)
    return fail("groups = " + Twine(groups) + " must divide the input channels (" +
                Twine(channels) + ") and the output channels (" + Twine(outChannels) + ")");
  std::optional<int64_t> filterChannels = llvm::checkedMul(w.getDimSize(1), groups);
  if (!filterChannels)
    return fail("the input channel count of filter " + str(w) + " with groups = " + Twine(groups) +
                " overflows");
  if (*filterChannels != channels)
    return fail("filter " + str(w) + " expects " + Twine(*filterChannels) +
                " input channels, the input " + str(x) + " has " + Twine(channels));
  if (Value bias = adaptor.getBias()) {
    RankedTensorType b = staticTensor(bias.getType());
    if (b && (b.getRank() != 1 || b.getDimSize(0) != outChannels ||
              b.getElementType() != x.getElementType()))
      return fail("bias must be " + str(RankedTensorType::get({outChannels}, x.getElementType())) +
                  ", got " + str(b));
  }
  FailureOr<Window> window = makeWindow(w.getShape().take_back(2), adaptor.getStride(), {1, 1},
                                        adaptor.getPadding(), adaptor.getDilation(), spatial, fail);
  if (failed(window))
    return failure();
  SmallVector<int64_t, 4> shape{x.getDimSize(0), outChannels, window->outputSize(0),
                                window->outputSize(1)};
  if (channelsLast)
    shape = {shape[0], shape[2], shape[3], shape[1]};
  results.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

template <typename PoolOp>
static LogicalResult inferPool(std::optional<Location> loc, typename PoolOp::Adaptor adaptor,
                               SmallVectorImpl<Type> &results) {
  RankedTensorType x = staticTensor(adaptor.getInput().getType());
  if (!x) {
    results.push_back(adaptor.getInput().getType());
    return success();
  }
  auto fail = [&](const Twine &message) {
    return inferError(loc, PoolOp::getOperationName(), message);
  };
  const bool channelsLast = isChannelsLast(adaptor.getLayoutAttr());
  if (x.getRank() != 4)
    return fail("input must be " + Twine(channelsLast ? "N x H x W x C" : "N x C x H x W") +
                ", got " + str(x));
  const int64_t h = channelsLast ? 1 : 2; // the first spatial dim
  FailureOr<Window> window =
      makeWindow(adaptor.getKernel(), adaptor.getStride(), adaptor.getKernel(),
                 adaptor.getPadding(), std::nullopt, x.getShape().slice(h, 2), fail);
  if (failed(window))
    return failure();
  for (int64_t dim = 0; dim < 2; ++dim)
    if (window->padding[dim] > window->kernel[dim] / 2 ||
        window->padding[dim + 2] > window->kernel[dim] / 2)
      return fail("padding " + str(window->padding) + " must be at most half the kernel " +
                  str(window->kernel));
  SmallVector<int64_t, 4> shape(x.getShape());
  shape[h] = window->outputSize(0);
  shape[h + 1] = window->outputSize(1);
  results.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  return inferPool<MaxPool2DOp>(loc, adaptor, results);
}
LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  return inferPool<AvgPool2DOp>(loc, adaptor, results);
}

template <typename PoolOp> static SmallVector<int64_t, 2> poolStride(PoolOp op) {
  return SmallVector<int64_t, 2>(op.getStride() ? *op.getStride() : op.getKernel());
}
SmallVector<int64_t, 2> MaxPool2DOp::getStrideOrDefault() { return poolStride(*this); }
SmallVector<int64_t, 2> AvgPool2DOp::getStrideOrDefault() { return poolStride(*this); }
SmallVector<int64_t, 4> MaxPool2DOp::getPaddingOrDefault() { return *expandPadding(getPadding()); }
SmallVector<int64_t, 4> AvgPool2DOp::getPaddingOrDefault() { return *expandPadding(getPadding()); }

//===----------------------------------------------------------------------===//
// Normalization, dropout, softmax, embedding
//===----------------------------------------------------------------------===//

/// The input and per-channel shapes of batch normalization and its gradient
/// (`what`: "scale and offset", "scale"), and the channel axis of `layout`.
static LogicalResult verifyBatchNormShapes(Operation *op, RankedTensorType x,
                                           RankedTensorType scale, Layout layout, double epsilon,
                                           StringRef what) {
  if (layout == Layout::nhwc && x.getRank() != 4)
    return op->emitOpError() << "layout nhwc needs an N x H x W x C input, got " << x;
  if (x.getRank() != 2 && x.getRank() != 4)
    return op->emitOpError() << "input must be N x C or N x C x H x W, got " << x;
  int64_t channels = x.getDimSize(layout == Layout::nhwc ? 3 : 1);
  if (scale.getRank() != 1 || scale.getDimSize(0) != channels ||
      scale.getElementType() != x.getElementType())
    return op->emitOpError() << what << " must be "
                             << RankedTensorType::get({channels}, x.getElementType())
                             << " (one per channel of " << x << "), got " << scale;
  if (!(epsilon > 0.0))
    return op->emitOpError() << "epsilon must be positive, got " << epsilon;
  return success();
}

/// The values per channel (N x H x W), at least 2 for the unbiased variance.
static LogicalResult verifyBatchNormCount(Operation *op, RankedTensorType x, Layout layout) {
  SmallVector<int64_t> perChannel(x.getShape());
  perChannel.erase(perChannel.begin() + (layout == Layout::nhwc ? 3 : 1));
  std::optional<int64_t> count = checkedElementCount(perChannel);
  if (count && *count < 2)
    return op->emitOpError() << "training needs at least 2 values per channel (N x H x W) for "
                                "the unbiased variance, got "
                             << *count << " in " << x;
  return success();
}

LogicalResult BatchNormBackwardOp::verify() {
  auto x = getInput().getType();
  if (failed(verifyBatchNormShapes(*this, x, getScale().getType(), getLayout(),
                                   getEpsilon().convertToDouble(), "scale")))
    return failure();
  return verifyBatchNormCount(*this, x, getLayout());
}

LogicalResult BatchNormOp::verify() {
  auto x = getInput().getType();
  if (failed(verifyBatchNormShapes(*this, x, getScale().getType(), getLayout(),
                                   getEpsilon().convertToDouble(), "scale and offset")))
    return failure();
  double momentum = getMomentum().convertToDouble();
  if (!(momentum >= 0.0 && momentum <= 1.0))
    return emitOpError() << "momentum must be in [0, 1], got " << momentum;
  // Training updates both statistics; one parameter for both would mix them.
  if (getRunningMean() == getRunningVar())
    return emitOpError() << "running mean and variance must be two parameters, got "
                         << getRunningMeanAttr() << " for both";
  // The running variance takes the unbiased batch variance, sum / (M - 1).
  if (getTraining())
    return verifyBatchNormCount(*this, x, getLayout());
  return success();
}

/// Both forms read the running statistics; only training writes them.
void BatchNormOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  for (SymbolRefAttr statistic : {getRunningMeanAttr(), getRunningVarAttr()}) {
    effects.emplace_back(MemoryEffects::Read::get(), statistic);
    if (getTraining())
      effects.emplace_back(MemoryEffects::Write::get(), statistic);
  }
}

LogicalResult DropoutOp::verify() {
  double rate = getRate().convertToDouble();
  if (!(rate >= 0.0 && rate < 1.0))
    return emitOpError() << "rate must be in [0, 1), got " << rate;
  return success();
}

/// The axis of softmax-like and layer_norm ops (and their gradients') is
/// one of `type`'s dims; the default (last) axis needs rank 1 or more, which
/// is said in words rather than as axis -1.
static LogicalResult verifyAxis(Operation *op, ShapedType type, int64_t axis) {
  int64_t rank = type.getRank();
  if (rank == 0)
    return op->emitOpError() << "input must have rank 1 or more, got " << type;
  if (axis < 0 || axis >= rank)
    return op->emitOpError() << "axis " << axis << " is out of range for rank " << rank;
  return success();
}

template <typename Op> static LogicalResult verifyAxis(Op op) {
  return verifyAxis(op, op.getInput().getType(), op.getAxisOrDefault());
}

LogicalResult SoftmaxOp::verify() { return verifyAxis(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifyAxis(*this); }
LogicalResult SoftmaxBackwardOp::verify() {
  return verifyAxis(*this, getOutput().getType(), getAxisOrDefault());
}

/// A layer norm's (or its gradient's) axis, scale shape (`what` names the
/// operands that have it) and epsilon.
template <typename Op> static LogicalResult verifyLayerNorm(Op op, StringRef what) {
  if (failed(verifyAxis(op)))
    return failure();
  auto x = op.getInput().getType();
  auto scale = op.getScale().getType();
  auto expected =
      RankedTensorType::get(x.getShape().drop_front(op.getAxisOrDefault()), x.getElementType());
  if (scale != expected)
    return op.emitOpError() << what << " must be " << expected << " (the normalized dimensions of "
                            << x << "), got " << scale;
  if (!(op.getEpsilon().convertToDouble() > 0.0))
    return op.emitOpError() << "epsilon must be positive, got "
                            << op.getEpsilon().convertToDouble();
  return success();
}

LogicalResult LayerNormOp::verify() { return verifyLayerNorm(*this, "scale and offset"); }
LogicalResult LayerNormBackwardOp::verify() { return verifyLayerNorm(*this, "scale"); }

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  RankedTensorType table = staticTensor(adaptor.getTable().getType());
  RankedTensorType ids = staticTensor(adaptor.getIndices().getType());
  if (!table || !ids) {
    results.push_back(adaptor.getTable().getType());
    return success();
  }
  if (table.getRank() != 2)
    return inferError(loc, getOperationName(),
                      "table must be vocabulary x features, got " + str(table));
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  results.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

/// Logits N x K against labels N: the shared check of the classification ops.
static LogicalResult inferClassification(StringRef opName, std::optional<Location> loc,
                                         Type logitsType, Type labelsType,
                                         SmallVectorImpl<Type> &results) {
  RankedTensorType logits = staticTensor(logitsType);
  RankedTensorType labels = staticTensor(labelsType);
  if (!logits || !labels) {
    results.push_back(logitsType);
    return success();
  }
  if (logits.getRank() != 2)
    return inferError(loc, opName, "logits must be batch x classes, got " + str(logits));
  if (labels.getRank() != 1 || labels.getDimSize(0) != logits.getDimSize(0))
    return inferError(loc, opName,
                      "labels must have shape [" + Twine(logits.getDimSize(0)) +
                          "] (one per row of " + str(logits) + "), got " + str(labels));
  results.push_back(RankedTensorType::get({}, logits.getElementType()));
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                      Adaptor adaptor,
                                                      SmallVectorImpl<Type> &results) {
  return inferClassification(getOperationName(), loc, adaptor.getLogits().getType(),
                             adaptor.getLabels().getType(), results);
}

LogicalResult AccuracyOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &results) {
  return inferClassification(getOperationName(), loc, adaptor.getLogits().getType(),
                             adaptor.getLabels().getType(), results);
}

LogicalResult MseLossOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &results) {
  RankedTensorType prediction = staticTensor(adaptor.getPrediction().getType());
  if (!prediction) {
    results.push_back(adaptor.getPrediction().getType());
    return success();
  }
  // While parsing, an omitted default-valued attribute is not set yet.
  LossReductionAttr reduction = adaptor.getReductionAttr();
  if (reduction && reduction.getValue() == LossReduction::batch_mean && prediction.getRank() < 1)
    return inferError(loc, getOperationName(), "reduction = batch_mean needs a batch axis");
  results.push_back(RankedTensorType::get({}, prediction.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Gradients of convolution and pooling
//===----------------------------------------------------------------------===//

/// The forward conv2d's result type for input `x` and filter `w`, or a
/// diagnostic on `op`.
static FailureOr<RankedTensorType>
convForwardType(Operation *op, RankedTensorType x, RankedTensorType w,
                std::optional<ArrayRef<int64_t>> stride, std::optional<ArrayRef<int64_t>> padding,
                std::optional<ArrayRef<int64_t>> dilation, int64_t groups, bool channelsLast) {
  auto fail = [&](const Twine &message) { return op->emitOpError() << message; };
  if (x.getRank() != 4 || w.getRank() != 4)
    return fail("wants a 4-D input and a 4-D filter, got " + str(x) + " and " + str(w));
  const int64_t c = channelsLast ? 3 : 1;
  int64_t channels = x.getDimSize(c), outChannels = w.getDimSize(0);
  if (groups <= 0 || channels % groups != 0 || outChannels % groups != 0 ||
      w.getDimSize(1) * groups != channels)
    return fail("filter " + str(w) + " with groups = " + Twine(groups) +
                " does not fit the input " + str(x));
  FailureOr<Window> window =
      makeWindow(w.getShape().take_back(2), stride, {1, 1}, padding, dilation,
                 x.getShape().slice(channelsLast ? 1 : 2, 2), fail);
  if (failed(window))
    return failure();
  SmallVector<int64_t, 4> shape{x.getDimSize(0), outChannels, window->outputSize(0),
                                window->outputSize(1)};
  if (channelsLast)
    shape = {shape[0], shape[2], shape[3], shape[1]};
  return RankedTensorType::get(shape, x.getElementType());
}

static LogicalResult checkGradType(Operation *op, RankedTensorType grad,
                                   RankedTensorType expected) {
  if (grad != expected)
    return op->emitOpError() << "gradient " << grad << " does not match the forward result "
                             << expected;
  return success();
}

LogicalResult Conv2DBackwardDataOp::verify() {
  auto dx = cast<RankedTensorType>(getType()), w = cast<RankedTensorType>(getFilter().getType());
  FailureOr<RankedTensorType> y =
      convForwardType(*this, dx, w, getStride(), getPadding(), getDilation(),
                      static_cast<int64_t>(getGroups().value_or(1)), getLayout() == Layout::nhwc);
  return failed(y) ? failure()
                   : checkGradType(*this, cast<RankedTensorType>(getGrad().getType()), *y);
}

LogicalResult Conv2DBackwardFilterOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType()), dw = cast<RankedTensorType>(getType());
  FailureOr<RankedTensorType> y =
      convForwardType(*this, x, dw, getStride(), getPadding(), getDilation(),
                      static_cast<int64_t>(getGroups().value_or(1)), getLayout() == Layout::nhwc);
  return failed(y) ? failure()
                   : checkGradType(*this, cast<RankedTensorType>(getGrad().getType()), *y);
}

LogicalResult Pool2DBackwardOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  auto fail = [&](const Twine &message) { return emitOpError() << message; };
  const bool channelsLast = getLayout() == Layout::nhwc;
  if (x.getRank() != 4)
    return fail("wants a 4-D input, got " + str(x));
  const int64_t h = channelsLast ? 1 : 2;
  FailureOr<Window> window = makeWindow(getKernel(), getStride(), getKernel(), getPadding(),
                                        std::nullopt, x.getShape().slice(h, 2), fail);
  if (failed(window))
    return failure();
  SmallVector<int64_t, 4> shape(x.getShape());
  shape[h] = window->outputSize(0);
  shape[h + 1] = window->outputSize(1);
  return checkGradType(*this, cast<RankedTensorType>(getGrad().getType()),
                       RankedTensorType::get(shape, x.getElementType()));
}
