// Elementwise ops: broadcasting inference, compare, select, cast.
#include "dialects/dl/DLDialect.h"
#include "dialects/dl/DLTypeUtils.h"

using namespace mlir;
using namespace dlc::dl;

namespace dlc::dl {

LogicalResult inferBroadcastResult(StringRef opName, std::optional<Location> loc, Type lhs,
                                   Type rhs, Type resultElement, SmallVectorImpl<Type> &results) {
  RankedTensorType a = staticTensor(lhs), b = staticTensor(rhs);
  if (!a || !b) {
    results.push_back(lhs);
    return success();
  }
  if (a.getElementType() != b.getElementType())
    return inferError(loc, opName,
                      "operands must have the same element type, got " + str(lhs) + " and " +
                          str(rhs));
  auto shape = broadcastShapes(a.getShape(), b.getShape());
  if (!shape)
    return inferError(loc, opName,
                      "operands are not broadcast-compatible: " + str(lhs) + " and " + str(rhs));
  results.push_back(
      RankedTensorType::get(*shape, resultElement ? resultElement : a.getElementType()));
  return success();
}

} // namespace dlc::dl

LogicalResult CompareOp::inferReturnTypes(MLIRContext *context, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &results) {
  return inferBroadcastResult(getOperationName(), loc, adaptor.getLhs().getType(),
                              adaptor.getRhs().getType(), IntegerType::get(context, 1), results);
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  if (failed(inferBroadcastResult(getOperationName(), loc, adaptor.getOnTrue().getType(),
                                  adaptor.getOnFalse().getType(), {}, results)))
    return failure();
  RankedTensorType cond = staticTensor(adaptor.getCondition().getType());
  RankedTensorType values = staticTensor(results.front());
  if (!cond || !values)
    return success();
  auto shape = broadcastShapes(cond.getShape(), values.getShape());
  if (!shape)
    return inferError(loc, getOperationName(),
                      "condition " + str(cond) + " is not broadcast-compatible with values " +
                          str(values));
  results.front() = RankedTensorType::get(*shape, values.getElementType());
  return success();
}

LogicalResult CastOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getShape() != out.getShape())
    return emitOpError() << "changes the shape from " << in << " to " << out
                         << "; a cast converts element types only";
  return success();
}
