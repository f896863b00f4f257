// dl-channels-last: convolutions and the pooling and elementwise ops around
// them in NHWC, the layout the CPU and GPU convolution libraries run fastest
// in, with transposes only where the model's NCHW values are observed.
#include "passes/Passes.h"

#include "dialects/dl/DLDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCHANNELSLAST
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
namespace dl = dlc::dl;

namespace {

constexpr int64_t kToNhwc[] = {0, 2, 3, 1};
constexpr int64_t kToNchw[] = {0, 3, 1, 2};

RankedTensorType permuted(RankedTensorType type, ArrayRef<int64_t> perm) {
  SmallVector<int64_t, 4> shape;
  for (int64_t axis : perm)
    shape.push_back(type.getDimSize(axis));
  return RankedTensorType::get(shape, type.getElementType());
}

Value transpose(PatternRewriter &rewriter, Location loc, Value value, ArrayRef<int64_t> perm) {
  return dl::TransposeOp::create(rewriter, loc, value, rewriter.getDenseI64ArrayAttr(perm));
}

/// The NHWC value an NCHW `value` was transposed from, if it was.
Value nhwcSource(Value value) {
  auto t = value.getDefiningOp<dl::TransposeOp>();
  return t && t.getPerm() == ArrayRef<int64_t>(kToNchw) ? t.getInput() : Value();
}

bool isLayoutFreeElementwise(Operation *op) {
  return isa<dl::NegOp, dl::AbsOp, dl::ExpOp, dl::LogOp, dl::SqrtOp, dl::RsqrtOp, dl::TanhOp,
             dl::SinOp, dl::CosOp, dl::SigmoidOp, dl::ReluOp, dl::GeluOp, dl::GeluBackwardOp,
             dl::CastOp, dl::AddOp, dl::SubOp, dl::MulOp, dl::DivOp, dl::PowOp, dl::MaximumOp,
             dl::MinimumOp, dl::CompareOp, dl::SelectOp>(op);
}

/// Ops the patterns below move to NHWC when their NCHW operands come from
/// NHWC values.
bool worksInNhwc(Operation *op) {
  return isLayoutFreeElementwise(op) ||
         isa<dl::Conv2DOp, dl::MaxPool2DOp, dl::AvgPool2DOp, dl::Conv2DBackwardDataOp,
             dl::Conv2DBackwardFilterOp, dl::Pool2DBackwardOp, dl::ReduceSumOp, dl::BatchNormOp,
             dl::BatchNormBackwardOp>(op);
}

/// conv2d(x) -> to_nchw(conv2d_nhwc(to_nhwc(x))). The transposes cancel
/// against their neighbours' (canonicalization composes them away); a
/// transpose that only moves a unit channel dim becomes a reshape.
struct ConvToNhwc : OpRewritePattern<dl::Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::Conv2DOp op, PatternRewriter &rewriter) const override {
    if (op.getLayout() != dl::Layout::nchw)
      return failure();
    Location loc = op.getLoc();
    Value input = transpose(rewriter, loc, op.getInput(), kToNhwc);
    auto type = permuted(op.getType(), kToNhwc);
    auto conv = dl::Conv2DOp::create(rewriter, loc, type, input, op.getFilter(), op.getBias(),
                                     op.getStrideAttr(), op.getPaddingAttr(), op.getDilationAttr(),
                                     op.getGroupsAttr(),
                                     dl::LayoutAttr::get(getContext(), dl::Layout::nhwc));
    rewriter.replaceOp(op, transpose(rewriter, loc, conv, kToNchw));
    return success();
  }
};

/// op(to_nchw(x)) -> to_nchw(op_nhwc(x)) for a pool or a batch norm (one
/// input that has a layout, the result shaped like it).
template <typename PoolOp> struct PoolToNhwc : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    Value source = nhwcSource(op.getInput());
    if (op.getLayout() != dl::Layout::nchw || !source)
      return failure();
    auto pool = cast<PoolOp>(rewriter.clone(*op));
    pool.getInputMutable().assign(source);
    pool.setLayout(dl::Layout::nhwc);
    pool.getResult().setType(permuted(op.getType(), kToNhwc));
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), pool, kToNchw));
    return success();
  }
};

/// The gradients of an NCHW convolution or pooling, like the forward op:
/// NHWC between transposes that cancel against their neighbours'.
struct ConvBackwardDataToNhwc : OpRewritePattern<dl::Conv2DBackwardDataOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::Conv2DBackwardDataOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getLayout() != dl::Layout::nchw)
      return failure();
    Location loc = op.getLoc();
    auto nhwc = dl::Conv2DBackwardDataOp::create(
        rewriter, loc, permuted(op.getType(), kToNhwc),
        transpose(rewriter, loc, op.getGrad(), kToNhwc), op.getFilter(), op.getStrideAttr(),
        op.getPaddingAttr(), op.getDilationAttr(), op.getGroupsAttr(),
        dl::LayoutAttr::get(getContext(), dl::Layout::nhwc));
    rewriter.replaceOp(op, transpose(rewriter, loc, nhwc, kToNchw));
    return success();
  }
};

