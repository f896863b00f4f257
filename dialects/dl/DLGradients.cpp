// Gradient rules: DifferentiableOpInterface for each differentiable dl op.
//
// Each rule builds dl ops that compute the operands' gradients from the
// results' gradients (`g` below; `z` is the op's result). Broadcasting in the
// forward op is undone by summing over the broadcast dims (unbroadcast).
#include "dialects/dl/DLDialect.h"

#include "mlir/IR/Builders.h"

#include <numeric>

#include "dialects/dl/DLInterfaces.cpp.inc"

using namespace mlir;
using namespace dlc::dl;

namespace {

RankedTensorType tensorType(Value value) { return cast<RankedTensorType>(value.getType()); }

bool isFloatTensor(Value value) { return isa<FloatType>(tensorType(value).getElementType()); }

/// Small builders for the ops the rules use, all at one location.
class Grad {
public:
  Grad(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// A rank-0 constant of `like`'s element type.
  Value scalar(Value like, double value) {
    Type element = tensorType(like).getElementType();
    auto type = RankedTensorType::get({}, element);
    Attribute attr = isa<FloatType>(element) ? Attribute(b.getFloatAttr(element, value))
                                             : Attribute(b.getIntegerAttr(element, int64_t(value)));
    return ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, attr));
  }

  Value add(Value x, Value y) { return AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return SubOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return MulOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return DivOp::create(b, loc, x, y); }
  Value neg(Value x) { return NegOp::create(b, loc, x.getType(), x); }
  Value exp(Value x) { return ExpOp::create(b, loc, x.getType(), x); }
  Value log(Value x) { return LogOp::create(b, loc, x.getType(), x); }
  Value pow(Value x, Value y) { return PowOp::create(b, loc, x, y); }
  Value compare(CompareDirection direction, Value x, Value y) {
    return CompareOp::create(b, loc, CompareDirectionAttr::get(b.getContext(), direction), x, y);
  }
  Value select(Value condition, Value onTrue, Value onFalse) {
    return SelectOp::create(b, loc, condition, onTrue, onFalse);
  }
  /// `x` converted to `element`, same shape.
  Value cast(Value x, Type element) {
    return CastOp::create(b, loc, tensorType(x).clone(element), x);
  }
  Value reshape(Value x, Type type) {
    return x.getType() == type ? x : ReshapeOp::create(b, loc, type, x).getResult();
  }
  Value broadcastTo(Value x, Type type) {
    return x.getType() == type ? x : BroadcastToOp::create(b, loc, type, x).getResult();
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    return TransposeOp::create(b, loc, x, b.getDenseI64ArrayAttr(perm));
  }
  /// Sum over `axes`, keeping them as size-1 dims when `keepdims`.
  Value sum(Value x, ArrayRef<int64_t> axes, bool keepdims) {
    if (axes.empty())
      return x;
    SmallVector<int64_t> shape;
    RankedTensorType type = tensorType(x);
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (!llvm::is_contained(axes, i))
        shape.push_back(type.getDimSize(i));
      else if (keepdims)
        shape.push_back(1);
    }
    return ReduceSumOp::create(b, loc, type.clone(shape), x, b.getDenseI64ArrayAttr(axes),
                               keepdims ? b.getUnitAttr() : UnitAttr());
  }
  Value matmul(Value x, Value y, bool transposeX, bool transposeY) {
    return MatmulOp::create(b, loc, x, y, transposeX ? b.getUnitAttr() : UnitAttr(),
                            transposeY ? b.getUnitAttr() : UnitAttr());
  }

  /// The gradient of an operand of type `target` that the forward op
  /// broadcast to `grad`'s shape: summed over the dims broadcasting added
  /// (leading) or stretched (size 1 in `target`).
  Value unbroadcast(Value grad, Type target) {
    auto to = llvm::cast<RankedTensorType>(target);
    RankedTensorType from = tensorType(grad);
    if (from.getShape() == to.getShape())
      return grad;
    int64_t lead = from.getRank() - to.getRank();
    SmallVector<int64_t> axes;
    for (int64_t i = 0; i < from.getRank(); ++i)
      if (i < lead || (to.getDimSize(i - lead) == 1 && from.getDimSize(i) != 1))
        axes.push_back(i);
    return reshape(sum(grad, axes, /*keepdims=*/false), to);
  }

  /// `x` with the reduced `axes` of a reduction back as size-1 dims, so it
  /// broadcasts against the reduction's input.
  Value keepDims(Value x, RankedTensorType input, ArrayRef<int64_t> axes) {
    SmallVector<int64_t> shape(input.getShape());
    for (int64_t axis : axes)
      shape[axis] = 1;
    return reshape(x, tensorType(x).clone(shape));
  }

