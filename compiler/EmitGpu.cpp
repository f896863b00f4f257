#include "compiler/EmitGpu.h"

#include "compiler/GpuTarget.h"
#include "passes/KernelBuilder.h"
#include "passes/Passes.h"

using namespace mlir;

namespace dlc {

LogicalResult GpuEmitter::emitLaunches(Operation &op, int32_t location,
                                       function_ref<std::pair<uint32_t, uint64_t>(Value)> bufferOf,
                                       std::vector<flatbuffers::Offset<fb::Command>> &commands) {
  auto launches = op.getAttrOfType<ArrayAttr>(kGpuKernelsAttr);
  if (!launches)
    return success();
  unsigned numInputs = 0;
  SmallVector<Value> operands = gpuKernelBuffers(&op, &numInputs);
  for (auto launch : launches.getAsRange<DictionaryAttr>()) {
    StringRef name = launch.getAs<StringAttr>("kernel").getValue();
    auto grid = launch.getAs<DenseI64ArrayAttr>("grid");
    auto block = launch.getAs<DenseI64ArrayAttr>("block");
    auto shared = launch.getAs<IntegerAttr>("shared_memory");
    if (!grid || !block || !shared)
      return op.emitOpError() << "has GPU kernels without launch shapes; run "
                                 "exec-map-gpu-kernels first";
    fb::GpuLaunchT t;
    std::vector<uint64_t> bytes;
    for (Value operand : operands) {
      auto [index, size] = bufferOf(operand);
      t.buffers.push_back(index);
      bytes.push_back(size);
    }
    auto [it, inserted] = kernelIndex.try_emplace(name, kernels.size());
    if (inserted) {
      std::vector<uint32_t> gridDims(grid.asArrayRef().begin(), grid.asArrayRef().end());
      std::vector<uint32_t> blockDims(block.asArrayRef().begin(), block.asArrayRef().end());
      kernels.push_back(fb::CreateGpuKernelDirect(builder, name.str().c_str(), &gridDims,
                                                  &blockDims, shared.getInt(), &bytes, numInputs));
      kernelParameters[name] = bytes;
    } else if (kernelParameters[name] != bytes) {
      return op.emitOpError() << "launches GPU kernel '" << name
                              << "' with buffers of other sizes than before";
    }
    t.kernel = it->second;
    fb::OpUnion payload;
    payload.Set(std::move(t));
    commands.push_back(fb::CreateCommand(builder, payload.type, payload.Pack(builder), location));
  }
  return success();
}

flatbuffers::Offset<fb::CudaTarget> GpuEmitter::finish() {
  std::string ptx = ptxOf(module);
  return fb::CreateCudaTargetDirect(builder, kPtxChip, ptx.c_str(), &kernels);
}

} // namespace dlc
