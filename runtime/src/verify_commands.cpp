// The loader's checks of one command: the op is known, every buffer it
// names exists and is reachable from the entry point, nothing writes a
// constant, and shapes agree where that is cheap to see. Backends may rely
// on these: e.g. a kernel's output has the kernel's shape.
#include "device.h"
#include "verify.h"
#include "verify_command_check.h"

#include <array>
#include <cmath>
#include <vector>

namespace dlc::rt {

namespace {

/// The output extent of a sliding window, (in + pads - span) / stride + 1,
/// or -1 when the window does not fit.
int64_t windowOutput(int64_t in, int64_t padLow, int64_t padHigh, int64_t window, int64_t dilation,
                     int64_t stride) {
  const Int padded = Int(in) + padLow + padHigh;
  const Int span = Int(dilation) * (window - 1) + 1;
  return padded < span ? -1 : static_cast<int64_t>((padded - span) / stride + 1);
}

Status checkMatmul(const CommandCheck &k, const fb::Matmul &op) {
  Operand a, b, c, bias;
  DLC_RETURN_IF_ERROR(k.operand(op.a(), "a", false, &a));
  DLC_RETURN_IF_ERROR(k.operand(op.b(), "b", false, &b));
  DLC_RETURN_IF_ERROR(k.operand(op.c(), "c", true, &c));
  DLC_RETURN_IF_ERROR(k.optionalOperand(op.bias(), "bias", &bias));
  if (!validEnum(op.activation()))
    return k.fail("unknown activation {}", static_cast<int>(op.activation()));
  if (op.activation() == fb::Activation::Tanh)
    return k.fail("a tanh activation is for convolutions only");
  for (const Operand *o : {&a, &b, &c}) {
    DLC_RETURN_IF_ERROR(k.floating(*o));
    if (o->rank() < 2)
      return k.fail("{}; expected rank 2 or more", k.text(*o));
  }
  DLC_RETURN_IF_ERROR(k.sameDtype(a, b));
  const int ra = a.rank(), rb = b.rank(), rc = c.rank();
  const int64_t m = op.transpose_a() ? a.dim(ra - 1) : a.dim(ra - 2);
  const int64_t ka = op.transpose_a() ? a.dim(ra - 2) : a.dim(ra - 1);
  const int64_t kb = op.transpose_b() ? b.dim(rb - 1) : b.dim(rb - 2);
  const int64_t n = op.transpose_b() ? b.dim(rb - 2) : b.dim(rb - 1);
  if (ka != kb)
    return k.fail("{} and {}: inner dimensions {} and {} differ", k.text(a), k.text(b), ka, kb);
  Shape expected;
  expected.rank = std::max(ra, rb);
  for (int i = 3; i <= expected.rank; ++i) {
    const int64_t da = i <= ra ? a.dim(ra - i) : 1, db = i <= rb ? b.dim(rb - i) : 1;
    if (da != db && da != 1 && db != 1)
      return k.fail("{} and {}: batch dimensions do not broadcast", k.text(a), k.text(b));
    expected.dims[expected.rank - i] = std::max(da, db);
  }
  expected.dims[expected.rank - 2] = m;
  expected.dims[expected.rank - 1] = n;
  if (c.shape != expected || rc != expected.rank)
    return k.fail("{}; expected {}", k.text(c), describe(c.dtype, expected));
  if (bias.present()) {
    DLC_RETURN_IF_ERROR(k.sameDtype(bias, c));
    DLC_RETURN_IF_ERROR(k.broadcastsTo(bias, c.shape));
  }
  return okStatus();
}

/// The shapes of a 2-D convolution `in` * `filter` -> `out` with these
/// attributes (conv2d's; its gradients check their operands as the forward
/// op's would be).
template <typename ConvOp>
Status checkConvShapes(const CommandCheck &k, const ConvOp &op, const Operand &in,
                       const Operand &filter, const Operand &out) {
  for (const Operand *o : {&in, &filter, &out}) {
    DLC_RETURN_IF_ERROR(k.rank(*o, 4));
    DLC_RETURN_IF_ERROR(k.floating(*o));
  }
  DLC_RETURN_IF_ERROR(k.sameDtype(in, filter));
  DLC_RETURN_IF_ERROR(k.sameDtype(in, out));
  std::array<int64_t, kMaxRank> stride{}, padding{}, dilation{};
  DLC_RETURN_IF_ERROR(k.attribute(op.stride(), 2, 1, "stride", &stride));
  DLC_RETURN_IF_ERROR(k.attribute(op.padding(), 4, 0, "padding", &padding));
  DLC_RETURN_IF_ERROR(k.attribute(op.dilation(), 2, 1, "dilation", &dilation));
  // Dimension indices of channels and of the first spatial dim.
  const int c = op.channels_last() ? 3 : 1, h = op.channels_last() ? 1 : 2;
  const int64_t groups = op.groups();
  const int64_t channels = in.dim(c), outChannels = filter.dim(0);
  if (groups < 1 || groups > kMaxAttribute || channels % groups != 0 || outChannels % groups != 0)
    return k.fail("groups {} must be positive and divide the {} input and {} output channels",
                  groups, channels, outChannels);
  if (filter.dim(1) != channels / groups)
    return k.fail("{} and {}: the filter has {} channels per group; expected {}", k.text(in),
                  k.text(filter), filter.dim(1), channels / groups);
  if (filter.dim(2) < 1 || filter.dim(3) < 1)
    return k.fail("{}; the window must not be empty", k.text(filter));
  Shape expected = out.shape;
  expected.dims[0] = in.dim(0);
  expected.dims[c] = outChannels;
  for (int i = 0; i < 2; ++i) {
    expected.dims[h + i] = windowOutput(in.dim(h + i), padding[i], padding[2 + i],
                                        filter.dim(2 + i), dilation[i], stride[i]);
  }
  if (out.shape != expected)
    return k.fail("{} and {}: {}; expected {}", k.text(in), k.text(filter), k.text(out),
                  describe(out.dtype, expected));
  return okStatus();
}

Status checkConv2D(const CommandCheck &k, const fb::Conv2D &op) {
  Operand in, filter, out, bias;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.filter(), "filter", false, &filter));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.optionalOperand(op.bias(), "bias", &bias));
  if (!validEnum(op.activation()))
    return k.fail("unknown activation {}", static_cast<int>(op.activation()));
  DLC_RETURN_IF_ERROR(checkConvShapes(k, op, in, filter, out));
  if (bias.present()) {
    DLC_RETURN_IF_ERROR(k.sameDtype(bias, out));
    DLC_RETURN_IF_ERROR(k.rank(bias, 1));
    DLC_RETURN_IF_ERROR(k.elements(bias, filter.dim(0)));
  }
  return okStatus();
}