private:
  OpBuilder &b;
  Location loc;
};

/// Sets `grads` to one null value per operand of `op`.
void clearGrads(Operation *op, SmallVectorImpl<Value> &grads) {
  grads.assign(op->getNumOperands(), Value());
}

} // namespace

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

LogicalResult NegOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                    SmallVectorImpl<Value> &grads) {
  grads.assign({Grad(b, getLoc()).neg(resultGrads[0])});
  return success();
}

/// sign(x) * g, with sign(0) = 0.
LogicalResult AbsOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                    SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value g = resultGrads[0], x = getInput(), zero = d.scalar(x, 0);
  Value negative = d.select(d.compare(CompareDirection::lt, x, zero), d.neg(g), zero);
  grads.assign({d.select(d.compare(CompareDirection::gt, x, zero), g, negative)});
  return success();
}

LogicalResult ExpOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                    SmallVectorImpl<Value> &grads) {
  grads.assign({Grad(b, getLoc()).mul(resultGrads[0], getResult())});
  return success();
}

LogicalResult LogOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                    SmallVectorImpl<Value> &grads) {
  grads.assign({Grad(b, getLoc()).div(resultGrads[0], getInput())});
  return success();
}

/// g / (2 z)
LogicalResult SqrtOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                     SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  grads.assign({d.div(d.mul(resultGrads[0], d.scalar(getResult(), 0.5)), getResult())});
  return success();
}

/// z = x^(-1/2): dz/dx = -z / (2 x)
LogicalResult RsqrtOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                      SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value slope = d.mul(d.scalar(getResult(), -0.5), d.div(getResult(), getInput()));
  grads.assign({d.mul(resultGrads[0], slope)});
  return success();
}

/// g cos(x)
LogicalResult SinOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                    SmallVectorImpl<Value> &grads) {
  Value cosine = CosOp::create(b, getLoc(), getInput().getType(), getInput());
  grads.assign({Grad(b, getLoc()).mul(resultGrads[0], cosine)});
  return success();
}

/// -g sin(x)
LogicalResult CosOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                    SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value sine = SinOp::create(b, getLoc(), getInput().getType(), getInput());
  grads.assign({d.neg(d.mul(resultGrads[0], sine))});
  return success();
}

/// g (1 - z^2)
LogicalResult TanhOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                     SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value z = getResult();
  grads.assign({d.mul(resultGrads[0], d.sub(d.scalar(z, 1), d.mul(z, z)))});
  return success();
}

/// g z (1 - z)
LogicalResult SigmoidOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                        SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value z = getResult();
  grads.assign({d.mul(resultGrads[0], d.mul(z, d.sub(d.scalar(z, 1), z)))});
  return success();
}

/// g where x > 0, else 0 (0 at x = 0, as PyTorch and JAX). The mask reads
/// the result (relu(x) > 0 exactly where x > 0), so the input is needed by
/// nothing but the ReLU: a conv2d or matmul can then apply the ReLU as it
/// writes, and a max pool's gradient can apply the mask as it scatters.
LogicalResult ReluOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                     SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value zero = d.scalar(getResult(), 0);
  grads.assign(
      {d.select(d.compare(CompareDirection::gt, getResult(), zero), resultGrads[0], zero)});
  return success();
}

//===----------------------------------------------------------------------===//
// Binary (broadcasting)
//===----------------------------------------------------------------------===//

namespace {
/// Unbroadcasts the full-shape operand gradients `dx`, `dy` (built only
/// where wanted) to the operands' types.
template <typename BinaryOp>
LogicalResult binaryGradients(BinaryOp op, OpBuilder &b, ArrayRef<bool> wanted,
                              SmallVectorImpl<Value> &grads, function_ref<Value(Grad &)> dx,
                              function_ref<Value(Grad &)> dy) {
  Grad d(b, op.getLoc());
  clearGrads(op, grads);
  if (wanted[0])
    grads[0] = d.unbroadcast(dx(d), op.getLhs().getType());
  if (wanted[1])
    grads[1] = d.unbroadcast(dy(d), op.getRhs().getType());
  return success();
}
} // namespace

