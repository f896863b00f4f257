#include "compiler/Pipeline.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace dlc {

LogicalResult lowerModel(ModuleOp module, const PipelineOptions &options) {
  PassManager pm(module.getContext());
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.gradients)
    pm.addPass(createDLAutodiff());
  if (options.training)
    pm.addPass(createDLBuildTrainStep());
  if (options.training || options.gradients) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  pm.addPass(createDLFoldBatchNorm());
  pm.addPass(createDLChannelsLast());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createDLLowerToExec());
  pm.addPass(createExecPlanMemory());
  return pm.run(module);
}

void printMemoryStats(ModuleOp module, llvm::raw_ostream &os) {
  os << "memory plan (arena bytes against one slot per tensor):\n";
  for (auto entry : module.getOps<exec::EntryOp>()) {
    uint64_t separate = 0;
    unsigned count = 0;
    entry.walk([&](Operation *op) {
      if (!isa<exec::InputOp, exec::AllocOp>(op))
        return;
      auto type = cast<MemRefType>(op->getResult(0).getType());
      separate += type.getNumElements() * llvm::divideCeil(type.getElementTypeBitWidth(), 8);
      ++count;
    });
    uint64_t arena = entry.getArenaSize().value_or(0);
    os << llvm::formatv("  {0,-12} arena {1,12} bytes, {2,3} buffers totalling {3,12} bytes "
                        "({4:f1}x smaller)\n",
                        entry.getSymName(), arena, count, separate,
                        arena ? static_cast<double>(separate) / arena : 0.0);
  }
}

} // namespace dlc