/// grad is the forward output's gradient; output the input's.
Status checkConv2DBackwardData(const CommandCheck &k, const fb::Conv2DBackwardData &op) {
  Operand grad, filter, out;
  DLC_RETURN_IF_ERROR(k.operand(op.grad(), "grad", false, &grad));
  DLC_RETURN_IF_ERROR(k.operand(op.filter(), "filter", false, &filter));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  return checkConvShapes(k, op, out, filter, grad);
}

/// output is the filter's gradient.
Status checkConv2DBackwardFilter(const CommandCheck &k, const fb::Conv2DBackwardFilter &op) {
  Operand in, grad, out, biasGrad;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.grad(), "grad", false, &grad));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.optionalOperand(op.bias_grad(), "bias_grad", &biasGrad, true));
  DLC_RETURN_IF_ERROR(checkConvShapes(k, op, in, out, grad));
  if (biasGrad.present()) {
    DLC_RETURN_IF_ERROR(k.sameDtype(biasGrad, out));
    DLC_RETURN_IF_ERROR(k.rank(biasGrad, 1));
    DLC_RETURN_IF_ERROR(k.elements(biasGrad, out.dim(0)));
  }
  return okStatus();
}

/// A 2-D pooling of `in` into `out` with these attributes.
template <typename PoolOp>
Status checkPoolShapes(const CommandCheck &k, const PoolOp &op, const Operand &in,
                       const Operand &out) {
  if (!validEnum(op.kind()))
    return k.fail("unknown pooling kind {}", static_cast<int>(op.kind()));
  DLC_RETURN_IF_ERROR(k.rank(in, 4));
  DLC_RETURN_IF_ERROR(k.floating(in));
  DLC_RETURN_IF_ERROR(k.sameDtype(in, out));
  std::array<int64_t, kMaxRank> window{}, stride{}, padding{};
  DLC_RETURN_IF_ERROR(k.attribute(op.kernel(), 2, 1, "kernel", &window));
  DLC_RETURN_IF_ERROR(k.attribute(op.stride(), 2, 1, "stride", &stride));
  DLC_RETURN_IF_ERROR(k.attribute(op.padding(), 4, 0, "padding", &padding));
  const int h = op.channels_last() ? 1 : 2; // the first spatial dim
  Shape expected = in.shape;
  for (int i = 0; i < 2; ++i)
    expected.dims[h + i] =
        windowOutput(in.dim(h + i), padding[i], padding[2 + i], window[i], 1, stride[i]);
  if (out.shape != expected)
    return k.fail("{}; expected {}", k.text(out), describe(out.dtype, expected));
  return okStatus();
}

