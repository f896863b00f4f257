// dlc: the model compiler's command line. Each job is a subcommand with its
// own options and a run function; `check` reads, verifies and summarizes a
// model.
#include "compiler/ModelImport.h"
#include "compiler/ModelSummary.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace {

cl::OptionCategory dlcCategory("dlc options");

cl::SubCommand checkCommand("check", "Verify a model and summarize its parameters and functions");
cl::opt<std::string> checkInput(cl::Positional, cl::Required, cl::desc("<model.mlir>"),
                                cl::value_desc("model file ('-' for stdin)"), cl::sub(checkCommand),
                                cl::cat(dlcCategory));

int runCheck() {
  mlir::DialectRegistry registry;
  dlc::registerModelDialects(registry);
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  // The error's source line says where; a dump of the generic op form does not help a reader.
  context.printOpOnDiagnostic(false);
  SourceMgr sourceMgr;
  mlir::OwningOpRef<mlir::ModuleOp> module = dlc::importModel(checkInput, context, sourceMgr);
  if (!module)
    return 1;
  StringRef stem = checkInput == "-" ? StringRef("model") : sys::path::stem(checkInput);
  dlc::printModelSummary(*module, stem, outs());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(dlcCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "dlc: compiles deep-learning models written in the dl dialect\n");
  if (checkCommand)
    return runCheck();
  errs() << "dlc: expected a subcommand; run 'dlc --help' for the list\n";
  return 1;
}
