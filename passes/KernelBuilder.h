// How a generated kernel's body is built (exec-outline-gpu-kernels): flat
// views of its buffers, index arithmetic, and the loop forms the GPU mapping
// (exec-map-gpu-kernels) recognizes: an scf.parallel over independent
// items, and in an item, loops marked as row loops or as reductions with
// their combining op.
#ifndef DLC_PASSES_KERNELBUILDER_H
#define DLC_PASSES_KERNELBUILDER_H

#include "dialects/exec/ExecDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

namespace dlc {

inline mlir::Type elementOf(mlir::Value buffer) {
  return llvm::cast<mlir::MemRefType>(buffer.getType()).getElementType();
}
inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value buffer) {
  return llvm::cast<mlir::MemRefType>(buffer.getType()).getShape();
}
inline int64_t countOf(mlir::Value buffer) {
  return llvm::cast<mlir::MemRefType>(buffer.getType()).getNumElements();
}

/// Row-major strides of `shape`, in elements.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// The buffers the GPU kernel of exec command `command` takes, in its
/// parameters' order: the command's inputs, then its outputs; for the ReLU
/// mask after a max pool gradient (a library call), the pooling's input,
/// then its output. `numInputs`, if given, gets how many the kernel only
/// reads.
llvm::SmallVector<mlir::Value> gpuKernelBuffers(mlir::Operation *command,
                                                unsigned *numInputs = nullptr);

/// Builds the body of one kernel function.
class KernelBuilder {
public:
  KernelBuilder(mlir::func::FuncOp function, mlir::Location loc);

  mlir::OpBuilder b;
  mlir::Location loc;

  /// An index constant, created once at the top of the function.
  mlir::Value index(int64_t value);
  /// Index arithmetic; adding 0, multiplying or dividing by 1 are free.
  mlir::Value add(mlir::Value x, mlir::Value y);
  mlir::Value mul(mlir::Value x, mlir::Value y);
  mlir::Value div(mlir::Value x, int64_t y);
  mlir::Value rem(mlir::Value x, int64_t y);
  /// The type an item kernel computes a dl float element type in: f16 and
  /// bf16 in f32 (warp shuffles and sums want 32 bits), others as they are.
  mlir::Type computeType(mlir::Type element);
  /// A float constant of `type`'s compute type.
  mlir::Value floatConst(mlir::Type type, double value);
  /// An index from an integer.
  mlir::Value toIndex(mlir::Value integer);
  /// 0 <= value < bound for an index or integer `value`, as i1.
  mlir::Value inRange(mlir::Value value, int64_t bound);

  /// `buffer` as a 1-D memref of all its elements.
  mlir::Value flat(mlir::Value buffer);
  /// Element `at` of flat view `view` of a buffer whose dl element type is
  /// `element`, in compute form (see KernelScalars.h; f16 and bf16 widened
  /// to f32); and the reverse (narrowed back).
  mlir::Value load(mlir::Value view, mlir::Value at, mlir::Type element);
  void store(mlir::Value value, mlir::Value view, mlir::Value at, mlir::Type element);
  /// The coordinates of flat index `flat` in `shape`.
  llvm::SmallVector<mlir::Value> delinearize(mlir::Value flat, llvm::ArrayRef<int64_t> shape);
  /// sum(coords[i] * strides[i]).
  mlir::Value offset(llvm::ArrayRef<mlir::Value> coords, llvm::ArrayRef<int64_t> strides);

  /// The kernel's items: an scf.parallel over [0, count) whose body `body`
  /// builds. Items are independent; the GPU spreads them over threads (a
  /// flat kernel) or blocks (a kernel with row loops).
  void items(int64_t count, llvm::function_ref<void(mlir::Value)> body);
  /// A loop over [0, count) in an item that writes elements of the item's
  /// row: on the GPU, the block's threads share it.
  void rowLoop(int64_t count, llvm::function_ref<void(mlir::Value)> body);
  /// A reduction over [0, count) in an item: `combine` (a gpu.all_reduce
  /// operation: add, maximumf, maxsi, maxui) of `identity` and each
  /// `term(j)`. On the GPU the block's threads each reduce a strided share
  /// and gpu.all_reduce joins them, so `identity` must be the combiner's
  /// identity.
  mlir::Value combineLoop(int64_t count, llvm::StringRef combine, mlir::Value identity,
                          llvm::function_ref<mlir::Value(mlir::Value)> term);
  /// A sequential loop over [lower, upper) with loop-carried `init` values;
  /// `body` returns the next values.
  mlir::ValueRange sequentialLoop(
      mlir::Value lower, int64_t upper, mlir::ValueRange init,
      llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::Value, mlir::ValueRange)> body);
  /// `cond ? then() : otherwise()` as scf.if yielding one value of `type`.
  mlir::Value choose(mlir::Value cond, mlir::Type type, llvm::function_ref<mlir::Value()> then,
                     llvm::function_ref<mlir::Value()> otherwise);

private:
  mlir::Value combineValues(llvm::StringRef combine, mlir::Value x, mlir::Value y);

  mlir::Block *entry;
  llvm::SmallDenseMap<int64_t, mlir::Value> indexConstants;
};

/// The identity of a max reduction over dl element type `element`, and its
/// combiner.
mlir::Value maxIdentity(KernelBuilder &k, mlir::Type element);
llvm::StringRef maxCombiner(mlir::Type element);

/// Creates the kernel function of a command, named after `base` (renamed if
/// taken), over the command's buffers, with an empty body.
using KernelFactory = llvm::function_ref<mlir::func::FuncOp(llvm::StringRef base)>;

/// The items form (scf) of exec.call `call`'s routine: pad, concat, reduce,
/// argmax, softmax, softmax_backward, layer_norm, layer_norm_backward,
/// embedding, dropout, softmax_cross_entropy, accuracy, mse_loss
/// (ItemKernels.cpp). Fails with a diagnostic for other routines.
mlir::FailureOr<mlir::func::FuncOp> buildItemKernel(dlc::exec::CallOp call,
                                                    KernelFactory newKernel);

} // namespace dlc

#endif // DLC_PASSES_KERNELBUILDER_H