Status checkPool2D(const CommandCheck &k, const fb::Pool2D &op) {
  Operand in, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  return checkPoolShapes(k, op, in, out);
}

/// input and output have the forward input's type, grad the forward output's.
Status checkPool2DBackward(const CommandCheck &k, const fb::Pool2DBackward &op) {
  Operand in, grad, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.grad(), "grad", false, &grad));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.sameType(in, out));
  if (op.relu_mask() && op.kind() != fb::PoolKind::Max)
    return k.fail("relu_mask applies to max pooling only");
  return checkPoolShapes(k, op, in, grad);
}

Status checkReduce(const CommandCheck &k, const fb::Reduce &op) {
  Operand in, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  if (!validEnum(op.kind()))
    return k.fail("unknown reduction {}", static_cast<int>(op.kind()));
  DLC_RETURN_IF_ERROR(k.sameDtype(in, out));
  std::array<bool, kMaxRank> reduced{};
  const size_t numAxes = op.axes() ? op.axes()->size() : 0;
  for (size_t i = 0; i < numAxes; ++i) {
    const int64_t axis = op.axes()->Get(i);
    DLC_RETURN_IF_ERROR(k.axis(axis, in));
    if (reduced[axis])
      return k.fail("axis {} is listed twice", axis);
    reduced[axis] = true;
  }
  int64_t kept = 1;
  for (int i = 0; i < in.rank(); ++i)
    kept *= reduced[i] ? 1 : in.dim(i);
  return k.elements(out, kept);
}

Status checkArgmax(const CommandCheck &k, const fb::Argmax &op) {
  Operand in, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.axis(op.axis(), in));
  DLC_RETURN_IF_ERROR(k.integerIndex(out));
  const int64_t extent = in.dim(static_cast<int>(op.axis()));
  if (extent == 0)
    return k.fail("{}: axis {} is empty", k.text(in), op.axis());
  return k.elements(out, in.shape.elements() / extent);
}

Status checkTranspose(const CommandCheck &k, const fb::Transpose &op) {
  Operand in, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.sameDtype(in, out));
  std::array<int64_t, kMaxRank> perm{};
  DLC_RETURN_IF_ERROR(k.attribute(op.perm(), in.rank(), 0, "perm", &perm));
  std::array<bool, kMaxRank> seen{};
  Shape expected;
  expected.rank = in.rank();
  for (int i = 0; i < in.rank(); ++i) {
    if (perm[i] >= in.rank() || seen[perm[i]])
      return k.fail("perm is not a permutation of [0, {}) for {}", in.rank(), k.text(in));
    seen[perm[i]] = true;
    expected.dims[i] = in.dim(static_cast<int>(perm[i]));
  }
  if (out.shape != expected)
    return k.fail("{}; expected {}", k.text(out), describe(out.dtype, expected));
  return okStatus();
}

