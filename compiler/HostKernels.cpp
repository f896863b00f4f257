#include "compiler/HostKernels.h"

#include "compiler/GpuTarget.h"
#include "passes/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

namespace dlc {
namespace {

struct Launch {
  int64_t grid = 1, block = 1;
};

/// A call of SIMT harness function `name` in place of `op`.
void callHarness(OpBuilder &b, ModuleOp host, Operation *op, StringRef name) {
  auto type = b.getFunctionType(op->getOperandTypes(), op->getResultTypes());
  if (!host.lookupSymbol<func::FuncOp>(name)) {
    OpBuilder top = OpBuilder::atBlockBegin(host.getBody());
    func::FuncOp::create(top, op->getLoc(), name, type).setPrivate();
  }
  b.setInsertionPoint(op);
  auto call = func::CallOp::create(b, op->getLoc(), name, op->getResultTypes(), op->getOperands());
  op->replaceAllUsesWith(call.getResults());
  op->erase();
}

/// The mapped kernels as host functions whose GPU ids, all_reduce and
/// barrier call the SIMT harness.
OwningOpRef<ModuleOp> simtFunctions(gpu::GPUModuleOp kernels) {
  OwningOpRef<ModuleOp> host = ModuleOp::create(kernels.getLoc());
  OpBuilder b(kernels.getContext());
  for (auto kernel : kernels.getOps<gpu::GPUFuncOp>()) {
    b.setInsertionPointToEnd(host->getBody());
    auto function =
        func::FuncOp::create(b, kernel.getLoc(), kernel.getName(), kernel.getFunctionType());
    function.getBody().takeBody(kernel.getBody());
    SmallVector<Operation *> gpuOps;
    function.walk([&](Operation *op) {
      if (op->getDialect() == kernel->getDialect())
        gpuOps.push_back(op);
    });
    for (Operation *op : gpuOps) {
      if (auto ret = dyn_cast<gpu::ReturnOp>(op)) {
        b.setInsertionPoint(ret);
        func::ReturnOp::create(b, ret.getLoc());
        ret.erase();
        continue;
      }
      std::string name;
      if (isa<gpu::ThreadIdOp>(op))
        name = "dlc_simt_thread_id";
      else if (isa<gpu::BlockIdOp>(op))
        name = "dlc_simt_block_id";
      else if (isa<gpu::BlockDimOp>(op))
        name = "dlc_simt_block_dim";
      else if (isa<gpu::GridDimOp>(op))
        name = "dlc_simt_grid_dim";
      else if (isa<gpu::BarrierOp>(op))
        name = "dlc_simt_barrier";
      else if (auto reduce = dyn_cast<gpu::AllReduceOp>(op)) {
        llvm::raw_string_ostream os(name);
        os << "dlc_simt_all_reduce_" << gpu::stringifyAllReduceOperation(*reduce.getOp()) << "_"
           << reduce.getType();
      }
      callHarness(b, *host, op, name);
    }
  }
  return host;
}

/// `void name(void **buffers)` for each kernel `name` of `llvmModule`
/// (renamed `name.body`), so a caller needs no per-kernel signature. With
/// `launches`, it launches `name.thread` (the same unpacking) on the SIMT
/// harness with the kernel's grid and block.
void addPackedEntries(llvm::Module &llvmModule, ArrayRef<std::string> names,
                      const llvm::StringMap<Launch> *launches) {
  llvm::LLVMContext &context = llvmModule.getContext();
  llvm::Type *pointer = llvm::PointerType::getUnqual(context);
  llvm::Type *i64 = llvm::Type::getInt64Ty(context);
  auto *entryType = llvm::FunctionType::get(llvm::Type::getVoidTy(context), {pointer}, false);
  llvm::FunctionCallee launch;
  if (launches)
    launch = llvmModule.getOrInsertFunction("dlc_simt_launch", llvm::Type::getVoidTy(context),
                                            pointer, pointer, i64, i64);
  for (const std::string &name : names) {
    llvm::Function *body = llvmModule.getFunction(name);
    body->setName(name + ".body");
    body->setLinkage(llvm::GlobalValue::InternalLinkage);
    auto *unpack = llvm::Function::Create(entryType,
                                          launches ? llvm::GlobalValue::InternalLinkage
                                                   : llvm::GlobalValue::ExternalLinkage,
                                          launches ? name + ".thread" : name, llvmModule);
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", unpack));
    SmallVector<llvm::Value *> buffers;
    for (unsigned i = 0; i < body->arg_size(); ++i)
      buffers.push_back(
          builder.CreateLoad(pointer, builder.CreateConstGEP1_64(pointer, unpack->getArg(0), i)));
    builder.CreateCall(body, buffers);
    builder.CreateRetVoid();
    if (!launches)
      continue;
    auto *entry =
        llvm::Function::Create(entryType, llvm::GlobalValue::ExternalLinkage, name, llvmModule);
    llvm::IRBuilder<> launcher(llvm::BasicBlock::Create(context, "entry", entry));
    Launch shape = launches->lookup(name);
    launcher.CreateCall(launch, {unpack, entry->getArg(0), launcher.getInt64(shape.grid),
                                 launcher.getInt64(shape.block)});
    launcher.CreateRetVoid();
  }
}

/// Each kernel's grid and block, from the commands that launch it.
llvm::StringMap<Launch> launchShapes(ModuleOp module) {
  llvm::StringMap<Launch> shapes;
  module.walk([&](Operation *command) {
    if (auto launches = command->getAttrOfType<ArrayAttr>(kGpuKernelsAttr))
      for (auto launch : launches.getAsRange<DictionaryAttr>())
        shapes[launch.getAs<StringAttr>("kernel").getValue()] = {
            launch.getAs<DenseI64ArrayAttr>("grid")[0],
            launch.getAs<DenseI64ArrayAttr>("block")[0]};
  });
  return shapes;
}

} // namespace

FailureOr<std::string> hostKernelObject(ModuleOp module, HostKernelForm form) {
  OwningOpRef<ModuleOp> copy = module.clone();
  PassManager passes(module.getContext());
  passes.addPass(createExecOutlineGpuKernels());
  if (form == HostKernelForm::Mapped)
    passes.addPass(createExecMapGpuKernels());
  if (failed(passes.run(*copy)))
    return failure();
  OwningOpRef<ModuleOp> host;
  llvm::StringMap<Launch> shapes;
  if (form == HostKernelForm::Mapped) {
    auto kernels = copy->lookupSymbol<gpu::GPUModuleOp>(kGpuKernelModuleName);
    if (!kernels)
      return std::string();
    host = simtFunctions(kernels);
    shapes = launchShapes(*copy);
  } else {
    auto kernels = copy->lookupSymbol<ModuleOp>(kGpuKernelModuleName);
    if (!kernels)
      return std::string();
    host = kernels.clone();
    (*host)->removeAttr(SymbolTable::getSymbolAttrName());
  }
  std::vector<std::string> names;
  for (auto function : host->getOps<func::FuncOp>())
    if (!function.isDeclaration())
      names.push_back(function.getName().str());
  if (failed(runPipeline(*host, "convert-linalg-to-loops,expand-strided-metadata,lower-affine,"
                                "convert-scf-to-cf,convert-math-to-libm,convert-math-to-llvm,"
                                "finalize-memref-to-llvm,convert-arith-to-llvm,"
                                "convert-cf-to-llvm,convert-func-to-llvm{"
                                "use-bare-ptr-memref-call-conv=true},convert-index-to-llvm,"
                                "reconcile-unrealized-casts")))
    return failure();

  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(*host, context, "kernels");
  if (!llvmModule)
    return module.emitError() << "cannot translate the host kernels to LLVM IR";
  addPackedEntries(*llvmModule, names, form == HostKernelForm::Mapped ? &shapes : nullptr);

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getProcessTriple(), error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(llvm::Triple(triple), error);
  if (!target)
    return module.emitError() << "no LLVM target for this machine: " << error;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      llvm::Triple(triple), "generic", "", llvm::TargetOptions(), llvm::Reloc::PIC_));
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(llvm::Triple(triple));
  SmallString<0> object;
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, stream, nullptr, llvm::CodeGenFileType::ObjectFile))
    return module.emitError() << "LLVM cannot emit an object file for " << triple;
  codegen.run(*llvmModule);
  return std::string(object.str());
}

} // namespace dlc
