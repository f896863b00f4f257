// Shape ops and reductions: verifiers and result-type inference.
#include "dialects/dl/DLDialect.h"
#include "dialects/dl/DLTypeUtils.h"

#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <limits>

using namespace mlir;
using namespace dlc::dl;

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError() << "changes the element type from " << in << " to " << out;
  std::optional<int64_t> inCount = checkedElementCount(in.getShape());
  std::optional<int64_t> outCount = checkedElementCount(out.getShape());
  if (!inCount || !outCount)
    return emitOpError() << "the element count of " << (inCount ? out : in) << " overflows";
  if (*inCount != *outCount)
    return emitOpError() << "cannot reshape " << in << " (" << *inCount << " elements) to " << out
                         << " (" << *outCount << " elements)";
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  RankedTensorType in = staticTensor(adaptor.getInput().getType());
  if (!in) {
    results.push_back(adaptor.getInput().getType());
    return success();
  }
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != in.getRank())
    return inferError(loc, getOperationName(),
                      "perm " + str(perm) + " has " + Twine(perm.size()) +
                          " entries for an input of rank " + Twine(in.getRank()));
  auto fail = [&](const Twine &message) {
    return inferError(loc, getOperationName(), "perm " + str(perm) + ": " + message);
  };
  if (failed(checkAxes(perm, in.getRank(), fail)))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t axis : perm)
    shape.push_back(in.getDimSize(axis));
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult BroadcastToOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError() << "changes the element type from " << in << " to " << out;
  if (!broadcastsTo(in.getShape(), out.getShape()))
    return emitOpError() << "cannot broadcast " << in << " to " << out;
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return inferError(loc, getOperationName(), "needs at least one input");
  RankedTensorType first = staticTensor(inputs.front().getType());
  if (!first) {
    results.push_back(inputs.front().getType());
    return success();
  }
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return inferError(loc, getOperationName(),
                      "axis " + Twine(axis) + " is out of range for rank " +
                          Twine(first.getRank()));
  SmallVector<int64_t> shape(first.getShape());
  for (auto [index, value] : llvm::enumerate(inputs.drop_front())) {
    RankedTensorType type = staticTensor(value.getType());
    if (!type) {
      results.push_back(first);
      return success();
    }
    bool sameOtherDims = type.getRank() == first.getRank();
    for (int64_t d = 0; sameOtherDims && d < first.getRank(); ++d)
      sameOtherDims = d == axis || type.getDimSize(d) == first.getDimSize(d);
    if (type.getElementType() != first.getElementType() || !sameOtherDims)
      return inferError(loc, getOperationName(),
                        "input #" + Twine(index + 1) + " " + str(type) +
                            " does not match input #0 " + str(first) + " outside axis " +
                            Twine(axis));
    std::optional<int64_t> size = llvm::checkedAdd(shape[axis], type.getDimSize(axis));
    if (!size)
      return inferError(loc, getOperationName(),
                        "the joined size along axis " + Twine(axis) + " overflows");
    shape[axis] = *size;
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  RankedTensorType in = staticTensor(adaptor.getInput().getType());
  if (!in) {
    results.push_back(adaptor.getInput().getType());
    return success();
  }
  int64_t rank = in.getRank();
  ArrayRef<int64_t> starts = adaptor.getStarts(), limits = adaptor.getLimits();
  SmallVector<int64_t> strides(rank, 1);
  if (auto given = adaptor.getStrides())
    strides.assign(given->begin(), given->end());
  if (static_cast<int64_t>(starts.size()) != rank || static_cast<int64_t>(limits.size()) != rank ||
      static_cast<int64_t>(strides.size()) != rank)
    return inferError(loc, getOperationName(),
                      "starts, limits and strides need " + Twine(rank) +
                          " entries each (the input's rank)");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (strides[d] <= 0)
      return inferError(loc, getOperationName(),
                        "stride " + Twine(strides[d]) + " in dimension " + Twine(d) +
                            " must be positive");
    if (starts[d] < 0 || starts[d] > limits[d] || limits[d] > in.getDimSize(d))
      return inferError(loc, getOperationName(),
                        "window [" + Twine(starts[d]) + ", " + Twine(limits[d]) +
                            ") in dimension " + Twine(d) + " is not within [0, " +
                            Twine(in.getDimSize(d)) + "]");
    if (starts[d] == limits[d])
      return inferError(loc, getOperationName(),
                        "window [" + Twine(starts[d]) + ", " + Twine(limits[d]) +
                            ") in dimension " + Twine(d) + " is empty");
    // ceil(extent / stride), without the overflow of extent + stride - 1.
    int64_t extent = limits[d] - starts[d];
    shape.push_back(extent / strides[d] + (extent % strides[d] != 0));
  }
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  RankedTensorType in = staticTensor(adaptor.getInput().getType());
  if (!in) {
    results.push_back(adaptor.getInput().getType());
    return success();
  }
  ArrayRef<int64_t> low = adaptor.getLow(), high = adaptor.getHigh();
  if (static_cast<int64_t>(low.size()) != in.getRank() ||
      static_cast<int64_t>(high.size()) != in.getRank())
    return inferError(loc, getOperationName(),
                      "low and high need " + Twine(in.getRank()) +
                          " entries each (the input's rank)");
  SmallVector<int64_t> shape(in.getShape());
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (low[d] < 0 || high[d] < 0)
      return inferError(loc, getOperationName(),
                        "padding of dimension " + Twine(d) + " must be non-negative");
    std::optional<int64_t> size = llvm::checkedAdd(shape[d], low[d]);
    if (size)
      size = llvm::checkedAdd(*size, high[d]);
    if (!size)
      return inferError(loc, getOperationName(),
                        "the padded size of dimension " + Twine(d) + " overflows");
    shape[d] = *size;
  }
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult PadOp::verify() {
  std::optional<APFloat> value = getValue();
  if (!value)
    return success();
  Type element = getInput().getType().getElementType();
  if (std::optional<std::string> problem = whyValueDoesNotFit(*value, element))
    return emitOpError() << "value " << value->convertToDouble() << " does not fit " << element
                         << ": " << *problem;
  return success();
}

namespace dlc::dl {

LogicalResult inferReductionResult(StringRef opName, std::optional<Location> loc, Type input,
                                   ArrayRef<int64_t> axes, bool keepdims,
                                   SmallVectorImpl<Type> &results) {
  RankedTensorType in = staticTensor(input);
  if (!in) {
    results.push_back(input);
    return success();
  }
  auto fail = [&](const Twine &message) { return inferError(loc, opName, message); };
  if (axes.empty())
    return fail("needs at least one axis");
  if (failed(checkAxes(axes, in.getRank(), fail)))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      shape.push_back(in.getDimSize(d));
    else if (keepdims)
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

} // namespace dlc::dl

LogicalResult ArgmaxOp::verify() {
  auto in = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError() << "axis " << axis << " is out of range for rank " << in.getRank();
  SmallVector<int64_t> expected(in.getShape());
  expected.erase(expected.begin() + axis);
  if (getResult().getType().getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "result " << getResult().getType() << " should have shape "
                         << str(expected) << " (the input without axis " << axis << ")";
  Type index = getResult().getType().getElementType();
  if (index.isInteger(32) && in.getDimSize(axis) > std::numeric_limits<int32_t>::max())
    return emitOpError() << "an i32 result cannot index axis " << axis << " of " << in << " ("
                         << in.getDimSize(axis) << " elements); use i64";
  return success();
}
