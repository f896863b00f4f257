#include "dialects/exec/ExecDialect.h"

#include "dialects/dl/DLDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace dlc::exec;

#include "dialects/exec/ExecDialect.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/exec/ExecOps.cpp.inc"

void ExecDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/exec/ExecOps.cpp.inc"
      >();
}

namespace dlc::exec {

ArrayRef<Routine> routines() {
  using Kind = RoutineAttrKind;
  static constexpr StringLiteral poolKinds[] = {"max", "average", "average_include_pad"};
  static constexpr StringLiteral reduceKinds[] = {"sum", "mean", "max"};
  static constexpr StringLiteral reductions[] = {"mean", "sum", "batch_mean"};
  static constexpr StringLiteral activations[] = {"none", "relu"};
  static constexpr StringLiteral convActivations[] = {"none", "relu", "tanh"};
  static const RoutineAttr matmul[] = {{"transpose_a", Kind::Bool, true},
                                       {"transpose_b", Kind::Bool, true},
                                       {"activation", Kind::String, true, activations}};
  static const RoutineAttr conv2d[] = {
      {"stride", Kind::I64Array},          {"padding", Kind::I64Array},
      {"dilation", Kind::I64Array},        {"groups", Kind::I64},
      {"channels_last", Kind::Bool, true}, {"activation", Kind::String, true, convActivations}};
  static const RoutineAttr pool2d[] = {{"kind", Kind::String, false, poolKinds},
                                       {"kernel", Kind::I64Array},
                                       {"stride", Kind::I64Array},
                                       {"padding", Kind::I64Array},
                                       {"channels_last", Kind::Bool, true}};
  static const RoutineAttr pool2dBackward[] = {{"kind", Kind::String, false, poolKinds},
                                               {"kernel", Kind::I64Array},
                                               {"stride", Kind::I64Array},
                                               {"padding", Kind::I64Array},
                                               {"channels_last", Kind::Bool, true},
                                               {"relu_mask", Kind::Bool, true}};
  static const RoutineAttr convBackward[] = {{"stride", Kind::I64Array},
                                             {"padding", Kind::I64Array},
                                             {"dilation", Kind::I64Array},
                                             {"groups", Kind::I64},
                                             {"channels_last", Kind::Bool, true}};
  static const RoutineAttr reduce[] = {{"kind", Kind::String, false, reduceKinds},
                                       {"axes", Kind::I64Array}};
  static const RoutineAttr axis[] = {{"axis", Kind::I64}};
  static const RoutineAttr transpose[] = {{"perm", Kind::I64Array}};
  static const RoutineAttr slice[] = {{"starts", Kind::I64Array}, {"strides", Kind::I64Array}};
  static const RoutineAttr pad[] = {{"low", Kind::I64Array}, {"value", Kind::F64}};
  static const RoutineAttr softmax[] = {{"axis", Kind::I64}, {"log", Kind::Bool, true}};
  static const RoutineAttr batchNorm[] = {{"epsilon", Kind::F64},
                                          {"momentum", Kind::F64},
                                          {"training", Kind::Bool, true},
                                          {"channels_last", Kind::Bool, true}};
  static const RoutineAttr batchNormBackward[] = {{"epsilon", Kind::F64},
                                                  {"channels_last", Kind::Bool, true}};
  static const RoutineAttr layerNorm[] = {{"axis", Kind::I64}, {"epsilon", Kind::F64}};
  static const RoutineAttr dropout[] = {
      {"rate", Kind::F64}, {"seed", Kind::I64}, {"training", Kind::Bool, true}};
  static const RoutineAttr mseLoss[] = {{"reduction", Kind::String, false, reductions}};
  static const Routine table[] = {
      {"matmul", 2, 3, 1, matmul},
      {"conv2d", 2, 3, 1, conv2d},
      {"pool2d", 1, 1, 1, pool2d},
      {"conv2d_backward_data", 2, 2, 1, convBackward},
      {"conv2d_backward_filter", 2, 2, 1, convBackward, /*optionalOuts=*/1}, // + bias gradient
      {"pool2d_backward", 2, 2, 1, pool2dBackward},
      {"reduce", 1, 1, 1, reduce},
      {"argmax", 1, 1, 1, axis},
      {"transpose", 1, 1, 1, transpose},
      {"concat", 1, ~0u, 1, axis},
      {"slice", 1, 1, 1, slice},
      {"pad", 1, 1, 1, pad},
      {"softmax", 1, 1, 1, softmax},
      {"softmax_backward", 2, 2, 1, softmax}, // y, dy -> dx
      {"batch_norm", 5, 5, 1, batchNorm},
      {"batch_norm_backward", 3, 3, 3, batchNormBackward}, // x, dy, scale -> dx, dscale, doffset
      {"layer_norm", 3, 3, 1, layerNorm},
      {"layer_norm_backward", 3, 3, 2, layerNorm}, // x, dy, scale -> dx, normalized x
      {"embedding", 2, 2, 1},
      {"dropout", 1, 2, 1, dropout},
      {"softmax_cross_entropy", 2, 2, 1},
      {"mse_loss", 2, 2, 1, mseLoss},
      {"accuracy", 2, 2, 1},
      {"copy", 1, 1, 1},
  };
  return table;
}

const Routine *lookupRoutine(StringRef name) {
  for (const Routine &routine : routines())
    if (routine.name == name)
      return &routine;
  return nullptr;
}

Value viewRoot(Value buffer) {
  while (auto view = buffer.getDefiningOp<ViewOp>())
    buffer = view.getSource();
  return buffer;
}

} // namespace dlc::exec