LogicalResult AddOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                    SmallVectorImpl<Value> &grads) {
  Value g = resultGrads[0];
  return binaryGradients(
      *this, b, wanted, grads, [&](Grad &) { return g; }, [&](Grad &) { return g; });
}

LogicalResult SubOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                    SmallVectorImpl<Value> &grads) {
  Value g = resultGrads[0];
  return binaryGradients(
      *this, b, wanted, grads, [&](Grad &) { return g; }, [&](Grad &d) { return d.neg(g); });
}

LogicalResult MulOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                    SmallVectorImpl<Value> &grads) {
  Value g = resultGrads[0];
  return binaryGradients(
      *this, b, wanted, grads, [&](Grad &d) { return d.mul(g, getRhs()); },
      [&](Grad &d) { return d.mul(g, getLhs()); });
}

/// z = x / y: dx = g / y, dy = -g z / y
LogicalResult DivOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                    SmallVectorImpl<Value> &grads) {
  Value g = resultGrads[0];
  return binaryGradients(
      *this, b, wanted, grads, [&](Grad &d) { return d.div(g, getRhs()); },
      [&](Grad &d) { return d.neg(d.div(d.mul(g, getResult()), getRhs())); });
}

/// z = x^y: dx = g y x^(y-1), dy = g z ln(x)
LogicalResult PowOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                    SmallVectorImpl<Value> &grads) {
  Value g = resultGrads[0], x = getLhs(), y = getRhs();
  return binaryGradients(
      *this, b, wanted, grads,
      [&](Grad &d) { return d.mul(g, d.mul(y, d.pow(x, d.sub(y, d.scalar(y, 1))))); },
      [&](Grad &d) { return d.mul(g, d.mul(getResult(), d.log(x))); });
}

namespace {
/// maximum/minimum: the gradient goes to the operand that won, split evenly
/// on a tie (as PyTorch and JAX do). `wins` is gt for maximum, lt for minimum.
template <typename MinMaxOp>
LogicalResult minMaxGradients(MinMaxOp op, CompareDirection wins, OpBuilder &b, Value g,
                              ArrayRef<bool> wanted, SmallVectorImpl<Value> &grads) {
  Grad d(b, op.getLoc());
  Value x = op.getLhs(), y = op.getRhs();
  Type element = tensorType(g).getElementType();
  Value share =
      d.add(d.cast(d.compare(wins, x, y), element),
            d.mul(d.cast(d.compare(CompareDirection::eq, x, y), element), d.scalar(g, 0.5)));
  return binaryGradients(
      op, b, wanted, grads, [&](Grad &d) { return d.mul(g, share); },
      [&](Grad &d) { return d.mul(g, d.sub(d.scalar(g, 1), share)); });
}
} // namespace

LogicalResult MaximumOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                        SmallVectorImpl<Value> &grads) {
  return minMaxGradients(*this, CompareDirection::gt, b, resultGrads[0], wanted, grads);
}

LogicalResult MinimumOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                        SmallVectorImpl<Value> &grads) {
  return minMaxGradients(*this, CompareDirection::lt, b, resultGrads[0], wanted, grads);
}

/// The chosen operand gets g, the other 0; the condition has no gradient.
LogicalResult SelectOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                       SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value g = resultGrads[0], zero = d.scalar(g, 0);
  clearGrads(*this, grads);
  if (wanted[1])
    grads[1] = d.unbroadcast(d.select(getCondition(), g, zero), getOnTrue().getType());
  if (wanted[2])
    grads[2] = d.unbroadcast(d.select(getCondition(), zero, g), getOnFalse().getType());
  return success();
}

/// Between float types the gradient converts back; any other cast has none
/// (an integer or boolean never needs a gradient).
LogicalResult CastOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                     SmallVectorImpl<Value> &grads) {
  clearGrads(*this, grads);
  if (isFloatTensor(getInput()) && isFloatTensor(getResult()))
    grads[0] = Grad(b, getLoc()).cast(resultGrads[0], tensorType(getInput()).getElementType());
  return success();
}

