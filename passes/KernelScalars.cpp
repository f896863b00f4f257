#include "passes/KernelScalars.h"

#include "dialects/dl/DLDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace dlc {
namespace {

bool isUnsigned(Type element) { return element.isUnsignedInteger() || element.isInteger(1); }

/// The value type ops compute on: signless integers, i1 for booleans.
Type computeType(Type element) {
  if (auto integer = dyn_cast<IntegerType>(element))
    return IntegerType::get(element.getContext(), integer.getWidth());
  return element;
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

/// Integer `value` of `element`'s width as a float of type `to`.
Value intToFloat(OpBuilder &b, Location loc, Value value, Type element, Type to) {
  if (isUnsigned(element))
    return arith::UIToFPOp::create(b, loc, to, value);
  return arith::SIToFPOp::create(b, loc, to, value);
}

/// Float `value` truncated toward zero into integer type `to` (signed
/// unless `toUnsigned`), saturating at the type's bounds, NaN to 0: what
/// the CPU backend stores, and what fptosi alone leaves undefined.
Value floatToInt(OpBuilder &b, Location loc, Value value, Type to, bool toUnsigned) {
  auto integer = cast<IntegerType>(to);
  unsigned width = integer.getWidth();
  Type floatType = value.getType();
  double low = toUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double high = toUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  APInt lowInt = toUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width);
  APInt highInt = toUnsigned ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width);
  Value converted = toUnsigned ? Value(arith::FPToUIOp::create(b, loc, to, value))
                               : Value(arith::FPToSIOp::create(b, loc, to, value));
  auto intConstant = [&](const APInt &v) {
    return arith::ConstantOp::create(b, loc, IntegerAttr::get(to, v));
  };
  Value atLow = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, value,
                                      floatConstant(b, loc, floatType, low));
  Value atHigh = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, value,
                                       floatConstant(b, loc, floatType, high));
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, value, value);
  Value result = arith::SelectOp::create(b, loc, atLow, intConstant(lowInt), converted);
  result = arith::SelectOp::create(b, loc, atHigh, intConstant(highInt), result);
  return arith::SelectOp::create(b, loc, isNan, intConstant(APInt::getZero(width)), result);
}

arith::CmpFPredicate floatPredicate(dl::CompareDirection direction) {
  switch (direction) {
  case dl::CompareDirection::eq:
    return arith::CmpFPredicate::OEQ;
  case dl::CompareDirection::ne:
    return arith::CmpFPredicate::UNE; // NaN != anything
  case dl::CompareDirection::lt:
    return arith::CmpFPredicate::OLT;
  case dl::CompareDirection::le:
    return arith::CmpFPredicate::OLE;
  case dl::CompareDirection::gt:
    return arith::CmpFPredicate::OGT;
  case dl::CompareDirection::ge:
    return arith::CmpFPredicate::OGE;
  }
  llvm_unreachable("unknown comparison");
}

arith::CmpIPredicate intPredicate(dl::CompareDirection direction, bool isUnsignedType) {
  switch (direction) {
  case dl::CompareDirection::eq:
    return arith::CmpIPredicate::eq;
  case dl::CompareDirection::ne:
    return arith::CmpIPredicate::ne;
  case dl::CompareDirection::lt:
    return isUnsignedType ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
  case dl::CompareDirection::le:
    return isUnsignedType ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle;
  case dl::CompareDirection::gt:
    return isUnsignedType ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
  case dl::CompareDirection::ge:
    return isUnsignedType ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge;
  }
  llvm_unreachable("unknown comparison");
}

} // namespace

Type storageType(Type element) {
  if (element.isInteger(1))
    return IntegerType::get(element.getContext(), 8);
  return computeType(element);
}

MemRefType kernelBufferType(Type type) {
  auto shaped = cast<ShapedType>(type);
  return MemRefType::get(shaped.getShape(), storageType(shaped.getElementType()));
}

Value loadedValue(OpBuilder &b, Location loc, Value stored, Type element) {
  if (element.isInteger(1))
    return arith::TruncIOp::create(b, loc, b.getI1Type(), stored);
  return stored;
}

Value storedValue(OpBuilder &b, Location loc, Value value, Type element) {
  if (element.isInteger(1))
    return arith::ExtUIOp::create(b, loc, b.getI8Type(), value);
  return value;
}