LogicalResult EntryOp::verifyRegions() {
  Block &body = getBody().front();
  auto ret = dyn_cast<ReturnOp>(body.getTerminator());
  if (!ret)
    return emitOpError() << "must end with exec.return";
  if (ret.getResults().size() != getOutputs().size())
    return emitOpError() << "names " << getOutputs().size() << " outputs but returns "
                         << ret.getResults().size();
  SmallVector<Value> roots;
  for (auto [index, result] : llvm::enumerate(ret.getResults())) {
    Value root = viewRoot(result);
    if (!root.getDefiningOp<AllocOp>())
      return emitOpError() << "output #" << index
                           << " must be an exec.alloc or a view of one; copy it into one";
    if (const Value *same = llvm::find(roots, root); same != roots.end())
      return emitOpError() << "outputs #" << (same - roots.begin()) << " and #" << index
                           << " share one buffer";
    roots.push_back(root);
  }
  llvm::StringSet<> outputNames, inputNames;
  for (StringRef name : getOutputs().getAsValueRange<StringAttr>())
    if (!outputNames.insert(name).second)
      return emitOpError() << "has two outputs named '" << name << "'";
  for (auto input : body.getOps<InputOp>())
    if (!inputNames.insert(input.getName()).second)
      return emitOpError() << "has two inputs named '" << input.getName() << "'";
  return success();
}

LogicalResult ParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param = symbolTable.lookupNearestSymbolFrom<dl::ParamOp>(*this, getNameAttr());
  if (!param)
    return emitOpError() << "refers to " << getNameAttr() << ", which is not a dl.param";
  RankedTensorType declared = param.getTensorType();
  MemRefType type = getBuffer().getType();
  if (type.getShape() != declared.getShape() || type.getElementType() != declared.getElementType())
    return emitOpError() << "has type " << type << " but " << getNameAttr() << " is " << declared;
  return success();
}

LogicalResult ConstantOp::verify() {
  auto data = cast<ShapedType>(getValue().getType());
  MemRefType type = getBuffer().getType();
  if (data.getShape() != type.getShape() || data.getElementType() != type.getElementType())
    return emitOpError() << "holds " << data << " but its buffer is " << type;
  return success();
}

LogicalResult ViewOp::verify() {
  auto from = getSource().getType(), to = getBuffer().getType();
  if (from.getElementType() != to.getElementType() || from.getNumElements() != to.getNumElements())
    return emitOpError() << "cannot view " << from << " as " << to;
  return success();
}

static StringRef describe(RoutineAttrKind kind) {
  switch (kind) {
  case RoutineAttrKind::Bool:
    return "a bool";
  case RoutineAttrKind::I64:
    return "an i64 integer";
  case RoutineAttrKind::F64:
    return "a float";
  case RoutineAttrKind::I64Array:
    return "an array<i64>";
  case RoutineAttrKind::String:
    return "a string";
  }
  llvm_unreachable("unknown attribute kind");
}

static bool hasKind(Attribute attr, RoutineAttrKind kind) {
  switch (kind) {
  case RoutineAttrKind::Bool:
    return isa<BoolAttr>(attr);
  case RoutineAttrKind::I64: {
    auto integer = dyn_cast<IntegerAttr>(attr);
    return integer && integer.getType().isSignlessInteger(64);
  }
  case RoutineAttrKind::F64:
    return isa<FloatAttr>(attr);
  case RoutineAttrKind::I64Array:
    return isa<DenseI64ArrayAttr>(attr);
  case RoutineAttrKind::String:
    return isa<StringAttr>(attr);
  }
  llvm_unreachable("unknown attribute kind");
}

