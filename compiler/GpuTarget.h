// The `cuda` target: the generated kernels of every entry point lowered to
// one PTX module, and the host build of the same kernels the tests run.
#ifndef DLC_COMPILER_GPUTARGET_H
#define DLC_COMPILER_GPUTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"

#include <optional>
#include <string>

namespace dlc {

/// The dialects, interfaces and translations the GPU lowering builds and
/// the upstream passes it runs.
void registerGpuDialects(mlir::DialectRegistry &registry);
void registerGpuPasses();

/// The PTX's target: the chip it is compiled for (the driver JIT-compiles
/// it for newer GPUs) and its PTX ISA version.
inline constexpr const char *kPtxChip = "sm_80";
inline constexpr const char *kPtxFeatures = "+ptx80";

/// libdevice (the CUDA toolkit's math library, LLVM bitcode): `given` if
/// not empty, else under $CUDA_HOME, $CUDA_PATH or /usr/local/cuda; nullopt
/// if there is none.
std::optional<std::string> findLibdevice(llvm::StringRef given = "");

/// Outlines and maps the GPU kernels of a planned exec module
/// (exec-outline-gpu-kernels, exec-map-gpu-kernels), lowers them to NVVM
/// and serializes them to PTX: the module then holds `gpu.binary
/// @gpu_kernels` and each command its launches. Math functions link
/// `libdevice`; without one, kernels that need it fail with a diagnostic.
mlir::LogicalResult lowerGpuKernels(mlir::ModuleOp module,
                                    const std::optional<std::string> &libdevice);

/// The PTX text of a module lowerGpuKernels ran on ("" when the model has
/// no generated kernels).
std::string ptxOf(mlir::ModuleOp module);

/// Runs a textual pass pipeline on `module`.
mlir::LogicalResult runPipeline(mlir::ModuleOp module, llvm::StringRef pipeline);

} // namespace dlc

#endif // DLC_COMPILER_GPUTARGET_H
