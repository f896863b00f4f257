// The dialect object, the custom assembly directives, and the generated op
// definitions. Op semantics (verifiers, inference, folds) live in the
// DL*Ops.cpp files by op family.
#include "dialects/dl/DLDialect.h"
#include "dialects/dl/DLTypeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace dlc::dl;

//===----------------------------------------------------------------------===//
// custom<OperandTypes>: `T` when both operands have type T, else `T1, T2`.
//===----------------------------------------------------------------------===//

static ParseResult parseOperandTypes(OpAsmParser &parser, Type &lhs, Type &rhs) {
  if (parser.parseType(lhs))
    return failure();
  rhs = lhs;
  if (succeeded(parser.parseOptionalComma()))
    return parser.parseType(rhs);
  return success();
}

static void printOperandTypes(OpAsmPrinter &printer, Operation *, Type lhs, Type rhs) {
  printer << lhs;
  if (rhs != lhs)
    printer << ", " << rhs;
}

#include "dialects/dl/DLDialect.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/dl/DLOps.cpp.inc"

namespace {
/// Every dl op is a pure function of its operands and attributes (batch_norm's
/// state is named by symbol), so `loss` calling `forward` can be inlined.
struct DLInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final { return true; }
};
} // namespace

void DLDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/dl/DLOps.cpp.inc"
      >();
  registerAttributes();
  addInterfaces<DLInlinerInterface>();
}

Operation *DLDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                          Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

/// Module attributes `dl.optimizer`, `dl.lr_schedule` and `dl.dataset`;
/// `dl.optimizer_state` on a state parameter.
LogicalResult DLDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  if (name == kOptimizerStateAttrName) {
    auto param = dyn_cast<ParamOp>(op);
    if (!param || !param.getState() || !isa<UnitAttr>(attribute.getValue()))
      return op->emitError() << "'dl.optimizer_state' marks a `dl.param state` (a unit attribute)";
    return success();
  }
  if (name == kDatasetAttrName) {
    auto dataset = dyn_cast<StringAttr>(attribute.getValue());
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'dl.dataset' belongs on the model's module";
    if (!dataset || (dataset.getValue() != "fashion_mnist" && dataset.getValue() != "random" &&
                     dataset.getValue() != "text"))
      return op->emitError()
             << "'dl.dataset' must be \"fashion_mnist\", \"random\" or \"text\", got "
             << attribute.getValue();
    return success();
  }
  bool isOptimizer = name == kOptimizerAttrName;
  bool isSchedule = name == kScheduleAttrName;
  if (!isOptimizer && !isSchedule)
    return op->emitError() << "unknown dl attribute '" << name
                           << "'; expected 'dl.optimizer', 'dl.lr_schedule' or 'dl.dataset'";
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << name << "' belongs on the model's module";
  if (isOptimizer && !isa<OptimizerAttrInterface>(attribute.getValue()))
    return op->emitError() << "'dl.optimizer' must be an optimizer (#dl.sgd, #dl.adam or "
                              "#dl.adamw), got "
                           << attribute.getValue();
  if (isSchedule && !isa<ScheduleAttrInterface>(attribute.getValue()))
    return op->emitError() << "'dl.lr_schedule' must be a schedule (#dl.constant_lr, "
                              "#dl.step_lr or #dl.cosine_lr), got "
                           << attribute.getValue();
  return success();
}

/// `dl.name` on a function argument or result: the name users bind inputs and
/// read outputs and metrics by.
static LogicalResult verifyNameAttribute(Operation *op, NamedAttribute attribute, StringRef what,
                                         unsigned index) {
  if (attribute.getName() != DLDialect::kNameAttrName)
    return op->emitError() << "unknown dl attribute '" << attribute.getName().getValue() << "' on "
                           << what << " #" << index << "; expected 'dl.name'";
  auto name = dyn_cast<StringAttr>(attribute.getValue());
  if (!name || name.getValue().empty())
    return op->emitError() << "'dl.name' of " << what << " #" << index
                           << " must be a non-empty string, got " << attribute.getValue();
  return success();
}

LogicalResult DLDialect::verifyRegionArgAttribute(Operation *op, unsigned, unsigned argIndex,
                                                  NamedAttribute attribute) {
  return verifyNameAttribute(op, attribute, "argument", argIndex);
}

LogicalResult DLDialect::verifyRegionResultAttribute(Operation *op, unsigned, unsigned resultIndex,
                                                     NamedAttribute attribute) {
  if (attribute.getName() == kGradientOfAttrName) {
    if (!isa<FlatSymbolRefAttr>(attribute.getValue()))
      return op->emitError() << "'dl.gradient_of' of result #" << resultIndex
                             << " must name a parameter (@name), got " << attribute.getValue();
    return success();
  }
  return verifyNameAttribute(op, attribute, "result", resultIndex);
}
