#include "dialects/dl/DLTypeUtils.h"

#include "llvm/ADT/APSInt.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace dlc::dl {

std::optional<int64_t> checkedElementCount(llvm::ArrayRef<int64_t> shape) {
  std::optional<int64_t> count = 1;
  for (int64_t size : shape)
    if (!(count = llvm::checkedMul(*count, size)))
      return std::nullopt;
  return count;
}

std::optional<std::string> whyValueDoesNotFit(const llvm::APFloat &value, Type element) {
  if (auto integer = dyn_cast<IntegerType>(element)) {
    unsigned width = integer.getWidth();
    bool isUnsigned = integer.isUnsigned() || width == 1;
    // -0.0 is a fine 0, though APFloat calls converting it inexact.
    if (value.isZero())
      return std::nullopt;
    llvm::APSInt result(width, isUnsigned);
    bool isExact = false;
    llvm::APFloat::opStatus status =
        value.convertToInteger(result, llvm::APFloat::rmTowardZero, &isExact);
    if (status == llvm::APFloat::opOK && isExact)
      return std::nullopt;
    if (width == 1)
      return std::string("expected 0 or 1");
    return "expected a whole number in [" +
           llvm::toString(llvm::APSInt::getMinValue(width, isUnsigned), 10, !isUnsigned) + ", " +
           llvm::toString(llvm::APSInt::getMaxValue(width, isUnsigned), 10, !isUnsigned) + "]";
  }
  llvm::APFloat rounded = value;
  bool losesInfo = false;
  rounded.convert(cast<FloatType>(element).getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven,
                  &losesInfo);
  if (rounded.isFinite())
    return std::nullopt;
  if (!value.isFinite())
    return std::string("it is not finite");
  return std::string("it rounds to ") + (rounded.isNegative() ? "-inf" : "+inf");
}

std::optional<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                          llvm::ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  llvm::SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    result[rank - 1 - i] = da == 1 ? db : da;
  }
  return result;
}

bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  auto shape = broadcastShapes(from, to);
  return shape && llvm::equal(*shape, to);
}

std::string str(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << type << "'";
  return s;
}

std::string str(llvm::ArrayRef<int64_t> values) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(values, os);
  os << "]";
  return s;
}

RankedTensorType staticTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() ? tensor : RankedTensorType();
}

LogicalResult inferError(std::optional<Location> loc, llvm::StringRef opName,
                         const llvm::Twine &message) {
  return emitOptionalError(loc, "'", opName, "' op ", message);
}

LogicalResult checkAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                        llvm::function_ref<LogicalResult(const llvm::Twine &)> fail) {
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= rank)
      return fail("axis " + llvm::Twine(axis) + " is out of range for rank " + llvm::Twine(rank));
    if (!seen.insert(axis).second)
      return fail("axis " + llvm::Twine(axis) + " is repeated");
  }
  return success();
}

} // namespace dlc::dl
