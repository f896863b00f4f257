// Model structure: dl.param, dl.param.get, dl.constant.
#include "dialects/dl/DLDialect.h"
#include "dialects/dl/DLTypeUtils.h"

using namespace mlir;
using namespace dlc::dl;

/// He and Glorot scale by fan-in/fan-out, which needs a weight layout:
/// rank 2 is [in, out] (matmul), rank >= 3 is [out, in, spatial...] (conv).
static bool needsFans(Attribute init) {
  return isa<HeNormalInitAttr, HeUniformInitAttr, GlorotNormalInitAttr, GlorotUniformInitAttr>(
      init);
}

static bool isRandom(Attribute init) {
  return needsFans(init) || isa<UniformInitAttr, NormalInitAttr>(init);
}

/// The numbers an initializer names must fit the element type: an integer
/// parameter cannot hold -1.5, and 1e300 in f16 is inf.
static LogicalResult verifyInitializerValues(ParamOp op, Attribute init) {
  Type element = op.getTensorType().getElementType();
  auto check = [&](StringRef what, const APFloat &value) -> LogicalResult {
    std::optional<std::string> problem = whyValueDoesNotFit(value, element);
    if (!problem)
      return success();
    return op.emitOpError() << what << " " << value.convertToDouble() << " does not fit " << element
                            << ": " << *problem;
  };
  if (auto constant = dyn_cast<ConstantInitAttr>(init))
    return check("#dl.constant value", constant.getValue());
  if (auto uniform = dyn_cast<UniformInitAttr>(init))
    return failure(failed(check("#dl.uniform low", uniform.getLow())) ||
                   failed(check("#dl.uniform high", uniform.getHigh())));
  if (auto normal = dyn_cast<NormalInitAttr>(init))
    return failure(failed(check("#dl.normal mean", normal.getMean())) ||
                   failed(check("#dl.normal stddev", normal.getStddev())));
  return success();
}

/// The optimizer updates every parameter not marked `state` by its gradient,
/// which only a floating-point tensor has.
static LogicalResult verifyTrainable(ParamOp op) {
  RankedTensorType type = op.getTensorType();
  if (op.getState() || isa<FloatType>(type.getElementType()))
    return success();
  return op.emitOpError() << "a parameter of type " << type
                          << " cannot be trained; declare it `dl.param state`";
}

LogicalResult ParamOp::verify() {
  RankedTensorType type = getTensorType();
  Attribute init = getInit();
  if (auto data = dyn_cast<ElementsAttr>(init)) {
    if (data.getType() != type)
      return emitOpError() << "initial data has type " << data.getType() << " but the parameter is "
                           << type;
    return verifyTrainable(*this);
  }
  if (!isa<InitializerAttrInterface>(init))
    return emitOpError() << "initializer must be an initializer attribute (#dl.zeros, "
                            "#dl.he_normal, ...) or dense data, got "
                         << init;
  if (isRandom(init) && !isa<FloatType>(type.getElementType()))
    return emitOpError() << "random initializer " << init
                         << " needs a floating-point parameter, got " << type;
  if (needsFans(init) && type.getRank() < 2)
    return emitOpError() << init
                         << " needs a weight of rank 2 ([in, out]) or more ([out, in, "
                            "kh, kw]), got "
                         << type;
  if (failed(verifyInitializerValues(*this, init)))
    return failure();
  return verifyTrainable(*this);
}

/// The dl.param that `symbol` names, or an error at `user`.
static FailureOr<ParamOp> lookupParam(Operation *user, SymbolTableCollection &symbols,
                                      FlatSymbolRefAttr symbol) {
  auto param = symbols.lookupNearestSymbolFrom<ParamOp>(user, symbol.getAttr());
  if (!param)
    return user->emitOpError() << "references " << symbol
                               << ", which is not a dl.param of this module";
  return param;
}

LogicalResult ParamGetOp::verifySymbolUses(SymbolTableCollection &symbols) {
  FailureOr<ParamOp> param = lookupParam(*this, symbols, getNameAttr());
  if (failed(param))
    return failure();
  if (param->getTensorType() != getType())
    return emitOpError() << "result type " << getType() << " does not match " << getNameAttr()
                         << " : " << param->getTensorType();
  return success();
}

LogicalResult ParamSetOp::verifySymbolUses(SymbolTableCollection &symbols) {
  FailureOr<ParamOp> param = lookupParam(*this, symbols, getNameAttr());
  if (failed(param))
    return failure();
  if (param->getTensorType() != getValue().getType())
    return emitOpError() << "writes " << getValue().getType() << " to " << getNameAttr() << " : "
                         << param->getTensorType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult BatchNormOp::verifySymbolUses(SymbolTableCollection &symbols) {
  for (FlatSymbolRefAttr symbol : {getRunningMeanAttr(), getRunningVarAttr()}) {
    FailureOr<ParamOp> param = lookupParam(*this, symbols, symbol);
    if (failed(param))
      return failure();
    if (!param->getState())
      return emitOpError() << "running statistic " << symbol
                           << " must be declared `dl.param state`, since the optimizer "
                              "must not train it";
    if (param->getTensorType() != getScale().getType())
      return emitOpError() << "running statistic " << symbol << " has type "
                           << param->getTensorType() << ", expected " << getScale().getType();
  }
  return success();
}
