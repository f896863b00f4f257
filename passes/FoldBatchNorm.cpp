// dl-fold-batch-norm: an inference-form batch norm after a convolution
// becomes the convolution's filter scale and bias.
#include "passes/Passes.h"

#include "dialects/dl/DLDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLFOLDBATCHNORM
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
namespace dl = dlc::dl;

namespace {

struct FoldIntoConv : OpRewritePattern<dl::BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::BatchNormOp norm, PatternRewriter &rewriter) const override {
    auto conv = norm.getInput().getDefiningOp<dl::Conv2DOp>();
    if (norm.getTraining() || !conv || !conv.getResult().hasOneUse() ||
        conv.getLayout() != norm.getLayout())
      return failure();
    auto filterType = cast<RankedTensorType>(conv.getFilter().getType());
    auto channelType = cast<RankedTensorType>(norm.getScale().getType());
    if (!filterType.hasStaticShape() || channelType.getRank() != 1 ||
        channelType.getDimSize(0) != filterType.getDimSize(0))
      return failure();
    Location loc = norm.getLoc();
    Type element = channelType.getElementType();
    auto scalar = [&](double value) {
      auto type = RankedTensorType::get({}, element);
      return dl::ConstantOp::create(
          rewriter, loc, type, DenseElementsAttr::get(type, rewriter.getFloatAttr(element, value)));
    };
    Value mean = dl::ParamGetOp::create(rewriter, loc, channelType, norm.getRunningMeanAttr());
    Value var = dl::ParamGetOp::create(rewriter, loc, channelType, norm.getRunningVarAttr());
    // s = scale / sqrt(var + epsilon), per output channel.
    Value inverse = dl::RsqrtOp::create(
        rewriter, loc,
        dl::AddOp::create(rewriter, loc, var, scalar(norm.getEpsilon().convertToDouble())));
    Value s = dl::MulOp::create(rewriter, loc, norm.getScale(), inverse);
    SmallVector<int64_t> column(filterType.getRank(), 1);
    column[0] = filterType.getDimSize(0);
    Value sColumn = dl::ReshapeOp::create(rewriter, loc, RankedTensorType::get(column, element), s);
    Value filter = dl::MulOp::create(rewriter, loc, conv.getFilter(), sColumn);
    Value bias = conv.getBias()
                     ? dl::MulOp::create(rewriter, loc,
                                         dl::SubOp::create(rewriter, loc, conv.getBias(), mean), s)
                           .getResult()
                     : dl::NegOp::create(rewriter, loc, dl::MulOp::create(rewriter, loc, mean, s))
                           .getResult();
    bias = dl::AddOp::create(rewriter, loc, bias, norm.getOffset());
    auto folded = dl::Conv2DOp::create(
        rewriter, conv.getLoc(), norm.getType(), conv.getInput(), filter, bias, conv.getStrideAttr(),
        conv.getPaddingAttr(), conv.getDilationAttr(), conv.getGroupsAttr(), conv.getLayoutAttr());
    rewriter.replaceOp(norm, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct DLFoldBatchNormPass : dlc::impl::DLFoldBatchNormBase<DLFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