Status checkConcat(const CommandCheck &k, const fb::Concat &op) {
  Operand out;
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.axis(op.axis(), out));
  const size_t n = op.inputs() ? op.inputs()->size() : 0;
  DLC_RETURN_IF_ERROR(k.spend(n));
  if (n == 0)
    return k.fail("has no inputs");
  int64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    Operand in;
    DLC_RETURN_IF_ERROR(k.operand(op.inputs()->Get(i), "input", false, &in));
    DLC_RETURN_IF_ERROR(k.sameDtype(in, out));
    DLC_RETURN_IF_ERROR(k.rank(in, out.rank()));
    for (int d = 0; d < out.rank(); ++d)
      if (d != op.axis() && in.dim(d) != out.dim(d))
        return k.fail("{} and {}: dimension {} differs", k.text(in), k.text(out), d);
    total += in.dim(static_cast<int>(op.axis()));
  }
  if (total != out.dim(static_cast<int>(op.axis())))
    return k.fail("{}: the inputs add up to {} along axis {}", k.text(out), total, op.axis());
  return okStatus();
}

Status checkSlice(const CommandCheck &k, const fb::Slice &op) {
  Operand in, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.sameDtype(in, out));
  DLC_RETURN_IF_ERROR(k.rank(out, in.rank()));
  std::array<int64_t, kMaxRank> starts{}, strides{};
  DLC_RETURN_IF_ERROR(k.attribute(op.starts(), in.rank(), 0, "starts", &starts));
  DLC_RETURN_IF_ERROR(k.attribute(op.strides(), in.rank(), -kMaxAttribute, "strides", &strides));
  for (int d = 0; d < in.rank(); ++d) {
    if (strides[d] == 0)
      return k.fail("strides[{}] is 0", d);
    if (out.dim(d) == 0)
      continue;
    const Int last = Int(starts[d]) + Int(out.dim(d) - 1) * strides[d];
    if (starts[d] >= in.dim(d) || last < 0 || last >= in.dim(d))
      return k.fail("{} and {}: dimension {} reads outside the input", k.text(in), k.text(out), d);
  }
  return okStatus();
}

Status checkPad(const CommandCheck &k, const fb::Pad &op) {
  Operand in, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.sameDtype(in, out));
  DLC_RETURN_IF_ERROR(k.rank(out, in.rank()));
  std::array<int64_t, kMaxRank> low{};
  DLC_RETURN_IF_ERROR(k.attribute(op.low(), in.rank(), 0, "low", &low));
  for (int d = 0; d < in.rank(); ++d)
    if (low[d] + in.dim(d) > out.dim(d))
      return k.fail("{} placed at {} in dimension {} does not fit {}", k.text(in), low[d], d,
                    k.text(out));
  return okStatus();
}

Status checkSoftmax(const CommandCheck &k, const fb::Softmax &op) {
  Operand in, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.floating(in));
  DLC_RETURN_IF_ERROR(k.sameType(in, out));
  return k.axis(op.axis(), in);
}

Status checkSoftmaxBackward(const CommandCheck &k, const fb::SoftmaxBackward &op) {
  Operand y, grad, out;
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", false, &y));
  DLC_RETURN_IF_ERROR(k.operand(op.grad(), "grad", false, &grad));
  DLC_RETURN_IF_ERROR(k.operand(op.input_grad(), "input_grad", true, &out));
  DLC_RETURN_IF_ERROR(k.floating(y));
  DLC_RETURN_IF_ERROR(k.sameType(y, grad));
  DLC_RETURN_IF_ERROR(k.sameType(y, out));
  return k.axis(op.axis(), y);
}

Status checkBatchNorm(const CommandCheck &k, const fb::BatchNorm &op) {
  Operand in, scale, offset, mean, variance, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.scale(), "scale", false, &scale));
  DLC_RETURN_IF_ERROR(k.operand(op.offset(), "offset", false, &offset));
  DLC_RETURN_IF_ERROR(k.operand(op.mean(), "mean", op.training(), &mean));
  DLC_RETURN_IF_ERROR(k.operand(op.variance(), "variance", op.training(), &variance));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.floating(in));
  DLC_RETURN_IF_ERROR(k.sameType(in, out));
  if (in.rank() < 2 || (op.channels_last() && in.rank() != 4))
    return k.fail("{}; expected rank 2 or more (4 channels-last)", k.text(in));
  const int64_t channels = in.dim(op.channels_last() ? 3 : 1);
  for (const Operand *o : {&scale, &offset, &mean, &variance}) {
    DLC_RETURN_IF_ERROR(k.floating(*o));
    DLC_RETURN_IF_ERROR(k.rank(*o, 1));
    DLC_RETURN_IF_ERROR(k.elements(*o, channels));
  }
  if (!(op.epsilon() >= 0) || !(op.momentum() >= 0 && op.momentum() <= 1))
    return k.fail("epsilon {} must be >= 0 and momentum {} in [0, 1]", op.epsilon(), op.momentum());
  return okStatus();
}

