// dlc: the model compiler's command line. Each job is a subcommand with its
// own options and a run function: `check` reads, verifies and summarizes a
// model; `compile` turns it into an executable; `inspect` summarizes one.
#include "compiler/EmitExecutable.h"
#include "compiler/GpuTarget.h"
#include "compiler/HostKernels.h"
#include "compiler/InspectExecutable.h"
#include "compiler/ModelCheck.h"
#include "compiler/ModelImport.h"
#include "compiler/ModelSummary.h"
#include "compiler/Pipeline.h"

#include "dialects/dl/DLDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace {

cl::OptionCategory dlcCategory("dlc options");

cl::SubCommand checkCommand("check", "Verify a model and summarize its parameters and functions");
cl::opt<std::string> checkInput(cl::Positional, cl::Required, cl::desc("<model.mlir>"),
                                cl::value_desc("model file ('-' for stdin)"), cl::sub(checkCommand),
                                cl::cat(dlcCategory));

cl::SubCommand compileCommand("compile", "Compile a model to an executable (.fb)");
cl::opt<std::string> compileInput(cl::Positional, cl::Required, cl::desc("<model.mlir>"),
                                  cl::value_desc("model file ('-' for stdin)"),
                                  cl::sub(compileCommand), cl::cat(dlcCategory));
cl::opt<std::string> compileOutput("o", cl::desc("Output file ('-' for stdout)"),
                                   cl::value_desc("path"), cl::sub(compileCommand),
                                   cl::cat(dlcCategory));
enum class EmitKind { Executable, Mlir, Ptx, HostKernels, HostMappedKernels };
cl::opt<EmitKind> compileEmit(
    "emit", cl::desc("What to write"), cl::init(EmitKind::Executable),
    cl::values(clEnumValN(EmitKind::Executable, "fb", "the FlatBuffer executable (default)"),
               clEnumValN(EmitKind::Mlir, "mlir", "the planned exec IR, before serialization"),
               clEnumValN(EmitKind::Ptx, "ptx", "the PTX of the GPU kernels (--target cuda)"),
               clEnumValN(EmitKind::HostKernels, "host-kernels",
                          "the GPU kernels before their mapping to threads, compiled for this "
                          "CPU as an object file (for tests)"),
               clEnumValN(EmitKind::HostMappedKernels, "host-mapped-kernels",
                          "the GPU kernels mapped to blocks and threads, compiled for this CPU "
                          "as an object file whose threads a SIMT harness runs (for tests)")),
    cl::sub(compileCommand), cl::cat(dlcCategory));
enum class TargetKind { Cpu, Cuda, All };
cl::opt<TargetKind> compileTarget(
    "target", cl::desc("Where the executable runs"), cl::init(TargetKind::All),
    cl::values(clEnumValN(TargetKind::Cpu, "cpu", "the CPU only"),
               clEnumValN(TargetKind::Cuda, "cuda", "NVIDIA GPUs only (PTX for sm_80 and newer)"),
               clEnumValN(TargetKind::All, "all",
                          "both (default); the CPU only, with a warning, where no CUDA "
                          "toolkit's libdevice is found and the kernels need it")),
    cl::sub(compileCommand), cl::cat(dlcCategory));
cl::opt<std::string> compileLibdevice(
    "libdevice",
    cl::desc("libdevice.10.bc, the CUDA math library the GPU kernels link (default: found under "
             "$CUDA_HOME, $CUDA_PATH or /usr/local/cuda)"),
    cl::value_desc("path"), cl::sub(compileCommand), cl::cat(dlcCategory));
cl::opt<bool> compileStats("stats", cl::desc("Print the memory plan's arena sizes to stderr"),
                           cl::sub(compileCommand), cl::cat(dlcCategory));
cl::opt<bool> compileNoTrain(
    "no-train",
    cl::desc("Compile the model's functions only, without the train_step and eval entry points"),
    cl::sub(compileCommand), cl::cat(dlcCategory));
cl::opt<bool> compileGradients(
    "gradients",
    cl::desc("Add the loss_grad entry point: loss's results and every trainable parameter's "
             "gradient"),
    cl::sub(compileCommand), cl::cat(dlcCategory));

cl::SubCommand inspectCommand("inspect", "Summarize a compiled executable (.fb)");
cl::opt<std::string> inspectInput(cl::Positional, cl::Required, cl::desc("<model.fb>"),
                                  cl::sub(inspectCommand), cl::cat(dlcCategory));

/// A context with every dialect a model or its lowering uses; diagnostics
/// point at the source line without dumping the op.
std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  dlc::registerModelDialects(registry);
  dlc::registerGpuDialects(registry);
  auto context =
      std::make_unique<mlir::MLIRContext>(registry, mlir::MLIRContext::Threading::DISABLED);
  context->printOpOnDiagnostic(false);
  return context;
}

