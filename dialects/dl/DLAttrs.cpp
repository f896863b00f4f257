// Attribute definitions: initializers, optimizers, schedules and their checks.
#include "dialects/dl/DLDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace dlc::dl;

namespace dlc::dl {

FailureOr<APFloat> parseF64Param(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return APFloat(value);
}

FailureOr<bool> parseBoolParam(AsmParser &parser) {
  if (succeeded(parser.parseOptionalKeyword("true")))
    return true;
  if (succeeded(parser.parseOptionalKeyword("false")))
    return false;
  return parser.emitError(parser.getCurrentLocation(), "expected 'true' or 'false'");
}

} // namespace dlc::dl

#include "dialects/dl/DLAttrInterfaces.cpp.inc"
#include "dialects/dl/DLEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/dl/DLAttrs.cpp.inc"

void DLDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/dl/DLAttrs.cpp.inc"
      >();
}

using EmitFn = llvm::function_ref<InFlightDiagnostic()>;

static LogicalResult checkPositive(EmitFn emitError, StringRef what, const APFloat &number) {
  double value = number.convertToDouble();
  if (!(value > 0.0))
    return emitError() << what << " must be positive, got " << value;
  return success();
}

static LogicalResult checkNonNegative(EmitFn emitError, StringRef what,
                                      const APFloat &number) {
  double value = number.convertToDouble();
  if (!(value >= 0.0))
    return emitError() << what << " must be non-negative, got " << value;
  return success();
}

static LogicalResult checkUnitInterval(EmitFn emitError, StringRef what,
                                       const APFloat &number) {
  double value = number.convertToDouble();
  if (!(value >= 0.0 && value < 1.0))
    return emitError() << what << " must be in [0, 1), got " << value;
  return success();
}

LogicalResult UniformInitAttr::verify(EmitFn emitError, APFloat low, APFloat high) {
  if (!(low.convertToDouble() < high.convertToDouble()))
    return emitError() << "#dl.uniform needs low < high, got low = " << low.convertToDouble()
                       << ", high = " << high.convertToDouble();
  return success();
}

LogicalResult NormalInitAttr::verify(EmitFn emitError, APFloat, APFloat stddev) {
  return checkPositive(emitError, "#dl.normal stddev", stddev);
}

LogicalResult SGDAttr::verify(EmitFn emitError, APFloat lr, APFloat momentum, bool nesterov,
                              APFloat weightDecay, APFloat clipNorm) {
  if (failed(checkPositive(emitError, "#dl.sgd lr", lr)) ||
      failed(checkUnitInterval(emitError, "#dl.sgd momentum", momentum)) ||
      failed(checkNonNegative(emitError, "#dl.sgd weight_decay", weightDecay)) ||
      failed(checkNonNegative(emitError, "#dl.sgd clip_norm", clipNorm)))
    return failure();
  if (nesterov && momentum.isZero())
    return emitError() << "#dl.sgd nesterov needs a non-zero momentum";
  return success();
}

static LogicalResult verifyAdamLike(EmitFn emitError, StringRef name, const APFloat &lr,
                                    const APFloat &beta1, const APFloat &beta2,
                                    const APFloat &epsilon, const APFloat &clipNorm) {
  std::string n = name.str();
  if (failed(checkPositive(emitError, n + " lr", lr)) ||
      failed(checkUnitInterval(emitError, n + " beta1", beta1)) ||
      failed(checkUnitInterval(emitError, n + " beta2", beta2)) ||
      failed(checkPositive(emitError, n + " epsilon", epsilon)) ||
      failed(checkNonNegative(emitError, n + " clip_norm", clipNorm)))
    return failure();
  return success();
}

LogicalResult AdamAttr::verify(EmitFn emitError, APFloat lr, APFloat beta1, APFloat beta2,
                               APFloat epsilon, APFloat clipNorm) {
  return verifyAdamLike(emitError, "#dl.adam", lr, beta1, beta2, epsilon, clipNorm);
}

LogicalResult AdamWAttr::verify(EmitFn emitError, APFloat lr, APFloat beta1, APFloat beta2,
                                APFloat epsilon, APFloat weightDecay, APFloat clipNorm) {
  if (failed(verifyAdamLike(emitError, "#dl.adamw", lr, beta1, beta2, epsilon, clipNorm)))
    return failure();
  return checkNonNegative(emitError, "#dl.adamw weight_decay", weightDecay);
}

LogicalResult StepLRAttr::verify(EmitFn emitError, int64_t stepSize, APFloat gamma) {
  if (stepSize <= 0)
    return emitError() << "#dl.step_lr step_size must be positive, got " << stepSize;
  return checkPositive(emitError, "#dl.step_lr gamma", gamma);
}

LogicalResult CosineLRAttr::verify(EmitFn emitError, int64_t warmupSteps, int64_t totalSteps,
                                   APFloat minLr) {
  if (warmupSteps < 0)
    return emitError() << "#dl.cosine_lr warmup_steps must be non-negative, got "
                       << warmupSteps;
  if (totalSteps <= warmupSteps)
    return emitError() << "#dl.cosine_lr total_steps (" << totalSteps
                       << ") must exceed warmup_steps (" << warmupSteps << ")";
  return checkNonNegative(emitError, "#dl.cosine_lr min_lr", minLr);
}
