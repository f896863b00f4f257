// The CUDA target of the executable: the PTX, its kernels' launch records,
// and each entry point's GPU commands (EmitExecutable.cpp writes the rest).
#ifndef DLC_COMPILER_EMITGPU_H
#define DLC_COMPILER_EMITGPU_H

#include "executable_generated.h"

#include "mlir/IR/BuiltinOps.h"

namespace dlc {

class GpuEmitter {
public:
  GpuEmitter(flatbuffers::FlatBufferBuilder &builder, mlir::ModuleOp module)
      : builder(builder), module(module) {}

  /// The GpuLaunch commands of exec command `op` (its `gpu_kernels`), in
  /// order, located at `location`; `bufferOf` gives each operand's buffer
  /// index and its size in bytes.
  mlir::LogicalResult
  emitLaunches(mlir::Operation &op, int32_t location,
               llvm::function_ref<std::pair<uint32_t, uint64_t>(mlir::Value)> bufferOf,
               std::vector<flatbuffers::Offset<fb::Command>> &commands);

  /// The CudaTarget table: the module's PTX and every kernel launched.
  flatbuffers::Offset<fb::CudaTarget> finish();

private:
  flatbuffers::FlatBufferBuilder &builder;
  mlir::ModuleOp module;
  std::vector<flatbuffers::Offset<fb::GpuKernel>> kernels;
  llvm::StringMap<uint32_t> kernelIndex;
  llvm::StringMap<std::vector<uint64_t>> kernelParameters;
};

} // namespace dlc

#endif // DLC_COMPILER_EMITGPU_H
