// dlc's passes. Each is one file in passes/ with one lit test file in
// test/passes/.
#ifndef DLC_PASSES_PASSES_H
#define DLC_PASSES_PASSES_H

#include "dialects/dl/DLDialect.h"
#include "dialects/exec/ExecDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace dlc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// The GPU form of a command: an array of dictionaries, one per kernel it
/// launches (`kernel` name; after mapping also `grid`, `block`,
/// `shared_memory`).
inline constexpr llvm::StringLiteral kGpuKernelsAttr = "gpu_kernels";
/// The module (then gpu.module) holding the GPU kernels.
inline constexpr llvm::StringLiteral kGpuKernelModuleName = "gpu_kernels";
/// Marks of an item's loops in an outlined kernel: a loop writing the
/// item's row, and a reduction with its combining op (a gpu.all_reduce
/// operation name).
inline constexpr llvm::StringLiteral kRowLoopAttr = "dlc.row";
inline constexpr llvm::StringLiteral kCombineAttr = "dlc.combine";

/// Whether an exec.call routine is a library call on the GPU (cuBLASLt,
/// cuDNN) rather than a generated kernel.
bool isLibraryRoutine(llvm::StringRef routine);

/// Adds `name`, a public copy of `function` that also returns the gradient
/// of its first result with respect to each trainable parameter it depends
/// on (what dl-autodiff does for `loss`). Fails with a diagnostic where a
/// gradient cannot flow.
mlir::FailureOr<mlir::func::FuncOp>
buildGradientFunction(mlir::ModuleOp module, mlir::func::FuncOp function, llvm::StringRef name);

} // namespace dlc

#endif // DLC_PASSES_PASSES_H
