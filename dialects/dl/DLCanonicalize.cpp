// Folds and canonicalization patterns: algebraic identities and shape-op
// chains. Each rule has a case in test/dialects/dl/canonicalize.mlir.
#include "dialects/dl/DLDialect.h"
#include "dialects/dl/DLTypeUtils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace dlc::dl;

namespace {
/// The constant that leaves `x` unchanged on one side of a binary op. For
/// floats it is compared bitwise: x + (-0.0) is x for every x, but
/// x + (+0.0) is not (-0.0 + +0.0 = +0.0), and x - (+0.0) is x but
/// x - (-0.0) is not.
struct Identity {
  int64_t integer;
  double floating;
};
} // namespace

static constexpr Identity kAddIdentity = {0, -0.0};
static constexpr Identity kSubIdentity = {0, 0.0};
static constexpr Identity kOneIdentity = {1, 1.0};

/// True when `attr` is a constant tensor whose every element is `identity`.
static bool isSplatOf(Attribute attr, Identity identity) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type element = splat.getElementType();
  if (auto floating = dyn_cast<FloatType>(element)) {
    APFloat expected(identity.floating);
    bool losesInfo = false;
    expected.convert(floating.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
    return splat.getSplatValue<APFloat>().bitwiseIsEqual(expected);
  }
  if (isa<IntegerType>(element)) {
    APInt value = splat.getSplatValue<APInt>();
    return value == APInt(value.getBitWidth(), identity.integer);
  }
  return false;
}

/// `x op c` where c is the identity of op folds to x when x already has the
/// result's type (a broadcasting identity would still change the shape).
static Value keepIfSameType(Value kept, Value result) {
  return kept.getType() == result.getType() ? kept : Value();
}

/// A binary op broadcasts by itself, so an explicit broadcast_to feeding it
/// can go whenever the result type stays the same. Updates in place.
static bool absorbBroadcasts(Operation *op) {
  bool changed = false;
  auto resultShape = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  for (unsigned i = 0; i < 2; ++i) {
    auto broadcast = op->getOperand(i).getDefiningOp<BroadcastToOp>();
    if (!broadcast)
      continue;
    auto source = cast<RankedTensorType>(broadcast.getInput().getType()).getShape();
    auto other = cast<RankedTensorType>(op->getOperand(1 - i).getType()).getShape();
    auto shape = broadcastShapes(source, other);
    if (shape && llvm::equal(*shape, resultShape)) {
      op->setOperand(i, broadcast.getInput());
      changed = true;
    }
  }
  return changed;
}

template <typename BinaryOp>
static OpFoldResult foldBinary(BinaryOp op, typename BinaryOp::FoldAdaptor adaptor,
                               std::optional<Identity> rightIdentity,
                               std::optional<Identity> leftIdentity) {
  if (rightIdentity && isSplatOf(adaptor.getRhs(), *rightIdentity))
    if (Value kept = keepIfSameType(op.getLhs(), op.getResult()))
      return kept;
  if (leftIdentity && isSplatOf(adaptor.getLhs(), *leftIdentity))
    if (Value kept = keepIfSameType(op.getRhs(), op.getResult()))
      return kept;
  if (absorbBroadcasts(op))
    return op.getResult();
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor, kAddIdentity, kAddIdentity);
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor, kSubIdentity, std::nullopt);
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor, kOneIdentity, kOneIdentity);
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor, kOneIdentity, std::nullopt);
}
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor, kOneIdentity, std::nullopt);
}
OpFoldResult MaximumOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinary(*this, adaptor, std::nullopt, std::nullopt);
}
OpFoldResult MinimumOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinary(*this, adaptor, std::nullopt, std::nullopt);
}

OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  return {};
}

/// Same-type casts vanish; a float constant cast to another float type is
/// rounded at compile time (to nearest, ties to even, as at run time).
OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput());
  auto to = dyn_cast<FloatType>(getType().getElementType());
  if (!splat || !to || !isa<FloatType>(splat.getElementType()))
    return {};
  APFloat value = splat.getSplatValue<APFloat>();
  bool losesInfo = false;
  value.convert(to.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
  return DenseElementsAttr::get(getType(), value);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(cast<ShapedType>(getType()));
  return {};
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<BroadcastToOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return splat.resizeSplat(cast<ShapedType>(getType()));
  return {};
}

/// Dropout at rate 0 is the identity. (Outside training it is too, but it
/// stays until lowering: the training step is built from the same function
/// after canonicalization and needs to see it.)
OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (getRate().isZero())
    return getInput();
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return splat.resizeSplat(cast<ShapedType>(getType()));
  for (auto [index, axis] : llvm::enumerate(getPerm()))
    if (axis != static_cast<int64_t>(index))
      return {};
  return getInput();
}

namespace {
/// transpose(transpose(x, p1), p2) -> transpose(x, p1 o p2); the identity
/// permutation then folds away.
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t axis : op.getPerm())
      perm.push_back(inner.getPerm()[axis]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, inner.getInput(), perm);
    return success();
  }
};

/// A transpose that keeps the dims of size > 1 in their order only moves
/// unit dims, which changes no element's position: a reshape.
struct TransposeOfUnitDimsToReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || !type.hasStaticShape())
      return failure();
    int64_t previous = -1;
    for (int64_t axis : op.getPerm()) {
      if (type.getDimSize(axis) == 1)
        continue;
      if (axis < previous)
        return failure();
      previous = axis;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<ComposeTransposes, TransposeOfUnitDimsToReshape>(context);
}