struct ConvBackwardFilterToNhwc : OpRewritePattern<dl::Conv2DBackwardFilterOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::Conv2DBackwardFilterOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getLayout() != dl::Layout::nchw)
      return failure();
    Location loc = op.getLoc();
    rewriter.replaceOpWithNewOp<dl::Conv2DBackwardFilterOp>(
        op, op.getType(), transpose(rewriter, loc, op.getInput(), kToNhwc),
        transpose(rewriter, loc, op.getGrad(), kToNhwc), op.getStrideAttr(), op.getPaddingAttr(),
        op.getDilationAttr(), op.getGroupsAttr(),
        dl::LayoutAttr::get(getContext(), dl::Layout::nhwc));
    return success();
  }
};

/// Only when the forward input already comes from NHWC (as PoolToNhwc).
struct PoolBackwardToNhwc : OpRewritePattern<dl::Pool2DBackwardOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::Pool2DBackwardOp op, PatternRewriter &rewriter) const override {
    Value source = nhwcSource(op.getInput());
    if (op.getLayout() != dl::Layout::nchw || !source)
      return failure();
    Location loc = op.getLoc();
    auto nhwc = dl::Pool2DBackwardOp::create(
        rewriter, loc, source.getType(), op.getKindAttr(), source,
        transpose(rewriter, loc, op.getGrad(), kToNhwc), op.getKernelAttr(), op.getStrideAttr(),
        op.getPaddingAttr(), dl::LayoutAttr::get(getContext(), dl::Layout::nhwc));
    rewriter.replaceOp(op, transpose(rewriter, loc, nhwc, kToNchw));
    return success();
  }
};

/// Its gradient, when the forward input comes from NHWC: dx through a
/// transpose, the per-channel gradients as they are.
struct BatchNormBackwardToNhwc : OpRewritePattern<dl::BatchNormBackwardOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::BatchNormBackwardOp op,
                                PatternRewriter &rewriter) const override {
    Value source = nhwcSource(op.getInput());
    if (op.getLayout() != dl::Layout::nchw || !source)
      return failure();
    Location loc = op.getLoc();
    auto nhwc = dl::BatchNormBackwardOp::create(
        rewriter, loc, source.getType(), op.getScaleGrad().getType(), op.getOffsetGrad().getType(),
        source, transpose(rewriter, loc, op.getGrad(), kToNhwc), op.getScale(), op.getEpsilonAttr(),
        dl::LayoutAttr::get(getContext(), dl::Layout::nhwc));
    rewriter.replaceOp(op, {transpose(rewriter, loc, nhwc.getInputGrad(), kToNchw),
                            nhwc.getScaleGrad(), nhwc.getOffsetGrad()});
    return success();
  }
};

/// reduce_sum(to_nchw(x), axes) -> reduce_sum(x, the same dims of x) when
/// the kept dims stay in order (a conv bias's gradient sums N, H, W).
struct ReduceSumOfNhwc : OpRewritePattern<dl::ReduceSumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::ReduceSumOp op, PatternRewriter &rewriter) const override {
    Value source = nhwcSource(op.getInput());
    if (!source || op.getKeepdims())
      return failure();
    SmallVector<int64_t> axes, kept;
    for (int64_t axis = 0; axis < 4; ++axis)
      (llvm::is_contained(op.getAxes(), axis) ? axes : kept).push_back(kToNchw[axis]);
    if (!llvm::is_sorted(kept))
      return failure();
    llvm::sort(axes);
    rewriter.replaceOpWithNewOp<dl::ReduceSumOp>(op, op.getType(), source,
                                                 rewriter.getDenseI64ArrayAttr(axes), UnitAttr());
    return success();
  }
};

/// An elementwise op whose tensor operands all come from NHWC values (rank-0
/// operands broadcast the same either way) runs on them instead:
/// op(to_nchw(x), s) -> to_nchw(op(x, s)). Only when every user of each
/// such transpose can run in NHWC too, so that the transpose vanishes once
/// they have all moved rather than stay beside a new one.
struct ElementwiseToNhwc : RewritePattern {
  ElementwiseToNhwc(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isLayoutFreeElementwise(op))
      return failure();
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    if (resultType.getRank() != 4)
      return failure();
    SmallVector<Value> operands;
    bool anyTransposed = false;
    for (Value operand : op->getOperands()) {
      auto type = cast<RankedTensorType>(operand.getType());
      if (type.getRank() == 0) {
        operands.push_back(operand);
        continue;
      }
      Value source = nhwcSource(operand);
      if (!source || type.getShape() != resultType.getShape() ||
          !llvm::all_of(operand.getUsers(), worksInNhwc))
        return failure();
      operands.push_back(source);
      anyTransposed = true;
    }
    if (!anyTransposed)
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands,
                         TypeRange{permuted(resultType, kToNhwc)}, op->getAttrs());
    Operation *nhwc = rewriter.create(state);
    rewriter.replaceOp(op, transpose(rewriter, op->getLoc(), nhwc->getResult(0), kToNchw));
    return success();
  }
};

struct DLChannelsLastPass : dlc::impl::DLChannelsLastBase<DLChannelsLastPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<ConvToNhwc, PoolToNhwc<dl::MaxPool2DOp>, PoolToNhwc<dl::AvgPool2DOp>,
                 PoolToNhwc<dl::BatchNormOp>, ConvBackwardDataToNhwc, ConvBackwardFilterToNhwc,
                 PoolBackwardToNhwc, ReduceSumOfNhwc, BatchNormBackwardToNhwc, ElementwiseToNhwc>(
        context);
    dl::TransposeOp::getCanonicalizationPatterns(patterns, context);
    dl::ReshapeOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
