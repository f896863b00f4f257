// dl-autodiff: reverse-mode differentiation of a loss function with respect
// to every trainable parameter it reaches.
#include "passes/Passes.h"

#include "dialects/dl/DLDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace dlc {
#define GEN_PASS_DEF_DLAUTODIFF
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
namespace dl = dlc::dl;

namespace {

/// Whether `pad` fills with zeros.
bool padsWithZero(dl::PadOp pad) {
  FloatAttr value = pad.getValueAttr();
  return !value || value.getValueAsDouble() == 0.0;
}

/// The gradient contributions `total` and `g` summed. Where both are zero
/// pads of pieces that lie side by side along one axis and fill every
/// other (the gradients of slices that split a tensor, such as attention's
/// q, k and v of one projection), the sum is the pieces joined by a concat,
/// padded only as far as both together are; the pads are erased. Otherwise
/// a dl.add.
Value accumulate(OpBuilder &builder, Location loc, Value total, Value g) {
  auto first = total.getDefiningOp<dl::PadOp>(), second = g.getDefiningOp<dl::PadOp>();
  if (!first || !second || total.getType() != g.getType() || !padsWithZero(first) ||
      !padsWithZero(second) || !total.use_empty() || !g.use_empty())
    return dl::AddOp::create(builder, loc, total, g);
  int64_t rank = cast<RankedTensorType>(total.getType()).getRank(), axis = -1;
  for (int64_t d = 0; d < rank; ++d) {
    if (first.getLow()[d] == 0 && first.getHigh()[d] == 0 && second.getLow()[d] == 0 &&
        second.getHigh()[d] == 0)
      continue;
    if (axis >= 0)
      return dl::AddOp::create(builder, loc, total, g);
    axis = d;
  }
  if (axis < 0)
    return dl::AddOp::create(builder, loc, total, g);
  auto length = [&](dl::PadOp pad) {
    return cast<RankedTensorType>(pad.getInput().getType()).getDimSize(axis);
  };
  if (second.getLow()[axis] + length(second) == first.getLow()[axis])
    std::swap(first, second);
  else if (first.getLow()[axis] + length(first) != second.getLow()[axis])
    return dl::AddOp::create(builder, loc, total, g);
  // Pieces already joined along the same axis join the new one directly.
  SmallVector<Value> pieces;
  SmallVector<Operation *> dead = {first, second};
  for (dl::PadOp pad : {first, second}) {
    auto joined = pad.getInput().getDefiningOp<dl::ConcatOp>();
    if (joined && static_cast<int64_t>(joined.getAxis()) == axis && pad.getInput().hasOneUse()) {
      llvm::append_range(pieces, joined.getInputs());
      dead.push_back(joined);
    } else {
      pieces.push_back(pad.getInput());
    }
  }
  Value result = dl::ConcatOp::create(builder, loc, pieces, builder.getI64IntegerAttr(axis));
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  low[axis] = first.getLow()[axis];
  high[axis] = second.getHigh()[axis];
  if (low[axis] != 0 || high[axis] != 0)
    result =
        dl::PadOp::create(builder, loc, total.getType(), result, builder.getDenseI64ArrayAttr(low),
                          builder.getDenseI64ArrayAttr(high), FloatAttr());
  for (Operation *op : dead)
    if (op->use_empty())
      op->erase();
  return result;
}

bool isFloatTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Builds `<name>_grad`: the function's body, then the backward pass, then
/// a return of the function's results followed by one gradient per
/// trainable parameter the loss (result 0) depends on, in declaration order.
class GradientBuilder {
public:
  GradientBuilder(ModuleOp module, func::FuncOp function, StringRef name)
      : module(module), function(function), name(name) {}