Status checkBatchNormBackward(const CommandCheck &k, const fb::BatchNormBackward &op) {
  Operand in, grad, scale, inputGrad, scaleGrad, offsetGrad;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.grad(), "grad", false, &grad));
  DLC_RETURN_IF_ERROR(k.operand(op.scale(), "scale", false, &scale));
  DLC_RETURN_IF_ERROR(k.operand(op.input_grad(), "input_grad", true, &inputGrad));
  DLC_RETURN_IF_ERROR(k.operand(op.scale_grad(), "scale_grad", true, &scaleGrad));
  DLC_RETURN_IF_ERROR(k.operand(op.offset_grad(), "offset_grad", true, &offsetGrad));
  DLC_RETURN_IF_ERROR(k.floating(in));
  DLC_RETURN_IF_ERROR(k.sameType(in, grad));
  DLC_RETURN_IF_ERROR(k.sameType(in, inputGrad));
  if (in.rank() < 2 || (op.channels_last() && in.rank() != 4))
    return k.fail("{}; expected rank 2 or more (4 channels-last)", k.text(in));
  const int64_t channels = in.dim(op.channels_last() ? 3 : 1);
  for (const Operand *o : {&scale, &scaleGrad, &offsetGrad}) {
    DLC_RETURN_IF_ERROR(k.sameDtype(*o, in));
    DLC_RETURN_IF_ERROR(k.rank(*o, 1));
    DLC_RETURN_IF_ERROR(k.elements(*o, channels));
  }
  if (!(op.epsilon() >= 0))
    return k.fail("epsilon {} must be >= 0", op.epsilon());
  return okStatus();
}

Status checkLayerNorm(const CommandCheck &k, const fb::LayerNorm &op) {
  Operand in, scale, offset, out;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.scale(), "scale", false, &scale));
  DLC_RETURN_IF_ERROR(k.operand(op.offset(), "offset", false, &offset));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.floating(in));
  DLC_RETURN_IF_ERROR(k.sameType(in, out));
  DLC_RETURN_IF_ERROR(k.axis(op.axis(), in));
  int64_t normalized = 1;
  for (int i = static_cast<int>(op.axis()); i < in.rank(); ++i)
    normalized *= in.dim(i);
  for (const Operand *o : {&scale, &offset}) {
    DLC_RETURN_IF_ERROR(k.floating(*o));
    DLC_RETURN_IF_ERROR(k.elements(*o, normalized));
  }
  if (!(op.epsilon() >= 0))
    return k.fail("epsilon {} must be >= 0", op.epsilon());
  return okStatus();
}

Status checkLayerNormBackward(const CommandCheck &k, const fb::LayerNormBackward &op) {
  Operand in, grad, scale, inputGrad, normalized;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.grad(), "grad", false, &grad));
  DLC_RETURN_IF_ERROR(k.operand(op.scale(), "scale", false, &scale));
  DLC_RETURN_IF_ERROR(k.operand(op.input_grad(), "input_grad", true, &inputGrad));
  DLC_RETURN_IF_ERROR(k.operand(op.normalized(), "normalized", true, &normalized));
  DLC_RETURN_IF_ERROR(k.floating(in));
  for (const Operand *o : {&grad, &inputGrad, &normalized})
    DLC_RETURN_IF_ERROR(k.sameType(in, *o));
  DLC_RETURN_IF_ERROR(k.axis(op.axis(), in));
  int64_t normalizedCount = 1;
  for (int i = static_cast<int>(op.axis()); i < in.rank(); ++i)
    normalizedCount *= in.dim(i);
  DLC_RETURN_IF_ERROR(k.floating(scale));
  DLC_RETURN_IF_ERROR(k.elements(scale, normalizedCount));
  if (!(op.epsilon() >= 0))
    return k.fail("epsilon {} must be >= 0", op.epsilon());
  return okStatus();
}