//===----------------------------------------------------------------------===//
// Shape ops and reductions
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                        SmallVectorImpl<Value> &grads) {
  grads.assign({Grad(b, getLoc()).reshape(resultGrads[0], getInput().getType())});
  return success();
}

LogicalResult TransposeOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                          SmallVectorImpl<Value> &grads) {
  SmallVector<int64_t> inverse(getPerm().size());
  for (auto [i, axis] : llvm::enumerate(getPerm()))
    inverse[axis] = static_cast<int64_t>(i);
  grads.assign({Grad(b, getLoc()).transpose(resultGrads[0], inverse)});
  return success();
}

LogicalResult BroadcastToOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                            SmallVectorImpl<Value> &grads) {
  grads.assign({Grad(b, getLoc()).unbroadcast(resultGrads[0], getInput().getType())});
  return success();
}

/// Each operand's gradient is its slice of g along the axis.
LogicalResult ConcatOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                       SmallVectorImpl<Value> &grads) {
  clearGrads(*this, grads);
  RankedTensorType full = tensorType(getResult());
  int64_t axis = static_cast<int64_t>(getAxis()), offset = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    RankedTensorType type = tensorType(input);
    if (wanted[i]) {
      SmallVector<int64_t> starts(full.getRank(), 0), limits(full.getShape());
      starts[axis] = offset;
      limits[axis] = offset + type.getDimSize(axis);
      grads[i] = SliceOp::create(b, getLoc(), type, resultGrads[0], b.getDenseI64ArrayAttr(starts),
                                 b.getDenseI64ArrayAttr(limits), DenseI64ArrayAttr());
    }
    offset += type.getDimSize(axis);
  }
  return success();
}

/// g padded back with zeros to the input's shape (unit strides only).
LogicalResult SliceOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                      SmallVectorImpl<Value> &grads) {
  if (auto strides = getStrides())
    if (llvm::any_of(*strides, [](int64_t s) { return s != 1; }))
      return emitOpError() << "has no gradient rule for strides other than 1 yet";
  RankedTensorType input = tensorType(getInput());
  SmallVector<int64_t> high;
  for (auto [dim, limit] : llvm::zip(input.getShape(), getLimits()))
    high.push_back(dim - limit);
  grads.assign({PadOp::create(b, getLoc(), input, resultGrads[0], getStartsAttr(),
                              b.getDenseI64ArrayAttr(high), FloatAttr())});
  return success();
}

/// The part of g that is not padding.
LogicalResult PadOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                    SmallVectorImpl<Value> &grads) {
  RankedTensorType input = tensorType(getInput());
  SmallVector<int64_t> limits;
  for (auto [low, dim] : llvm::zip(getLow(), input.getShape()))
    limits.push_back(low + dim);
  grads.assign({SliceOp::create(b, getLoc(), input, resultGrads[0], getLowAttr(),
                                b.getDenseI64ArrayAttr(limits), DenseI64ArrayAttr())});
  return success();
}

namespace {
/// g (dims restored) broadcast back over the reduced axes, times `scale`.
template <typename ReduceOp> Value spreadBack(ReduceOp op, Grad &d, Value g) {
  RankedTensorType input = tensorType(op.getInput());
  return d.broadcastTo(d.keepDims(g, input, op.getAxes()), input);
}
} // namespace

LogicalResult ReduceSumOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                          SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  grads.assign({spreadBack(*this, d, resultGrads[0])});
  return success();
}

LogicalResult ReduceMeanOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                           SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  RankedTensorType input = tensorType(getInput());
  int64_t count = 1;
  for (int64_t axis : getAxes())
    count *= input.getDimSize(axis);
  Value g = d.mul(resultGrads[0], d.scalar(resultGrads[0], 1.0 / double(count)));
  grads.assign({spreadBack(*this, d, g)});
  return success();
}

/// The gradient goes to the maxima, split evenly among ties (as JAX and
/// PyTorch's amax do).
LogicalResult ReduceMaxOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                          SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  RankedTensorType input = tensorType(getInput());
  Value isMax =
      d.compare(CompareDirection::eq, getInput(), d.keepDims(getResult(), input, getAxes()));
  Value count = d.sum(d.cast(isMax, input.getElementType()), getAxes(), /*keepdims=*/true);
  Value share = d.div(d.keepDims(resultGrads[0], input, getAxes()), count);
  grads.assign({d.select(isMax, share, d.scalar(share, 0))});
  return success();
}

