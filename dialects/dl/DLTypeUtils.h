// Shape arithmetic shared by the op verifiers and type inference.
#ifndef DLC_DIALECTS_DL_DLTYPEUTILS_H
#define DLC_DIALECTS_DL_DLTYPEUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/APFloat.h"
#include <optional>
#include <string>

namespace dlc::dl {

/// NumPy broadcasting of two shapes, or nullopt when a dimension pair is
/// neither equal nor 1.
std::optional<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                          llvm::ArrayRef<int64_t> b);

/// True when `from` broadcasts to exactly `to`.
bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

/// The number of elements of `shape`, or nullopt when it overflows int64.
std::optional<int64_t> checkedElementCount(llvm::ArrayRef<int64_t> shape);

/// Why `value` cannot be stored in a tensor of `element`: an integer type
/// needs a whole number in its range (0 or 1 for i1), a float type a value
/// that stays finite when rounded to it. nullopt when it fits.
std::optional<std::string> whyValueDoesNotFit(const llvm::APFloat &value, mlir::Type element);

/// The type quoted as a diagnostic prints it (`'tensor<4xf32>'`), so inferred
/// messages read like the verifiers'.
std::string str(mlir::Type type);
/// `[1, 2, 3]`.
std::string str(llvm::ArrayRef<int64_t> values);

/// A statically shaped ranked tensor, or null: inference leaves other types
/// to the operand constraints, which give the better message.
mlir::RankedTensorType staticTensor(mlir::Type type);

/// Reports an inference failure at `loc` as `'dl.<op>' op <message>`, the
/// same form as a verifier's message.
mlir::LogicalResult inferError(std::optional<mlir::Location> loc, llvm::StringRef opName,
                               const llvm::Twine &message);

/// Checks that every axis is in [0, rank) and none repeats.
mlir::LogicalResult checkAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                              llvm::function_ref<mlir::LogicalResult(const llvm::Twine &)> fail);

/// Result type of a broadcasting binary op: the broadcast shape, with
/// `resultElement` (or the operands' element type when null).
mlir::LogicalResult inferBroadcastResult(llvm::StringRef opName, std::optional<mlir::Location> loc,
                                         mlir::Type lhs, mlir::Type rhs, mlir::Type resultElement,
                                         llvm::SmallVectorImpl<mlir::Type> &results);

/// Result type of a reduction over `axes`.
mlir::LogicalResult inferReductionResult(llvm::StringRef opName, std::optional<mlir::Location> loc,
                                         mlir::Type input, llvm::ArrayRef<int64_t> axes,
                                         bool keepdims, llvm::SmallVectorImpl<mlir::Type> &results);

} // namespace dlc::dl

#endif // DLC_DIALECTS_DL_DLTYPEUTILS_H