Status checkEmbedding(const CommandCheck &k, const fb::Embedding &op) {
  Operand table, indices, out;
  DLC_RETURN_IF_ERROR(k.operand(op.table(), "table", false, &table));
  DLC_RETURN_IF_ERROR(k.operand(op.indices(), "indices", false, &indices));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.rank(table, 2));
  DLC_RETURN_IF_ERROR(k.integerIndex(indices));
  DLC_RETURN_IF_ERROR(k.sameDtype(table, out));
  Shape expected = indices.shape;
  if (expected.rank == kMaxRank)
    return k.fail("{}: one more dimension would exceed rank {}", k.text(indices), kMaxRank);
  expected.dims[expected.rank++] = table.dim(1);
  if (out.shape != expected)
    return k.fail("{}; expected {}", k.text(out), describe(out.dtype, expected));
  return okStatus();
}

Status checkDropout(const CommandCheck &k, const fb::Dropout &op) {
  Operand in, out, step;
  DLC_RETURN_IF_ERROR(k.operand(op.input(), "input", false, &in));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  DLC_RETURN_IF_ERROR(k.optionalOperand(op.step(), "step", &step));
  DLC_RETURN_IF_ERROR(k.floating(in));
  DLC_RETURN_IF_ERROR(k.sameType(in, out));
  if (step.present()) {
    DLC_RETURN_IF_ERROR(k.rank(step, 0));
    if (step.dtype != fb::DType::I64)
      return k.fail("{} must be tensor<i64>", k.text(step));
  }
  if (!(op.rate() >= 0 && op.rate() < 1))
    return k.fail("rate {} is not in [0, 1)", op.rate());
  return okStatus();
}

/// Logits [N, K], labels [N] (integers), a scalar float result.
Status checkClassification(const CommandCheck &k, uint32_t logitsIndex, uint32_t labelsIndex,
                           uint32_t outputIndex) {
  Operand logits, labels, out;
  DLC_RETURN_IF_ERROR(k.operand(logitsIndex, "logits", false, &logits));
  DLC_RETURN_IF_ERROR(k.operand(labelsIndex, "labels", false, &labels));
  DLC_RETURN_IF_ERROR(k.operand(outputIndex, "output", true, &out));
  DLC_RETURN_IF_ERROR(k.rank(logits, 2));
  DLC_RETURN_IF_ERROR(k.floating(logits));
  DLC_RETURN_IF_ERROR(k.rank(labels, 1));
  DLC_RETURN_IF_ERROR(k.integerIndex(labels));
  DLC_RETURN_IF_ERROR(k.elements(labels, logits.dim(0)));
  DLC_RETURN_IF_ERROR(k.floating(out));
  return k.elements(out, 1);
}

Status checkMseLoss(const CommandCheck &k, const fb::MseLoss &op) {
  Operand prediction, target, out;
  DLC_RETURN_IF_ERROR(k.operand(op.prediction(), "prediction", false, &prediction));
  DLC_RETURN_IF_ERROR(k.operand(op.target(), "target", false, &target));
  DLC_RETURN_IF_ERROR(k.operand(op.output(), "output", true, &out));
  if (!validEnum(op.reduction()))
    return k.fail("unknown reduction {}", static_cast<int>(op.reduction()));
  DLC_RETURN_IF_ERROR(k.floating(prediction));
  DLC_RETURN_IF_ERROR(k.sameType(prediction, target));
  DLC_RETURN_IF_ERROR(k.floating(out));
  return k.elements(out, 1);
}

Status checkCopy(const CommandCheck &k, const fb::Copy &op) {
  Operand source, dest;
  DLC_RETURN_IF_ERROR(k.operand(op.source(), "source", false, &source));
  DLC_RETURN_IF_ERROR(k.operand(op.dest(), "dest", true, &dest));
  const int64_t sourceBytes =
      source.shape.elements() * static_cast<int64_t>(dtypeSize(source.dtype));
  const int64_t destBytes = dest.shape.elements() * static_cast<int64_t>(dtypeSize(dest.dtype));
  if (sourceBytes != destBytes)
    return k.fail("{} ({} bytes), {} ({} bytes): sizes differ", k.text(source), sourceBytes,
                  k.text(dest), destBytes);
  return okStatus();
}