//===----------------------------------------------------------------------===//
// Neural-network ops and losses
//===----------------------------------------------------------------------===//

/// For z = op(a) op(b): d op(a) = g op(b)^T and d op(b) = op(a)^T g, written
/// with the transpose flags so no transpose is materialized; batch dims that
/// broadcast are summed back.
LogicalResult MatmulOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                       SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value g = resultGrads[0], x = getLhs(), y = getRhs();
  bool ta = getTransposeA(), tb = getTransposeB();
  clearGrads(*this, grads);
  if (wanted[0])
    grads[0] =
        d.unbroadcast(ta ? d.matmul(y, g, tb, true) : d.matmul(g, y, false, !tb), x.getType());
  if (wanted[1])
    grads[1] =
        d.unbroadcast(tb ? d.matmul(g, x, true, ta) : d.matmul(x, g, !ta, false), y.getType());
  return success();
}

/// Training form: the same mask (same seed, step and element order) applied
/// to g; without `training` the op is the identity.
LogicalResult DropoutOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                        SmallVectorImpl<Value> &grads) {
  clearGrads(*this, grads);
  grads[0] = resultGrads[0];
  if (getTraining())
    grads[0] = DropoutOp::create(b, getLoc(), resultGrads[0].getType(), resultGrads[0], getStep(),
                                 getRateAttr(), getSeedAttr(), getTrainingAttr());
  return success();
}

/// z = softmax(x): dx = z (g - sum(g z)), one dl.softmax_backward.
LogicalResult SoftmaxOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                        SmallVectorImpl<Value> &grads) {
  grads.assign({SoftmaxBackwardOp::create(b, getLoc(), getResult(), resultGrads[0], getAxisAttr(),
                                          UnitAttr())
                    .getResult()});
  return success();
}

/// z = log_softmax(x): dx = g - exp(z) sum(g), one dl.softmax_backward log.
LogicalResult LogSoftmaxOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                           SmallVectorImpl<Value> &grads) {
  grads.assign({SoftmaxBackwardOp::create(b, getLoc(), getResult(), resultGrads[0], getAxisAttr(),
                                          b.getUnitAttr())
                    .getResult()});
  return success();
}

/// dlogits = (softmax(logits) - onehot(labels)) g / N. The one-hot matrix
/// compares the labels with the class indices 0..K-1; labels get none.
LogicalResult SoftmaxCrossEntropyOp::buildGradients(OpBuilder &b, ValueRange resultGrads,
                                                    ArrayRef<bool>, SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  RankedTensorType logits = tensorType(getLogits()), labels = tensorType(getLabels());
  int64_t batch = logits.getDimSize(0), classes = logits.getDimSize(1);
  auto classType = RankedTensorType::get({classes}, labels.getElementType());
  SmallVector<APInt> indices;
  unsigned width = labels.getElementType().getIntOrFloatBitWidth();
  for (int64_t k = 0; k < classes; ++k)
    indices.push_back(APInt(width, k));
  Value classIds =
      ConstantOp::create(b, getLoc(), classType, DenseElementsAttr::get(classType, indices));
  Value column = d.reshape(getLabels(), labels.clone({batch, 1}));
  Value oneHot = d.cast(d.compare(CompareDirection::eq, column, classIds), logits.getElementType());
  Value softmax = SoftmaxOp::create(b, getLoc(), logits, getLogits(), IntegerAttr());
  Value scale = d.mul(resultGrads[0], d.scalar(resultGrads[0], 1.0 / double(batch)));
  grads.assign({d.mul(d.sub(softmax, oneHot), scale), Value()});
  return success();
}

