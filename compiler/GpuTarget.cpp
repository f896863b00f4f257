#include "compiler/GpuTarget.h"

#include "passes/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

using namespace mlir;

namespace dlc {

void registerGpuDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
}

void registerGpuPasses() { registerAllPasses(); }

std::optional<std::string> findLibdevice(StringRef given) {
  if (!given.empty())
    return llvm::sys::fs::exists(given) ? std::optional<std::string>(given.str()) : std::nullopt;
  SmallVector<std::string, 3> roots;
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (std::optional<std::string> value = llvm::sys::Process::GetEnv(variable))
      roots.push_back(*value);
  roots.push_back("/usr/local/cuda");
  for (const std::string &root : roots) {
    SmallString<128> path(root);
    llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::exists(path))
      return path.str().str();
  }
  return std::nullopt;
}

LogicalResult runPipeline(ModuleOp module, StringRef pipeline) {
  PassManager pm(module.getContext());
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return module.emitError() << "cannot parse the pass pipeline '" << pipeline << "'";
  return pm.run(module);
}

namespace {

/// Kernels index with 32-bit arithmetic (cheaper on the GPU: 64-bit
/// division is a software routine) when every buffer is small enough that
/// no index, nor an index plus the grid's stride, reaches 2^31.
constexpr int64_t kMax32BitElements = int64_t(1) << 30;

bool fitsIn32BitIndices(gpu::GPUModuleOp kernels) {
  bool fits = true;
  kernels.walk([&](gpu::GPUFuncOp function) {
    for (Type type : function.getArgumentTypes())
      fits &= cast<MemRefType>(type).getNumElements() < kMax32BitElements;
  });
  return fits;
}

/// math.sqrt as the correctly rounded sqrt.rn (as the CPU's std::sqrt):
/// convert-gpu-to-nvvm would call libdevice's __nv_sqrtf, which is the
/// approximate sqrt.approx unless the module asks for precise square roots.
void preciseSquareRoots(gpu::GPUModuleOp kernels) {
  kernels.getContext()->loadDialect<LLVM::LLVMDialect>();
  kernels.walk([](math::SqrtOp sqrt) {
    Type type = sqrt.getType();
    if (!type.isF64() && !type.isF32())
      return;
    StringRef intrinsic = type.isF64() ? "llvm.nvvm.sqrt.rn.d" : "llvm.nvvm.sqrt.rn.f";
    OpBuilder b(sqrt);
    auto root = LLVM::CallIntrinsicOp::create(b, sqrt.getLoc(), type, b.getStringAttr(intrinsic),
                                              sqrt.getOperand());
    sqrt.replaceAllUsesWith(root.getResult(0));
    sqrt.erase();
  });
}

/// Whether a lowered gpu.module calls libdevice (`__nv_*` functions).
bool needsLibdevice(gpu::GPUModuleOp kernels) {
  bool uses = false;
  kernels.walk([&](LLVM::LLVMFuncOp function) {
    uses |= function.isExternal() && function.getName().starts_with("__nv_");
  });
  return uses;
}

} // namespace

LogicalResult lowerGpuKernels(ModuleOp module, const std::optional<std::string> &libdevice) {
  PassManager pm(module.getContext());
  pm.addPass(createExecOutlineGpuKernels());
  pm.addPass(createExecMapGpuKernels());
  if (failed(pm.run(module)))
    return failure();
  auto kernels = module.lookupSymbol<gpu::GPUModuleOp>(kGpuKernelModuleName);
  if (!kernels)
    return success(); // nothing to generate
  preciseSquareRoots(kernels);
  std::string indexBits = fitsIn32BitIndices(kernels) ? "32" : "64";
  if (failed(runPipeline(module, "gpu.module(expand-strided-metadata,lower-affine,"
                                 "convert-scf-to-cf,convert-gpu-to-nvvm{"
                                 "use-bare-ptr-memref-call-conv=true index-bitwidth=" +
                                     indexBits +
                                     "},canonicalize,cse),"
                                     "reconcile-unrealized-casts")))
    return failure();
  std::string link;
  if (needsLibdevice(kernels)) {
    if (!libdevice)
      return module.emitError()
             << "the GPU kernels call math functions from libdevice, which was not found "
                "(give it with --libdevice, or install the CUDA toolkit: looked for "
                "nvvm/libdevice/libdevice.10.bc under $CUDA_HOME, $CUDA_PATH and "
                "/usr/local/cuda); or compile with --target cpu";
    link = " l=" + *libdevice;
  }
  return runPipeline(module, std::string("nvvm-attach-target{module=") +
                                 kGpuKernelModuleName.str() + " chip=" + kPtxChip +
                                 " features=" + kPtxFeatures + " O=3" + link +
                                 "},gpu-module-to-binary{format=isa}");
}

std::string ptxOf(ModuleOp module) {
  auto binary = module.lookupSymbol<gpu::BinaryOp>(kGpuKernelModuleName);
  if (!binary)
    return "";
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  return object.getObject().getValue().str();
}

} // namespace dlc
