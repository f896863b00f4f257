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
      total = total ? dl::AddOp::create(builder, op->getLoc(), total, g).getResult() : g;
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