Status checkLaunch(const CommandCheck &k, const fb::Executable &exe, const fb::Launch &op) {
  const size_t numKernels = exe.kernels() ? exe.kernels()->size() : 0;
  if (op.kernel() >= numKernels)
    return k.fail("kernel {} does not exist (the file has {})", op.kernel(), numKernels);
  const fb::Kernel &kernel = *exe.kernels()->Get(op.kernel());
  const size_t numInputs = op.inputs() ? op.inputs()->size() : 0;
  const size_t numOutputs = op.outputs() ? op.outputs()->size() : 0;
  const size_t numResults = kernel.results() ? kernel.results()->size() : 0;
  DLC_RETURN_IF_ERROR(k.spend(numInputs + numOutputs));
  if (numInputs != kernel.num_inputs() || numOutputs != numResults)
    return k.fail("passes {} inputs and {} outputs; kernel {} takes {} and {}", numInputs,
                  numOutputs, op.kernel(), kernel.num_inputs(), numResults);
  Shape shape;
  std::string why;
  if (!readShape(kernel.shape(), &shape, &why))
    return k.fail("kernel {}: {}", op.kernel(), why);
  for (size_t i = 0; i < numInputs; ++i) {
    Operand in;
    DLC_RETURN_IF_ERROR(k.operand(op.inputs()->Get(i), "input", false, &in));
    DLC_RETURN_IF_ERROR(k.broadcastsTo(in, shape));
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    Operand out;
    DLC_RETURN_IF_ERROR(k.operand(op.outputs()->Get(i), "output", true, &out));
    if (out.shape != shape)
      return k.fail("{}; the kernel's shape is {}", k.text(out), describe(out.dtype, shape));
  }
  return okStatus();
}

/// Every vector of 64-bit attributes of the op, for the alignment check.
std::vector<const flatbuffers::Vector<int64_t> *> attributeVectors(const fb::Command &command) {
  switch (command.op_type()) {
  case fb::Op::Conv2D: {
    const fb::Conv2D &op = *command.op_as_Conv2D();
    return {op.stride(), op.padding(), op.dilation()};
  }
  case fb::Op::Pool2D: {
    const fb::Pool2D &op = *command.op_as_Pool2D();
    return {op.kernel(), op.stride(), op.padding()};
  }
  case fb::Op::Conv2DBackwardData: {
    const fb::Conv2DBackwardData &op = *command.op_as_Conv2DBackwardData();
    return {op.stride(), op.padding(), op.dilation()};
  }
  case fb::Op::Conv2DBackwardFilter: {
    const fb::Conv2DBackwardFilter &op = *command.op_as_Conv2DBackwardFilter();
    return {op.stride(), op.padding(), op.dilation()};
  }
  case fb::Op::Pool2DBackward: {
    const fb::Pool2DBackward &op = *command.op_as_Pool2DBackward();
    return {op.kernel(), op.stride(), op.padding()};
  }
  case fb::Op::Reduce:
    return {command.op_as_Reduce()->axes()};
  case fb::Op::Transpose:
    return {command.op_as_Transpose()->perm()};
  case fb::Op::Slice:
    return {command.op_as_Slice()->starts(), command.op_as_Slice()->strides()};
  case fb::Op::Pad:
    return {command.op_as_Pad()->low()};
  default:
    return {};
  }
}

} // namespace