LogicalResult CallOp::verify() {
  const Routine *routine = lookupRoutine(getCallee());
  if (!routine)
    return emitOpError() << "unknown routine '" << getCallee() << "'";
  unsigned ins = getIns().size();
  unsigned outs = getOuts().size();
  if (ins < routine->minIns || ins > routine->maxIns || outs < routine->outs ||
      outs > routine->outs + routine->optionalOuts) {
    InFlightDiagnostic diag = emitOpError() << "'" << getCallee() << "' takes " << routine->minIns;
    if (routine->maxIns == ~0u)
      diag << " or more";
    else if (routine->maxIns != routine->minIns)
      diag << " or " << routine->maxIns;
    diag << " inputs and " << routine->outs;
    if (routine->optionalOuts)
      diag << " or " << routine->outs + routine->optionalOuts;
    return diag << " output" << (routine->outs + routine->optionalOuts > 1 ? "s" : "") << ", got "
                << ins << " and " << outs;
  }
  if (getCallee() == "copy") {
    auto from = cast<MemRefType>(getIns()[0].getType());
    auto to = cast<MemRefType>(getOuts()[0].getType());
    if (from.getElementType() != to.getElementType() ||
        from.getNumElements() != to.getNumElements())
      return emitOpError() << "cannot copy " << from << " to " << to;
  }
  if (auto mask = (*this)->getAttrOfType<BoolAttr>("relu_mask");
      getCallee() == "pool2d_backward" && mask && mask.getValue() &&
      (*this)->getAttr("kind") != StringAttr::get(getContext(), "max"))
    return emitOpError() << "'" << getCallee() << "' applies relu_mask to max pooling only";
  for (const RoutineAttr &expected : routine->attributes) {
    Attribute attr = (*this)->getAttr(expected.name);
    if (!attr && expected.optional)
      continue;
    if (!attr || !hasKind(attr, expected.kind))
      return emitOpError() << "'" << getCallee() << "' needs attribute '" << expected.name << "', "
                           << describe(expected.kind);
    if (!expected.choices.empty() &&
        !llvm::is_contained(expected.choices, cast<StringAttr>(attr).getValue())) {
      InFlightDiagnostic diag = emitOpError()
                                << "'" << getCallee() << "' attribute '" << expected.name << "' is "
                                << attr << "; expected one of";
      for (StringRef choice : expected.choices)
        diag << " \"" << choice << "\"";
      return diag;
    }
  }
  return success();
}

LogicalResult KernelOp::verifyRegions() {
  auto yield = dyn_cast<YieldOp>(getBody().front().getTerminator());
  if (!yield)
    return emitOpError() << "must end with exec.yield";
  if (yield.getResults().empty())
    return emitOpError() << "must yield at least one result";
  // The iteration space is the results' shape.
  auto shape = cast<RankedTensorType>(yield.getResults().front().getType()).getShape();
  for (Type type : yield.getResults().getTypes())
    if (cast<RankedTensorType>(type).getShape() != shape)
      return emitOpError() << "yields results of different shapes: "
                           << yield.getResults().front().getType() << " and " << type;
  return success();
}

/// A buffer and the tensor a kernel sees for it hold the same shape and
/// element type.
static bool sameData(Type buffer, Type tensor) {
  auto memref = cast<MemRefType>(buffer);
  auto ranked = dyn_cast<RankedTensorType>(tensor);
  return ranked && memref.getShape() == ranked.getShape() &&
         memref.getElementType() == ranked.getElementType();
}

/// Checked with the symbol uses, after the kernel's own verifier has run.
LogicalResult LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto kernel = symbolTable.lookupNearestSymbolFrom<KernelOp>(*this, getKernelAttr());
  if (!kernel)
    return emitOpError() << "launches " << getKernelAttr() << ", which is not an exec.kernel";
  Block &body = kernel.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  if (body.getNumArguments() != getIns().size() || yield.getResults().size() != getOuts().size())
    return emitOpError() << "passes " << getIns().size() << " inputs and " << getOuts().size()
                         << " outputs to a kernel of " << body.getNumArguments() << " and "
                         << yield.getResults().size();
  for (auto [index, pair] : llvm::enumerate(llvm::zip(getIns(), body.getArgumentTypes())))
    if (!sameData(std::get<0>(pair).getType(), std::get<1>(pair)))
      return emitOpError() << "input #" << index << " " << std::get<0>(pair).getType()
                           << " does not match the kernel's " << std::get<1>(pair);
  for (auto [index, pair] : llvm::enumerate(llvm::zip(getOuts(), yield.getResults().getTypes())))
    if (!sameData(std::get<0>(pair).getType(), std::get<1>(pair)))
      return emitOpError() << "output #" << index << " " << std::get<0>(pair).getType()
                           << " does not match the kernel's " << std::get<1>(pair);
  return success();
}