/// The default target: the GPU form is built where it can be; where it
/// cannot (no libdevice for the kernels' math, a kernel the GPU lowering
/// does not support), the reasons are printed as warnings and `module` is
/// left as it was, for the CPU target alone. Returns whether it was built.
bool lowerGpuKernelsOrWarn(mlir::OwningOpRef<mlir::ModuleOp> &module,
                           const std::optional<std::string> &libdevice) {
  mlir::OwningOpRef<mlir::ModuleOp> cpuOnly = module->clone();
  std::string reasons;
  {
    mlir::ScopedDiagnosticHandler collect(module->getContext(), [&](mlir::Diagnostic &diag) {
      if (diag.getSeverity() != mlir::DiagnosticSeverity::Error)
        return;
      llvm::raw_string_ostream os(reasons);
      if (auto loc = dyn_cast<mlir::FileLineColLoc>(diag.getLocation()))
        os << loc.getFilename().getValue() << ":" << loc.getLine() << ":" << loc.getColumn()
           << ": ";
      os << diag << "\n";
    });
    if (succeeded(dlc::lowerGpuKernels(*module, libdevice)))
      return true;
  }
  errs() << "dlc compile: warning: no GPU form; writing the CPU target only:\n" << reasons;
  module = std::move(cpuOnly);
  return false;
}

int runCompile() {
  if (compileOutput.empty()) {
    errs() << "dlc compile: name the output with -o PATH\n";
    return 1;
  }
  std::unique_ptr<mlir::MLIRContext> context = makeContext();
  SourceMgr sourceMgr;
  mlir::OwningOpRef<mlir::ModuleOp> module = dlc::importModel(compileInput, *context, sourceMgr);
  if (!module)
    return 1;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, context.get());
  dlc::PipelineOptions options;
  options.gradients = compileGradients;
  // A model with a loss and an optimizer is trainable: it gets train_step
  // and eval.
  options.training = !compileNoTrain &&
                     (*module)->hasAttr(dlc::dl::DLDialect::kOptimizerAttrName) &&
                     (*module).lookupSymbol<mlir::func::FuncOp>(dlc::kLossFunctionName);
  if (failed(dlc::lowerModel(*module, options)))
    return 1;
  if (compileStats)
    dlc::printMemoryStats(*module, errs());

  dlc::Targets targets;
  targets.cpu = compileTarget != TargetKind::Cuda;
  targets.cuda = compileTarget != TargetKind::Cpu;
  if (compileEmit == EmitKind::Ptx && compileTarget != TargetKind::Cuda) {
    errs() << "dlc compile: --emit=ptx needs --target cuda\n";
    return 1;
  }
  std::string hostObject;
  if (compileEmit == EmitKind::HostKernels || compileEmit == EmitKind::HostMappedKernels) {
    FailureOr<std::string> object = dlc::hostKernelObject(
        *module, compileEmit == EmitKind::HostKernels ? dlc::HostKernelForm::Unmapped
                                                      : dlc::HostKernelForm::Mapped);
    if (failed(object))
      return 1;
    hostObject = std::move(*object);
  } else if (targets.cuda) {
    std::optional<std::string> libdevice = dlc::findLibdevice(compileLibdevice);
    if (compileTarget == TargetKind::Cuda) {
      if (failed(dlc::lowerGpuKernels(*module, libdevice)))
        return 1;
    } else if (!lowerGpuKernelsOrWarn(module, libdevice)) {
      targets.cuda = false;
    }
  }

  std::string error;
  auto output = mlir::openOutputFile(compileOutput, &error);
  if (!output) {
    errs() << "dlc compile: " << error << "\n";
    return 1;
  }
  if (compileEmit == EmitKind::Mlir) {
    module->print(output->os());
    output->os() << "\n";
  } else if (compileEmit == EmitKind::Ptx) {
    output->os() << dlc::ptxOf(*module);
  } else if (compileEmit == EmitKind::HostKernels || compileEmit == EmitKind::HostMappedKernels) {
    output->os() << hostObject;
  } else {
    FailureOr<std::vector<uint8_t>> bytes = dlc::emitExecutable(*module, compileInput, targets);
    if (failed(bytes))
      return 1;
    output->os().write(reinterpret_cast<const char *>(bytes->data()), bytes->size());
  }
  output->os().flush();
  if (output->os().has_error()) {
    errs() << "dlc compile: cannot write '" << compileOutput
           << "': " << output->os().error().message() << "\n";
    output->os().clear_error();
    return 1;
  }
  output->keep();
  return 0;
}

int runInspect() {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file = MemoryBuffer::getFile(inspectInput);
  if (std::error_code error = file.getError()) {
    errs() << "dlc: cannot open '" << inspectInput << "': " << error.message() << "\n";
    return 1;
  }
  StringRef data = (*file)->getBuffer();
  std::vector<uint8_t> bytes(data.begin(), data.end());
  return dlc::inspectExecutable(inspectInput, bytes, outs(), errs()) ? 0 : 1;
}

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
  dlc::registerGpuPasses();
  cl::HideUnrelatedOptions(dlcCategory);
  cl::SetVersionPrinter(
      [](raw_ostream &os) { os << "dlc " DLC_VERSION " (LLVM " LLVM_VERSION_STRING ")\n"; });
  cl::ParseCommandLineOptions(argc, argv,
                              "dlc: compiles deep-learning models written in the dl dialect\n");
  if (checkCommand)
    return runCheck();
  if (compileCommand)
    return runCompile();
  if (inspectCommand)
    return runInspect();
  errs() << "dlc: expected a subcommand; run 'dlc --help' for the list\n";
  return 1;
}
