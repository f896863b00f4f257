// Attribute definitions: initializers, optimizers, schedules and their checks.
#include "dialects/dl/DLDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace dlc::dl;

namespace dlc::dl {

/// A finite number in decimal: `1.0e-3`, `1` or `-2` (parseFloat alone
/// rejects `1`). Hex bit patterns and out-of-range literals (`1e999`) are
/// refused: no learning rate or initializer bound is meant to be inf or NaN.
FailureOr<APFloat> parseF64Param(AsmParser &parser) {
  const char *start = parser.getCurrentLocation().getPointer();
  Attribute number;
  if (parser.parseAttribute(number))
    return failure();
  StringRef spelling(start, parser.getCurrentLocation().getPointer() - start);
  auto fail = [&](const Twine &message) {
    return parser.emitError(SMLoc::getFromPointer(start), message);
  };
  if (spelling.ltrim('-').starts_with_insensitive("0x"))
    return fail("write the number in decimal, not as a hexadecimal bit pattern");
  std::optional<APFloat> value;
  if (auto floating = dyn_cast<FloatAttr>(number); floating && floating.getType().isF64())
    value = floating.getValue();
  else if (auto integer = dyn_cast<IntegerAttr>(number);
           integer && integer.getType().isSignlessInteger(64))
    value = APFloat(static_cast<double>(integer.getInt()));
  if (!value)
    return fail("expected a number, got ") << number;
  if (!value->isFinite())
    return fail("expected a finite number, got '" + spelling + "'");
  return *value;
}

/// The shortest `%.Ne` form that reads back as the same double, from 7
/// significant digits (`1.000000e-03`, as MLIR prints floats) up to the 17
/// any double needs. MLIR's printFloat falls back to a hex bit pattern for
/// values such as 1234567, which parseF64Param rightly refuses.
void printF64Param(AsmPrinter &printer, const APFloat &value) {
  double number = value.convertToDouble();
  char text[32];
  for (int decimals = 6; decimals <= 16; ++decimals) {
    std::snprintf(text, sizeof(text), "%.*e", decimals, number);
    if (APFloat(std::strtod(text, nullptr)).bitwiseIsEqual(value))
      break;
  }
  printer << text;
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

Attribute DLDialect::parseAttribute(DialectAsmParser &parser, Type type) const {
  SMLoc start = parser.getCurrentLocation();
  StringRef mnemonic;
  Attribute attribute;
  OptionalParseResult parsed = generatedAttributeParser(parser, &mnemonic, type, attribute);
  if (!parsed.has_value()) {
    parser.emitError(start) << "unknown attribute `" << mnemonic << "` in dialect `"
                            << getNamespace() << "`";
    return {};
  }
  if (failed(*parsed))
    return {};
  // An attribute with parameters consumes its `<...>`, so one still here
  // follows a parameterless attribute. MLIR would skip it without a word.
  SMLoc rest = parser.getCurrentLocation();
  if (succeeded(parser.parseOptionalLess())) {
    StringRef name(start.getPointer(), rest.getPointer() - start.getPointer());
    parser.emitError(rest) << "#dl." << name.trim() << " takes no parameters";
    return {};
  }
  return attribute;
}

void DLDialect::printAttribute(Attribute attribute, DialectAsmPrinter &printer) const {
  (void)generatedAttributePrinter(attribute, printer);
}

using EmitFn = llvm::function_ref<InFlightDiagnostic()>;

static LogicalResult checkPositive(EmitFn emitError, StringRef what, const APFloat &number) {
  double value = number.convertToDouble();
  if (!(value > 0.0))
    return emitError() << what << " must be positive, got " << value;
  return success();
}

static LogicalResult checkNonNegative(EmitFn emitError, StringRef what, const APFloat &number) {
  double value = number.convertToDouble();
  if (!(value >= 0.0))
    return emitError() << what << " must be non-negative, got " << value;
  return success();
}

static LogicalResult checkUnitInterval(EmitFn emitError, StringRef what, const APFloat &number) {
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
    return emitError() << "#dl.cosine_lr warmup_steps must be non-negative, got " << warmupSteps;
  if (totalSteps <= warmupSteps)
    return emitError() << "#dl.cosine_lr total_steps (" << totalSteps
                       << ") must exceed warmup_steps (" << warmupSteps << ")";
  return checkNonNegative(emitError, "#dl.cosine_lr min_lr", minLr);
}