Value emitConstant(OpBuilder &b, Location loc, Type element, double value) {
  if (isa<FloatType>(element))
    return floatConstant(b, loc, element, value);
  Type type = computeType(element);
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, static_cast<int64_t>(value)));
}

Value emitCast(OpBuilder &b, Location loc, Value value, Type from, Type to) {
  Type target = computeType(to);
  if (from == to)
    return value;
  if (to.isInteger(1)) {
    if (isa<FloatType>(from))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   floatConstant(b, loc, from, 0.0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 arith::ConstantOp::create(b, loc, IntegerAttr::get(target, 0)));
  }
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, target, value);
    return arith::TruncFOp::create(b, loc, target, value);
  }
  if (isa<FloatType>(to))
    return intToFloat(b, loc, value, from, target);
  if (isa<FloatType>(from))
    return floatToInt(b, loc, value, target, isUnsigned(to));
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth == toWidth)
    return value;
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, target, value);
  if (isUnsigned(from))
    return arith::ExtUIOp::create(b, loc, target, value);
  return arith::ExtSIOp::create(b, loc, target, value);
}

Value emitElementwise(OpBuilder &b, Operation *op, ArrayRef<Value> operands) {
  Location loc = op->getLoc();
  Type element = getElementTypeOrSelf(op->getResult(0).getType());
  Type operandElement =
      op->getNumOperands() ? getElementTypeOrSelf(op->getOperand(0).getType()) : element;
  bool isFloat = isa<FloatType>(operandElement);
  bool isUnsignedType = isUnsigned(operandElement);
  Value x = operands.empty() ? Value() : operands[0];
  Value y = operands.size() > 1 ? operands[1] : Value();
  auto constant = [&](double value) { return floatConstant(b, loc, element, value); };
  // x `op` y with the op for the operands' kind: FloatOp for floats, else
  // SignedOp or UnsignedOp.
  auto binary = [&](auto floatOp, auto signedOp, auto unsignedOp) -> Value {
    using FloatOp = decltype(floatOp);
    using SignedOp = decltype(signedOp);
    using UnsignedOp = decltype(unsignedOp);
    if (isFloat)
      return FloatOp::create(b, loc, x, y);
    return isUnsignedType ? Value(UnsignedOp::create(b, loc, x, y))
                          : Value(SignedOp::create(b, loc, x, y));
  };
  return TypeSwitch<Operation *, Value>(op)
      .Case([&](dl::NegOp) -> Value {
        if (isFloat)
          return arith::NegFOp::create(b, loc, x);
        return arith::SubIOp::create(b, loc, emitConstant(b, loc, element, 0), x);
      })
      .Case([&](dl::AbsOp) -> Value {
        if (isFloat)
          return math::AbsFOp::create(b, loc, x);
        if (isUnsignedType)
          return x;
        return math::AbsIOp::create(b, loc, x);
      })
      .Case([&](dl::ExpOp) { return math::ExpOp::create(b, loc, x); })
      .Case([&](dl::LogOp) { return math::LogOp::create(b, loc, x); })
      .Case([&](dl::SqrtOp) { return math::SqrtOp::create(b, loc, x); })
      .Case([&](dl::RsqrtOp) {
        return arith::DivFOp::create(b, loc, constant(1.0), math::SqrtOp::create(b, loc, x));
      })
      .Case([&](dl::TanhOp) { return math::TanhOp::create(b, loc, x); })
      .Case([&](dl::SinOp) { return math::SinOp::create(b, loc, x); })
      .Case([&](dl::CosOp) { return math::CosOp::create(b, loc, x); })
      .Case([&](dl::SigmoidOp) {
        Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
        return arith::DivFOp::create(b, loc, constant(1.0),
                                     arith::AddFOp::create(b, loc, constant(1.0), e));
      })
      .Case([&](dl::ReluOp) -> Value {
        // x < 0 ? 0 : x, so NaN stays NaN.
        if (!isFloat) {
          Value zero = emitConstant(b, loc, element, 0);
          return arith::SelectOp::create(
              b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero), zero, x);
        }
        Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, constant(0.0));
        return arith::SelectOp::create(b, loc, negative, constant(0.0), x);
      })
      .Case([&](dl::GeluOp g) -> Value {
        Value half = arith::MulFOp::create(b, loc, constant(0.5), x);
        Value inner;
        if (g.getApproximate()) {
          // sqrt(2 / pi) * (x + 0.044715 x^3)
          Value cube = arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, x, x), x);
          Value sum = arith::AddFOp::create(
              b, loc, x, arith::MulFOp::create(b, loc, constant(0.044715), cube));
          inner = math::TanhOp::create(
              b, loc, arith::MulFOp::create(b, loc, constant(0.7978845608028654), sum));
        } else {
          inner =
              math::ErfOp::create(b, loc, arith::MulFOp::create(b, loc, x, constant(M_SQRT1_2)));
        }
        return arith::MulFOp::create(b, loc, half,
                                     arith::AddFOp::create(b, loc, constant(1.0), inner));
      })
      .Case([&](dl::GeluBackwardOp g) -> Value {
        auto mul = [&](Value a, Value c) { return arith::MulFOp::create(b, loc, a, c); };
        auto add = [&](Value a, Value c) { return arith::AddFOp::create(b, loc, a, c); };
        Value x2 = mul(x, x), slope;
        if (g.getApproximate()) {
          // (1 + t) / 2 + x (1 - t^2) k (1 + 3 c x^2) / 2, t = tanh(u),
          // u = k (x + c x^3); 1 + t and 1 - t^2 from e = e^{-2|u|}, which
          // do not cancel where t -> -1 (as the CPU's kernel computes them).
          const double k = 0.7978845608028654, c = 0.044715;
          Value u = mul(constant(k), add(x, mul(constant(c), mul(x2, x))));
          Value e =
              math::ExpOp::create(b, loc, mul(constant(-2.0), math::AbsFOp::create(b, loc, u)));
          Value inverse = arith::DivFOp::create(b, loc, constant(1.0), add(constant(1.0), e));
          Value negative =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, u, constant(0.0));
          Value onePlusT =
              mul(arith::SelectOp::create(b, loc, negative, mul(constant(2.0), e), constant(2.0)),
                  inverse);
          Value oneMinusT2 = mul(mul(constant(4.0), e), mul(inverse, inverse));
          Value dInner = mul(constant(k), add(constant(1.0), mul(constant(3 * c), x2)));
          slope = add(mul(constant(0.5), onePlusT),
                      mul(mul(constant(0.5), x), mul(oneMinusT2, dInner)));
        } else {
          // Phi(x) + x phi(x)
          Value cdf =
              mul(constant(0.5),
                  add(constant(1.0), math::ErfOp::create(b, loc, mul(x, constant(M_SQRT1_2)))));
          Value pdf = mul(constant(0.3989422804014327),
                          math::ExpOp::create(b, loc, mul(constant(-0.5), x2)));
          slope = add(cdf, mul(x, pdf));
        }
        return mul(y, slope);
      })
      .Case([&](dl::AddOp) { return binary(arith::AddFOp(), arith::AddIOp(), arith::AddIOp()); })
      .Case([&](dl::SubOp) { return binary(arith::SubFOp(), arith::SubIOp(), arith::SubIOp()); })
      .Case([&](dl::MulOp) { return binary(arith::MulFOp(), arith::MulIOp(), arith::MulIOp()); })
      .Case([&](dl::DivOp) { return binary(arith::DivFOp(), arith::DivSIOp(), arith::DivUIOp()); })
      .Case([&](dl::PowOp) { return math::PowFOp::create(b, loc, x, y); })
      .Case([&](dl::MaximumOp) { // NaN wins, as in NumPy
        return binary(arith::MaximumFOp(), arith::MaxSIOp(), arith::MaxUIOp());
      })
      .Case([&](dl::MinimumOp) {
        return binary(arith::MinimumFOp(), arith::MinSIOp(), arith::MinUIOp());
      })
      .Case([&](dl::CompareOp c) -> Value {
        if (isFloat)
          return arith::CmpFOp::create(b, loc, floatPredicate(c.getDirection()), x, y);
        return arith::CmpIOp::create(b, loc, intPredicate(c.getDirection(), isUnsignedType), x, y);
      })
      .Case([&](dl::SelectOp) { return arith::SelectOp::create(b, loc, x, y, operands[2]); })
      .Case([&](dl::CastOp) { return emitCast(b, loc, x, operandElement, element); })
      .Case([&](dl::BroadcastToOp) { return x; })
      .Default([](Operation *) { return Value(); });
}

} // namespace dlc