  FailureOr<func::FuncOp> run() {
    if (function.getBody().getBlocks().size() != 1)
      return function.emitError() << "dl-autodiff needs a function of one block";
    if (function.getNumResults() == 0 || !isScalarFloat(function.getResultTypes()[0]))
      return function.emitError()
             << "differentiates its first result, which must be a float scalar (tensor<f32>)";
    for (Operation &op : function.getBody().front())
      if (isa<func::CallOp>(op))
        return op.emitError() << "calls must be inlined before dl-autodiff";

    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(function);
    auto gradient = cast<func::FuncOp>(builder.clone(*function));
    gradient.setSymName(name);
    gradient.setPublic();
    SymbolTable(module).insert(gradient); // renamed if the name is taken

    Block &body = gradient.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Value loss = ret.getOperand(0);
    findActiveValues(body, loss);
    if (!active.contains(loss))
      return function.emitError() << "the loss does not depend on any trainable parameter";

    builder.setInsertionPoint(ret);
    grads[loss] = constantLike(builder, ret.getLoc(), loss, 1.0);
    SmallVector<Operation *> ops;
    for (Operation &op : body.without_terminator())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (failed(backward(builder, op)))
        return failure();

    // Sum each parameter's gradient over its reads, in declaration order.
    SmallVector<Value> results(ret.getOperands());
    SmallVector<Attribute> names, params;
    for (unsigned i = 0; i < function.getNumResults(); ++i)
      names.push_back(function.getResultAttrDict(i));
    for (auto param : module.getOps<dl::ParamOp>()) {
      if (param.getState())
        continue;
      Value total;
      for (auto get : body.getOps<dl::ParamGetOp>()) {
        if (get.getName() != param.getSymName())
          continue;
        Value g = grads.lookup(get.getResult());
        if (g)
          total = total ? dl::AddOp::create(builder, ret.getLoc(), total, g).getResult() : g;
      }
      if (!total)
        continue;
      results.push_back(total);
      names.push_back(builder.getDictionaryAttr(
          {builder.getNamedAttr(dl::DLDialect::kNameAttrName,
                                builder.getStringAttr(param.getSymName() + ".grad")),
           builder.getNamedAttr(dl::DLDialect::kGradientOfAttrName,
                                FlatSymbolRefAttr::get(param.getSymNameAttr()))}));
    }
    func::ReturnOp::create(builder, ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types;
    for (Value result : results)
      types.push_back(result.getType());
    gradient.setFunctionType(builder.getFunctionType(gradient.getArgumentTypes(), types));
    gradient.setAllResultAttrs(names);
    return gradient;
  }

private:
  static bool isScalarFloat(Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.getRank() == 0 && isa<FloatType>(tensor.getElementType());
  }

  static Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
    auto type = cast<RankedTensorType>(like.getType());
    return dl::ConstantOp::create(
        b, loc, type, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), value)));
  }

  /// A value is active when it is a float that depends on a trainable
  /// parameter and the loss depends on it: exactly the values that need a
  /// gradient.
  void findActiveValues(Block &body, Value loss) {
    llvm::DenseSet<Value> varied;
    for (Operation &op : body) {
      if (auto get = dyn_cast<dl::ParamGetOp>(op)) {
        auto param = SymbolTable::lookupNearestSymbolFrom<dl::ParamOp>(get, get.getNameAttr());
        if (param && !param.getState() && isFloatTensor(get.getResult()))
          varied.insert(get.getResult());
        continue;
      }
      if (llvm::any_of(op.getOperands(), [&](Value v) { return varied.contains(v); }))
        for (Value result : op.getResults())
          if (isFloatTensor(result))
            varied.insert(result);
    }
    SmallVector<Value> work;
    if (varied.contains(loss))
      work.push_back(loss);
    while (!work.empty()) {
      Value value = work.pop_back_val();
      if (!active.insert(value).second)
        continue;
      if (Operation *op = value.getDefiningOp())
        for (Value operand : op->getOperands())
          if (varied.contains(operand))
            work.push_back(operand);
    }
  }

  LogicalResult backward(OpBuilder &builder, Operation *op) {
    SmallVector<Value> resultGrads;
    bool any = false;
    for (Value result : op->getResults()) {
      Value g = grads.lookup(result);
      any |= static_cast<bool>(g);
      resultGrads.push_back(g);
    }
    SmallVector<bool> wanted;
    for (Value operand : op->getOperands())
      wanted.push_back(active.contains(operand));
    if (!any || !llvm::is_contained(wanted, true))
      return success();
    auto differentiable = dyn_cast<dl::DifferentiableOpInterface>(op);
    if (!differentiable)
      return op->emitError() << "the loss's gradient must flow through '" << op->getName()
                             << "', which has no gradient rule";
    for (auto [result, g] : llvm::zip(op->getResults(), resultGrads))
      if (!g)
        g = constantLike(builder, op->getLoc(), result, 0.0);
    SmallVector<Value> operandGrads;
    if (failed(differentiable.buildGradients(builder, resultGrads, wanted, operandGrads)))
      return failure();
    for (auto [operand, want, g] : llvm::zip(op->getOperands(), wanted, operandGrads)) {
      if (!want || !g)
        continue;
      Value &total = grads[operand];
      total = total ? accumulate(builder, op->getLoc(), total, g) : g;
    }
    return success();
  }

  ModuleOp module;
  func::FuncOp function;
  std::string name;
  llvm::DenseSet<Value> active;
  DenseMap<Value, Value> grads;
};

} // namespace

FailureOr<func::FuncOp> dlc::buildGradientFunction(ModuleOp module, func::FuncOp function,
                                                   StringRef name) {
  return GradientBuilder(module, function, name).run();
}

namespace {

struct DLAutodiffPass : dlc::impl::DLAutodiffBase<DLAutodiffPass> {
  using DLAutodiffBase::DLAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto function = module.lookupSymbol<func::FuncOp>(functionName);
    if (!function) {
      module.emitError() << "dl-autodiff: no function @" << functionName << " to differentiate";
      return signalPassFailure();
    }
    if (failed(buildGradientFunction(module, function, functionName + "_grad")))
      return signalPassFailure();
  }
};

} // namespace