/// d prediction = 2 (prediction - target) g / n, with n the divisor of the
/// reduction; d target is its negation.
LogicalResult MseLossOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                        SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  RankedTensorType type = tensorType(getPrediction());
  double divisor = 1;
  if (getReduction() == LossReduction::mean)
    divisor = static_cast<double>(type.getNumElements());
  else if (getReduction() == LossReduction::batch_mean)
    divisor = static_cast<double>(type.getDimSize(0));
  Value scale = d.mul(resultGrads[0], d.scalar(resultGrads[0], 2.0 / divisor));
  Value dp = d.mul(d.sub(getPrediction(), getTarget()), scale);
  clearGrads(*this, grads);
  if (wanted[0])
    grads[0] = dp;
  if (wanted[1])
    grads[1] = d.neg(dp);
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// dx by the transposed convolution, dw by correlating x with g, the bias's
/// gradient by summing g over all but the channel dim.
LogicalResult Conv2DOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool> wanted,
                                       SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value g = resultGrads[0];
  clearGrads(*this, grads);
  if (wanted[0])
    grads[0] = Conv2DBackwardDataOp::create(b, getLoc(), getInput().getType(), g, getFilter(),
                                            getStrideAttr(), getPaddingAttr(), getDilationAttr(),
                                            getGroupsAttr(), getLayoutAttr());
  if (wanted[1])
    grads[1] = Conv2DBackwardFilterOp::create(b, getLoc(), getFilter().getType(), getInput(), g,
                                              getStrideAttr(), getPaddingAttr(), getDilationAttr(),
                                              getGroupsAttr(), getLayoutAttr());
  if (getBias() && wanted[2]) {
    SmallVector<int64_t> axes =
        getLayout() == Layout::nhwc ? SmallVector<int64_t>{0, 1, 2} : SmallVector<int64_t>{0, 2, 3};
    grads[2] = d.sum(g, axes, /*keepdims=*/false);
  }
  return success();
}

LogicalResult MaxPool2DOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                          SmallVectorImpl<Value> &grads) {
  grads.assign({Pool2DBackwardOp::create(b, getLoc(), getInput().getType(),
                                         PoolKindAttr::get(b.getContext(), PoolKind::max),
                                         getInput(), resultGrads[0], getKernelAttr(),
                                         getStrideAttr(), getPaddingAttr(), getLayoutAttr())
                    .getResult()});
  return success();
}

LogicalResult AvgPool2DOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                          SmallVectorImpl<Value> &grads) {
  PoolKind kind = getCountIncludePad() ? PoolKind::average_include_pad : PoolKind::average;
  grads.assign(
      {Pool2DBackwardOp::create(b, getLoc(), getInput().getType(),
                                PoolKindAttr::get(b.getContext(), kind), getInput(), resultGrads[0],
                                getKernelAttr(), getStrideAttr(), getPaddingAttr(), getLayoutAttr())
           .getResult()});
  return success();
}

//===----------------------------------------------------------------------===//
// Batch normalization
//===----------------------------------------------------------------------===//

