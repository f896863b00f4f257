// dlc-opt: runs any dlc or upstream pass on a .mlir file, for tests.
#include "compiler/GpuTarget.h"
#include "compiler/ModelImport.h"
#include "compiler/ModelText.h"
#include "dialects/dl/DLDialect.h"
#include "passes/Passes.h"

#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::DialectRegistry registry;
  dlc::registerModelDialects(registry);
  dlc::registerGpuDialects(registry);
  dlc::registerGpuPasses();
  dlc::registerDLCPasses();
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "dlc-opt " DLC_VERSION " (LLVM " LLVM_VERSION_STRING ")\n";
  });

  auto [inputName, outputName] =
      mlir::registerAndParseCLIOptions(argc, argv, "dlc model optimizer driver", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = mlir::openInputFile(inputName, &error);
  if (!input) {
    llvm::errs() << "dlc-opt: " << error << "\n";
    return 1;
  }
  // Checked on a copy so the parser still gets the whole buffer.
  llvm::SourceMgr sourceMgr;
  unsigned bufferId = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(input->getBuffer(), input->getBufferIdentifier()),
      llvm::SMLoc());
  if (failed(dlc::checkModelText(sourceMgr, bufferId)))
    return 1;

  std::unique_ptr<llvm::ToolOutputFile> output = mlir::openOutputFile(outputName, &error);
  if (!output) {
    llvm::errs() << "dlc-opt: " << error << "\n";
    return 1;
  }
  if (failed(mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
