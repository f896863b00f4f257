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
                                     op.getStrideAttr(), op.getPaddingAttr(),
                                     op.getDilationAttr(), op.getGroupsAttr(),
                                     dl::LayoutAttr::get(getContext(), dl::Layout::nhwc));
    rewriter.replaceOp(op, transpose(rewriter, loc, conv, kToNchw));
    return success();
  }
};

/// pool(to_nchw(x)) -> to_nchw(pool_nhwc(x)).
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

/// An elementwise op whose tensor operands all come from NHWC values (rank-0
/// operands broadcast the same either way) runs on them instead:
/// op(to_nchw(x), s) -> to_nchw(op(x, s)). Only when each transpose has no
/// other user, so no transpose is added.
struct ElementwiseToNhwc : RewritePattern {
  ElementwiseToNhwc(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<dl::NegOp, dl::AbsOp, dl::ExpOp, dl::LogOp, dl::SqrtOp, dl::RsqrtOp, dl::TanhOp,
             dl::SinOp, dl::CosOp,
             dl::SigmoidOp, dl::ReluOp, dl::GeluOp, dl::CastOp, dl::AddOp, dl::SubOp, dl::MulOp,
             dl::DivOp, dl::PowOp, dl::MaximumOp, dl::MinimumOp>(op))
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
      if (!source || type != resultType || !operand.hasOneUse())
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
                 ElementwiseToNhwc>(context);
    dl::TransposeOp::getCanonicalizationPatterns(patterns, context);
    dl::ReshapeOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
