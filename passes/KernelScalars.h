// Scalar code for generated kernels: how a dl elementwise op computes one
// element with arith and math ops, and how elements are read from and
// written to buffers. Shared by the GPU kernel passes.
#ifndef DLC_PASSES_KERNELSCALARS_H
#define DLC_PASSES_KERNELSCALARS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace dlc {

/// The element type a kernel buffer stores `element` as: unsigned integers
/// become signless (arith has no unsigned types) and i1 a byte, as in the
/// executable's buffers.
mlir::Type storageType(mlir::Type element);

/// `type` (a memref or tensor) as a kernel argument: the same shape, the
/// storage element type, identity layout.
mlir::MemRefType kernelBufferType(mlir::Type type);

/// A stored element as the value ops compute on (a byte to i1 for
/// booleans).
mlir::Value loadedValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stored,
                        mlir::Type element);
/// The reverse: the value to store for `element` (i1 to a byte).
mlir::Value storedValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                        mlir::Type element);

/// One element of dl elementwise op `op` from its operands' elements (in
/// their compute form, see loadedValue); null for ops that are not
/// elementwise.
mlir::Value emitElementwise(mlir::OpBuilder &b, mlir::Operation *op,
                            mlir::ArrayRef<mlir::Value> operands);

/// `value` of dl element type `from` converted as dl.cast does to `to`:
/// floats round, float to integer truncates toward zero saturating (NaN to
/// 0), anything to i1 is `!= 0`.
mlir::Value emitCast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, mlir::Type from,
                     mlir::Type to);

/// A scalar constant of dl element type `element` (in compute form).
mlir::Value emitConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type element, double value);

} // namespace dlc

#endif // DLC_PASSES_KERNELSCALARS_H
