#include "passes/KernelBuilder.h"

#include "passes/KernelScalars.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;

namespace dlc {

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

SmallVector<Value> gpuKernelBuffers(Operation *command, unsigned *numInputs) {
  SmallVector<Value> buffers;
  ValueRange ins, outs;
  if (auto call = dyn_cast<exec::CallOp>(command)) {
    ins = call.getIns();
    outs = call.getOuts();
    if (isLibraryRoutine(call.getCallee())) {
      ins = ins.take_front(1);
      outs = outs.take_front(1);
    }
  } else if (auto launch = dyn_cast<exec::LaunchOp>(command)) {
    ins = launch.getIns();
    outs = launch.getOuts();
  }
  buffers.append(ins.begin(), ins.end());
  buffers.append(outs.begin(), outs.end());
  if (numInputs)
    *numInputs = ins.size();
  return buffers;
}

KernelBuilder::KernelBuilder(func::FuncOp function, Location loc)
    : b(OpBuilder::atBlockBegin(&function.getBody().front())), loc(loc),
      entry(&function.getBody().front()) {}

Value KernelBuilder::index(int64_t value) {
  Value &constant = indexConstants[value];
  if (!constant) {
    OpBuilder top = OpBuilder::atBlockBegin(entry);
    constant = arith::ConstantIndexOp::create(top, loc, value);
  }
  return constant;
}

Value KernelBuilder::add(Value x, Value y) {
  if (matchPattern(y, m_Zero()))
    return x;
  if (matchPattern(x, m_Zero()))
    return y;
  return arith::AddIOp::create(b, loc, x, y);
}

Value KernelBuilder::mul(Value x, Value y) {
  if (matchPattern(y, m_One()))
    return x;
  return arith::MulIOp::create(b, loc, x, y);
}

Value KernelBuilder::div(Value x, int64_t y) {
  return y == 1 ? x : Value(arith::DivUIOp::create(b, loc, x, index(y)));
}

Value KernelBuilder::rem(Value x, int64_t y) {
  return y == 1 ? index(0) : Value(arith::RemUIOp::create(b, loc, x, index(y)));
}

Type KernelBuilder::computeType(Type element) {
  if (element.isF16() || element.isBF16())
    return b.getF32Type();
  return element;
}

Value KernelBuilder::floatConst(Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(computeType(type), value));
}

Value KernelBuilder::flat(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1)
    return buffer;
  auto flatType = MemRefType::get({type.getNumElements()}, type.getElementType());
  return memref::ReinterpretCastOp::create(b, loc, flatType, buffer, 0, {type.getNumElements()},
                                           {1});
}

Value KernelBuilder::load(Value view, Value at, Type element) {
  Value value = loadedValue(b, loc, memref::LoadOp::create(b, loc, view, ValueRange{at}), element);
  if (computeType(element) != element)
    value = arith::ExtFOp::create(b, loc, computeType(element), value);
  return value;
}

void KernelBuilder::store(Value value, Value view, Value at, Type element) {
  if (value.getType() != element && isa<FloatType>(element))
    value = arith::TruncFOp::create(b, loc, element, value);
  memref::StoreOp::create(b, loc, storedValue(b, loc, value, element), view, ValueRange{at});
}

SmallVector<Value> KernelBuilder::delinearize(Value flat, ArrayRef<int64_t> shape) {
  SmallVector<Value> coords(shape.size());
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    coords[i] = i == 0 ? flat : rem(flat, shape[i]);
    if (i > 0)
      flat = div(flat, shape[i]);
  }
  return coords;
}

Value KernelBuilder::offset(ArrayRef<Value> coords, ArrayRef<int64_t> strides) {
  Value result = index(0);
  for (auto [coord, stride] : llvm::zip(coords, strides))
    result = add(result, mul(coord, index(stride)));
  return result;
}

void KernelBuilder::items(int64_t count, function_ref<void(Value)> body) {
  auto loop = scf::ParallelOp::create(b, loc, ValueRange{index(0)}, ValueRange{index(count)},
                                      ValueRange{index(1)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVars()[0]);
}

void KernelBuilder::rowLoop(int64_t count, function_ref<void(Value)> body) {
  auto loop = scf::ForOp::create(b, loc, index(0), index(count), index(1));
  loop->setAttr(kRowLoopAttr, b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVar());
}

Value KernelBuilder::combineLoop(int64_t count, StringRef combine, Value identity,
                                 function_ref<Value(Value)> term) {
  auto loop = scf::ForOp::create(b, loc, index(0), index(count), index(1), ValueRange{identity});
  loop->setAttr(kCombineAttr, b.getStringAttr(combine));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value acc = loop.getRegionIterArgs()[0];
  Value next = combineValues(combine, acc, term(loop.getInductionVar()));
  scf::YieldOp::create(b, loc, next);
  return loop.getResult(0);
}

ValueRange KernelBuilder::sequentialLoop(Value lower, int64_t upper, ValueRange init,
                                         function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto loop = scf::ForOp::create(b, loc, lower, index(upper), index(1), init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  scf::YieldOp::create(b, loc, body(loop.getInductionVar(), loop.getRegionIterArgs()));
  return loop.getResults();
}

Value KernelBuilder::combineValues(StringRef combine, Value x, Value y) {
  if (combine == "add")
    return isa<FloatType>(x.getType()) ? Value(arith::AddFOp::create(b, loc, x, y))
                                       : Value(arith::AddIOp::create(b, loc, x, y));
  if (combine == "maximumf")
    return arith::MaximumFOp::create(b, loc, x, y);
  if (combine == "maxsi")
    return arith::MaxSIOp::create(b, loc, x, y);
  assert(combine == "maxui" && "unknown combiner");
  return arith::MaxUIOp::create(b, loc, x, y);
}

Value KernelBuilder::choose(Value cond, Type type, function_ref<Value()> then,
                            function_ref<Value()> otherwise) {
  auto branch = scf::IfOp::create(b, loc, TypeRange{type}, cond, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(b, loc, then());
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  scf::YieldOp::create(b, loc, otherwise());
  return branch.getResult(0);
}

Value KernelBuilder::inRange(Value value, int64_t bound) {
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(value.getType(), 0));
  Value limit = arith::ConstantOp::create(b, loc, b.getIntegerAttr(value.getType(), bound));
  return arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, value, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, value, limit));
}

Value KernelBuilder::toIndex(Value integer) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
}

Value maxIdentity(KernelBuilder &k, Type element) {
  if (isa<FloatType>(element))
    return k.floatConst(element, -std::numeric_limits<double>::infinity());
  unsigned width = element.getIntOrFloatBitWidth();
  APInt lowest =
      element.isUnsignedInteger() ? APInt::getMinValue(width) : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(k.b, k.loc, IntegerAttr::get(storageType(element), lowest));
}

StringRef maxCombiner(Type element) {
  return isa<FloatType>(element) ? "maximumf" : element.isUnsignedInteger() ? "maxui" : "maxsi";
}

} // namespace dlc
