// Serializes a lowered and planned module (dl.param declarations, exec
// entry points and kernels) to the FlatBuffer executable the runtime loads.
#ifndef DLC_COMPILER_EMITEXECUTABLE_H
#define DLC_COMPILER_EMITEXECUTABLE_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <vector>

namespace dlc {

/// Which forms of each entry point the executable holds: the CPU's
/// commands and kernel programs, and the CUDA target (the module must have
/// been through lowerGpuKernels).
struct Targets {
  bool cpu = true;
  bool cuda = false;
};

/// The executable's bytes, or a diagnostic at the op that cannot be
/// represented. `sourcePath` is recorded as the model file.
mlir::FailureOr<std::vector<uint8_t>>
emitExecutable(mlir::ModuleOp module, llvm::StringRef sourcePath, Targets targets = {});

} // namespace dlc

#endif // DLC_COMPILER_EMITEXECUTABLE_H
