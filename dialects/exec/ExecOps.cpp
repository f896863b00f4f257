#include "dialects/exec/ExecDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

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
  static const Routine table[] = {
      {"matmul", 2, 3, 1},      {"conv2d", 2, 3, 1},
      {"pool2d", 1, 1, 1},      {"reduce", 1, 1, 1},
      {"argmax", 1, 1, 1},      {"transpose", 1, 1, 1},
      {"concat", 1, ~0u, 1},    {"slice", 1, 1, 1},
      {"pad", 1, 1, 1},         {"softmax", 1, 1, 1},
      {"batch_norm", 5, 5, 1},  {"layer_norm", 3, 3, 1},
      {"embedding", 2, 2, 1},   {"dropout", 1, 1, 1},
      {"softmax_cross_entropy", 2, 2, 1},
      {"mse_loss", 2, 2, 1},    {"accuracy", 2, 2, 1},
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

} // namespace dlc::exec

LogicalResult EntryOp::verify() {
  auto ret = cast<ReturnOp>(getBody().front().getTerminator());
  if (ret.getResults().size() != getOutputs().size())
    return emitOpError() << "names " << getOutputs().size() << " outputs but returns "
                         << ret.getResults().size();
  return success();
}

LogicalResult ViewOp::verify() {
  auto from = getSource().getType(), to = getBuffer().getType();
  if (from.getElementType() != to.getElementType() ||
      from.getNumElements() != to.getNumElements())
    return emitOpError() << "cannot view " << from << " as " << to;
  return success();
}

LogicalResult CallOp::verify() {
  const Routine *routine = lookupRoutine(getCallee());
  if (!routine)
    return emitOpError() << "unknown routine '" << getCallee() << "'";
  unsigned ins = getIns().size();
  if (ins < routine->minIns || ins > routine->maxIns || getOuts().size() != routine->outs)
    return emitOpError() << "'" << getCallee() << "' takes " << routine->minIns
                         << (routine->maxIns == routine->minIns ? "" : " or more") << " inputs and "
                         << routine->outs << " output, got " << ins << " and "
                         << getOuts().size();
  return success();
}

LogicalResult KernelOp::verify() {
  if (!isa<YieldOp>(getBody().front().getTerminator()))
    return emitOpError() << "must end with exec.yield";
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

LogicalResult LaunchOp::verify() {
  auto kernel = SymbolTable::lookupNearestSymbolFrom<KernelOp>(*this, getKernelAttr());
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
