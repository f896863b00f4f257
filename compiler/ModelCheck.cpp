#include "compiler/ModelCheck.h"

#include "dialects/dl/DLDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace dlc::dl;

namespace dlc {

/// The module's location, moved to the first character of the file when the
/// parser made the module implicitly (it then sits at line 0, which the
/// diagnostic printer cannot point at).
static Location moduleLocation(ModuleOp module) {
  if (auto file = dyn_cast<FileLineColLoc>(module.getLoc()); file && file.getLine() == 0)
    return FileLineColLoc::get(file.getFilename(), 1, 1);
  return module.getLoc();
}

static bool isScalarTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getRank() == 0;
}

static LogicalResult checkLossFunction(func::FuncOp loss) {
  ArrayRef<Type> results = loss.getFunctionType().getResults();
  if (results.empty())
    return emitError(loss.getLoc())
           << "'" << kLossFunctionName
           << "' returns nothing; its first result must be the training loss, a 0-d float "
              "tensor such as tensor<f32>";
  if (!isScalarTensor(results[0]) ||
      !isa<FloatType>(cast<RankedTensorType>(results[0]).getElementType()))
    return emitError(loss.getLoc())
           << "the first result of '" << kLossFunctionName
           << "' is the training loss and must be a 0-d float tensor such as tensor<f32>, got "
           << results[0];
  for (auto [index, type] : llvm::enumerate(results.drop_front()))
    if (!isScalarTensor(type))
      return emitError(loss.getLoc()) << "result #" << index + 1 << " of '" << kLossFunctionName
                                      << "' is a metric and must be a 0-d tensor, got " << type;
  return success();
}

/// `training` belongs to the compiler's copy of the model in the training
/// step; a model that sets it would train with inference behaviour swapped.
static LogicalResult checkNoTrainingFlags(ModuleOp module) {
  WalkResult result = module.walk([](Operation *op) {
    bool training = false;
    if (auto dropout = dyn_cast<DropoutOp>(op))
      training = dropout.getTraining();
    else if (auto batchNorm = dyn_cast<BatchNormOp>(op))
      training = batchNorm.getTraining();
    if (isa<ParamSetOp>(op)) {
      op->emitOpError() << "writes a parameter: only the compiler's training step does "
                           "(the optimizer updates parameters)";
      return WalkResult::interrupt();
    }
    if (!training)
      return WalkResult::advance();
    op->emitOpError() << "has `training` set: the compiler sets `training` on its "
                         "training-step copy; write the op without it";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

LogicalResult checkModel(ModuleOp module) {
  if (failed(checkNoTrainingFlags(module)))
    return failure();
  auto functions = module.getOps<func::FuncOp>();
  if (llvm::none_of(functions, [](func::FuncOp f) { return f.isPublic(); }))
    return emitError(moduleLocation(module))
           << "the model has no public function; declare at least one func.func "
              "(forward, loss, ...) that is not private";
  if (auto loss = module.lookupSymbol<func::FuncOp>(kLossFunctionName))
    return checkLossFunction(loss);
  return success();
}

} // namespace dlc