Status checkCommand(const FileCheck &c, uint32_t entryIndex, uint32_t commandIndex, bool cuda) {
  const fb::Executable &exe = c.exe;
  const fb::EntryPoint &entry = *exe.entry_points()->Get(entryIndex);
  const fb::Command &command =
      *(cuda ? entry.cuda_commands() : entry.commands())->Get(commandIndex);
  const std::string label =
      fmt::format("entry point '{}' {}command {}", printable(entry.name()->string_view()),
                  cuda ? "CUDA " : "", commandIndex);
  const size_t numLocations = exe.locations() ? exe.locations()->size() : 0;
  if (command.location() < -1 || command.location() >= static_cast<int64_t>(numLocations))
    return Status(DLC_INVALID_FILE,
                  fmt::format("{}: {}: location {} does not exist (the file has {})", c.file, label,
                              command.location(), numLocations));
  if (command.op_type() == fb::Op::NONE || !validEnum(command.op_type()) || !command.op())
    return Status(DLC_INVALID_FILE, fmt::format("{}: {}: unknown or missing op (type {})", c.file,
                                                label, static_cast<int>(command.op_type())));
  const CommandCheck k(c, entryIndex, fmt::format("{} ({})", label, describeCommand(exe, command)));
  for (const flatbuffers::Vector<int64_t> *values : attributeVectors(command))
    if (!alignedVector(values))
      return k.fail("an attribute vector is not 8-byte aligned");
  if (cuda)
    DLC_RETURN_IF_ERROR(checkRunsOnGpu(k, command));
  else if (command.op_type() == fb::Op::GpuLaunch)
    return k.fail("a GPU launch among the CPU commands");
  switch (command.op_type()) {
  case fb::Op::Matmul:
    return checkMatmul(k, *command.op_as_Matmul());
  case fb::Op::Conv2D:
    return checkConv2D(k, *command.op_as_Conv2D());
  case fb::Op::Pool2D:
    return checkPool2D(k, *command.op_as_Pool2D());
  case fb::Op::Reduce:
    return checkReduce(k, *command.op_as_Reduce());
  case fb::Op::Argmax:
    return checkArgmax(k, *command.op_as_Argmax());
  case fb::Op::Transpose:
    return checkTranspose(k, *command.op_as_Transpose());
  case fb::Op::Concat:
    return checkConcat(k, *command.op_as_Concat());
  case fb::Op::Slice:
    return checkSlice(k, *command.op_as_Slice());
  case fb::Op::Pad:
    return checkPad(k, *command.op_as_Pad());
  case fb::Op::Softmax:
    return checkSoftmax(k, *command.op_as_Softmax());
  case fb::Op::BatchNorm:
    return checkBatchNorm(k, *command.op_as_BatchNorm());
  case fb::Op::LayerNorm:
    return checkLayerNorm(k, *command.op_as_LayerNorm());
  case fb::Op::LayerNormBackward:
    return checkLayerNormBackward(k, *command.op_as_LayerNormBackward());
  case fb::Op::SoftmaxBackward:
    return checkSoftmaxBackward(k, *command.op_as_SoftmaxBackward());
  case fb::Op::Embedding:
    return checkEmbedding(k, *command.op_as_Embedding());
  case fb::Op::Dropout:
    return checkDropout(k, *command.op_as_Dropout());
  case fb::Op::SoftmaxCrossEntropy: {
    const fb::SoftmaxCrossEntropy &op = *command.op_as_SoftmaxCrossEntropy();
    return checkClassification(k, op.logits(), op.labels(), op.output());
  }
  case fb::Op::MseLoss:
    return checkMseLoss(k, *command.op_as_MseLoss());
  case fb::Op::Accuracy: {
    const fb::Accuracy &op = *command.op_as_Accuracy();
    return checkClassification(k, op.logits(), op.labels(), op.output());
  }
  case fb::Op::Copy:
    return checkCopy(k, *command.op_as_Copy());
  case fb::Op::Launch:
    return checkLaunch(k, exe, *command.op_as_Launch());
  case fb::Op::Conv2DBackwardData:
    return checkConv2DBackwardData(k, *command.op_as_Conv2DBackwardData());
  case fb::Op::Conv2DBackwardFilter:
    return checkConv2DBackwardFilter(k, *command.op_as_Conv2DBackwardFilter());
  case fb::Op::Pool2DBackward:
    return checkPool2DBackward(k, *command.op_as_Pool2DBackward());
  case fb::Op::BatchNormBackward:
    return checkBatchNormBackward(k, *command.op_as_BatchNormBackward());
  case fb::Op::GpuLaunch:
    return checkGpuLaunch(k, exe, *command.op_as_GpuLaunch());
  case fb::Op::NONE:
    break;
  }
  return Status(DLC_INVALID_FILE, fmt::format("{}: {}: unknown op", c.file, label));
}

} // namespace dlc::rt