/// With x_hat = (x - mean) * rstd over the M = N*H*W values of a channel:
/// d offset = sum(g), d scale = sum(g * x_hat), and
/// dx = scale * rstd * (g - d offset / M - x_hat * d scale / M) in the
/// training form (batch statistics, recomputed here), or
/// dx = scale * rstd * g in the inference form (running statistics, read).
LogicalResult BatchNormOp::buildGradients(OpBuilder &b, ValueRange resultGrads,
                                          ArrayRef<bool> wanted, SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value g = resultGrads[0], x = getInput();
  clearGrads(*this, grads);
  if (getTraining()) {
    // One library call: the batch statistics, the three sums and dx.
    auto backward = BatchNormBackwardOp::create(b, getLoc(), x.getType(), getScale().getType(),
                                                getScale().getType(), x, g, getScale(),
                                                getEpsilonAttr(), getLayoutAttr());
    if (wanted[0])
      grads[0] = backward.getInputGrad();
    if (wanted[1])
      grads[1] = backward.getScaleGrad();
    if (wanted[2])
      grads[2] = backward.getOffsetGrad();
    return success();
  }
  // Inference form: the running statistics are constants, the op an affine
  // map per channel.
  RankedTensorType type = tensorType(x);
  const int64_t channel = getLayout() == Layout::nhwc ? type.getRank() - 1 : 1;
  SmallVector<int64_t> axes, channelShape(type.getRank(), 1);
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (i != channel)
      axes.push_back(i);
  channelShape[channel] = type.getDimSize(channel);
  auto perChannel = [&](Value v) { return d.reshape(v, type.clone(channelShape)); };
  RankedTensorType stat = tensorType(getScale());
  Value mean = perChannel(ParamGetOp::create(b, getLoc(), stat, getRunningMeanAttr()));
  Value variance = perChannel(ParamGetOp::create(b, getLoc(), stat, getRunningVarAttr()));
  Value rstd = RsqrtOp::create(b, getLoc(), variance.getType(),
                               d.add(variance, d.scalar(variance, getEpsilon().convertToDouble())));
  Value normalized = d.mul(d.sub(x, mean), rstd);
  Value gradOffset = d.sum(g, axes, /*keepdims=*/true);
  Value gradScale = d.sum(d.mul(g, normalized), axes, /*keepdims=*/true);
  if (wanted[0])
    grads[0] = d.mul(d.mul(perChannel(getScale()), rstd), g);
  if (wanted[1])
    grads[1] = d.reshape(gradScale, getScale().getType());
  if (wanted[2])
    grads[2] = d.reshape(gradOffset, getOffset().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// GELU, layer normalization, embedding
//===----------------------------------------------------------------------===//

/// One dl.gelu_backward: grad * gelu'(x), in the same form (exact or tanh).
LogicalResult GeluOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                     SmallVectorImpl<Value> &grads) {
  grads.assign(
      {GeluBackwardOp::create(b, getLoc(), getInput(), resultGrads[0], getApproximateAttr())
           .getResult()});
  return success();
}

/// With x_hat = (x - mean) * rstd over the K normalized elements and
/// h = g * scale: dx = rstd * (h - mean(h) - x_hat * mean(h * x_hat)) and
/// x_hat from one dl.layer_norm_backward; d scale = sum over the leading
/// dims of g * x_hat, d offset of g.
LogicalResult LayerNormOp::buildGradients(OpBuilder &b, ValueRange resultGrads,
                                          ArrayRef<bool> wanted, SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  Value x = getInput(), g = resultGrads[0];
  RankedTensorType type = tensorType(x);
  SmallVector<int64_t> leading;
  for (int64_t i = 0; i < getAxisOrDefault(); ++i)
    leading.push_back(i);
  // One op for the input's gradient and the normalized input (see
  // LayerNormBackwardOp); the scale's and offset's are sums over the rows.
  auto backward = LayerNormBackwardOp::create(b, getLoc(), type, type, x, g, getScale(),
                                              getAxisAttr(), getEpsilonAttr());
  Value normalizedX = backward.getNormalized();
  clearGrads(*this, grads);
  if (wanted[0])
    grads[0] = backward.getInputGrad();
  if (wanted[1])
    grads[1] = d.sum(d.mul(g, normalizedX), leading, /*keepdims=*/false);
  if (wanted[2])
    grads[2] = d.sum(g, leading, /*keepdims=*/false);
  return success();
}

/// d table = onehot(indices)^T g: each row of g added to its index's row.
/// The one-hot matrix is N x V for N lookups (the indices get none).
LogicalResult EmbeddingOp::buildGradients(OpBuilder &b, ValueRange resultGrads, ArrayRef<bool>,
                                          SmallVectorImpl<Value> &grads) {
  Grad d(b, getLoc());
  RankedTensorType table = tensorType(getTable()), indices = tensorType(getIndices());
  int64_t rows = table.getDimSize(0), width = table.getDimSize(1);
  int64_t lookups = indices.getNumElements();
  auto idsType = RankedTensorType::get({rows}, indices.getElementType());
  SmallVector<APInt> ids;
  unsigned bits = indices.getElementType().getIntOrFloatBitWidth();
  for (int64_t v = 0; v < rows; ++v)
    ids.push_back(APInt(bits, v));
  Value rowIds = ConstantOp::create(b, getLoc(), idsType, DenseElementsAttr::get(idsType, ids));
  Value column = d.reshape(getIndices(), indices.clone({lookups, 1}));
  Value oneHot = d.cast(d.compare(CompareDirection::eq, column, rowIds), table.getElementType());
  Value flat = d.reshape(resultGrads[0], table.clone({lookups, width}));
  grads.assign({d.matmul(oneHot, flat, /*transposeX=*/true, /*transposeY=*/false), Value()});
  return success();
}
