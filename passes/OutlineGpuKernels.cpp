// exec-outline-gpu-kernels: each command the GPU runs as a generated kernel
// becomes a function over its buffers, in linalg (elementwise maps,
// copies, transposes, slices) or in scf loops (the rest).
#include "passes/KernelScalars.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <limits>

namespace dlc {
#define GEN_PASS_DEF_EXECOUTLINEGPUKERNELS
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

Type elementOf(Value buffer) { return cast<MemRefType>(buffer.getType()).getElementType(); }
ArrayRef<int64_t> shapeOf(Value buffer) { return cast<MemRefType>(buffer.getType()).getShape(); }
int64_t countOf(Value buffer) { return cast<MemRefType>(buffer.getType()).getNumElements(); }

/// Row-major strides of `shape`, in elements.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Builds the body of one kernel function: index arithmetic, flat views of
/// its buffers, and the loop forms the GPU mapping recognizes.
class KernelBuilder {
public:
  KernelBuilder(func::FuncOp function, Location loc)
      : b(OpBuilder::atBlockBegin(&function.getBody().front())), loc(loc),
        entry(&function.getBody().front()) {}

  OpBuilder b;
  Location loc;

  /// An index constant, created once at the top of the function.
  Value index(int64_t value) {
    Value &constant = indexConstants[value];
    if (!constant) {
      OpBuilder top = OpBuilder::atBlockBegin(entry);
      constant = arith::ConstantIndexOp::create(top, loc, value);
    }
    return constant;
  }
  Value add(Value x, Value y) {
    if (matchPattern(y, m_Zero()))
      return x;
    if (matchPattern(x, m_Zero()))
      return y;
    return arith::AddIOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) {
    if (matchPattern(y, m_One()))
      return x;
    return arith::MulIOp::create(b, loc, x, y);
  }
  Value div(Value x, int64_t y) {
    return y == 1 ? x : Value(arith::DivUIOp::create(b, loc, x, index(y)));
  }
  Value rem(Value x, int64_t y) {
    return y == 1 ? index(0) : Value(arith::RemUIOp::create(b, loc, x, index(y)));
  }
  Value floatConst(Type type, double value) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  }

  /// `buffer` as a 1-D memref of all its elements.
  Value flat(Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    if (type.getRank() == 1)
      return buffer;
    auto flatType = MemRefType::get({type.getNumElements()}, type.getElementType());
    return memref::ReinterpretCastOp::create(b, loc, flatType, buffer, 0,
                                             {type.getNumElements()}, {1});
  }

  /// Element `at` of flat view `view` of a buffer whose dl element type is
  /// `element`, in compute form.
  Value load(Value view, Value at, Type element) {
    return loadedValue(b, loc, memref::LoadOp::create(b, loc, view, ValueRange{at}), element);
  }
  void store(Value value, Value view, Value at, Type element) {
    memref::StoreOp::create(b, loc, storedValue(b, loc, value, element), view, ValueRange{at});
  }

  /// The coordinates of flat index `flat` in `shape`.
  SmallVector<Value> delinearize(Value flat, ArrayRef<int64_t> shape) {
    SmallVector<Value> coords(shape.size());
    for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
      coords[i] = i == 0 ? flat : rem(flat, shape[i]);
      if (i > 0)
        flat = div(flat, shape[i]);
    }
    return coords;
  }

  /// sum(coords[i] * strides[i]).
  Value offset(ArrayRef<Value> coords, ArrayRef<int64_t> strides) {
    Value result = index(0);
    for (auto [coord, stride] : llvm::zip(coords, strides))
      result = add(result, mul(coord, index(stride)));
    return result;
  }

  /// The kernel's items: an scf.parallel over [0, count) whose body `body`
  /// builds. Items are independent; the GPU spreads them over threads (a
  /// flat kernel) or blocks (a kernel with row loops).
  void items(int64_t count, function_ref<void(Value)> body) {
    auto loop = scf::ParallelOp::create(b, loc, ValueRange{index(0)}, ValueRange{index(count)},
                                        ValueRange{index(1)});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVars()[0]);
  }

  /// A loop over [0, count) in an item that writes elements of the item's
  /// row: on the GPU, the block's threads share it.
  void rowLoop(int64_t count, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, index(0), index(count), index(1));
    loop->setAttr(kRowLoopAttr, b.getUnitAttr());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  }

  /// A reduction over [0, count) in an item: `combine` of `identity` and
  /// each `term(j)`. On the GPU the block's threads each reduce a strided
  /// share and gpu.all_reduce `combine` joins them, so `identity` must be
  /// the combiner's identity.
  Value combineLoop(int64_t count, StringRef combine, Value identity,
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

  /// A sequential loop with loop-carried `init` values; `body` returns the
  /// next values.
  ValueRange sequentialLoop(Value lower, int64_t upper, ValueRange init,
                            function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(b, loc, lower, index(upper), index(1), init);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    scf::YieldOp::create(b, loc, body(loop.getInductionVar(), loop.getRegionIterArgs()));
    return loop.getResults();
  }

  Value combineValues(StringRef combine, Value x, Value y) {
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

  /// `cond ? then() : otherwise()` as scf.if yielding one value of `type`.
  Value choose(Value cond, Type type, function_ref<Value()> then, function_ref<Value()> otherwise) {
    auto branch = scf::IfOp::create(b, loc, TypeRange{type}, cond, /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    scf::YieldOp::create(b, loc, then());
    b.setInsertionPointToStart(&branch.getElseRegion().front());
    scf::YieldOp::create(b, loc, otherwise());
    return branch.getResult(0);
  }

  /// 0 <= value < bound for an index or integer `value`.
  Value inRange(Value value, int64_t bound) {
    Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(value.getType(), 0));
    Value limit = arith::ConstantOp::create(b, loc, b.getIntegerAttr(value.getType(), bound));
    return arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, value, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, value, limit));
  }

  Value toIndex(Value integer) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
  }

private:
  Block *entry;
  llvm::SmallDenseMap<int64_t, Value> indexConstants;
};

/// The identity of a max reduction over `element`.
Value maxIdentity(KernelBuilder &k, Type element) {
  if (isa<FloatType>(element))
    return k.floatConst(element, -std::numeric_limits<double>::infinity());
  unsigned width = element.getIntOrFloatBitWidth();
  APInt lowest = element.isUnsignedInteger() ? APInt::getMinValue(width)
                                             : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(k.b, k.loc, IntegerAttr::get(storageType(element), lowest));
}

StringRef maxCombiner(Type element) {
  return isa<FloatType>(element) ? "maximumf" : element.isUnsignedInteger() ? "maxui" : "maxsi";
}

/// Outlines the commands of one module.
class Outliner {
public:
  Outliner(ModuleOp module, ModuleOp kernels) : module(module), kernels(kernels), table(kernels) {}

  LogicalResult outline(Operation *command) {
    if (auto launch = dyn_cast<exec::LaunchOp>(command))
      return outlineLaunch(launch);
    auto call = dyn_cast<exec::CallOp>(command);
    if (!call)
      return success();
    StringRef routine = call.getCallee();
    if (isLibraryRoutine(routine)) {
      // cuDNN's pooling gradient has no ReLU mask: a kernel applies it.
      if (routine == "pool2d_backward")
        if (auto mask = call->getAttrOfType<BoolAttr>("relu_mask"); mask && mask.getValue())
          return attach(call, {reluMask(call)});
      return success();
    }
    FailureOr<func::FuncOp> kernel = outlineCall(call);
    if (failed(kernel))
      return failure();
    return attach(call, {*kernel});
  }

private:
  LogicalResult attach(Operation *command, ArrayRef<func::FuncOp> functions) {
    Builder b(command->getContext());
    SmallVector<Attribute> launches;
    for (func::FuncOp function : functions)
      launches.push_back(
          b.getDictionaryAttr({b.getNamedAttr("kernel", b.getStringAttr(function.getName()))}));
    command->setAttr(kGpuKernelsAttr, b.getArrayAttr(launches));
    return success();
  }

  /// A kernel function named after `base` taking `buffers` in order.
  func::FuncOp newKernel(StringRef base, ValueRange buffers, Location loc) {
    SmallVector<Type> types;
    for (Value buffer : buffers)
      types.push_back(kernelBufferType(buffer.getType()));
    OpBuilder b = OpBuilder::atBlockEnd(kernels.getBody());
    auto function = func::FuncOp::create(b, loc, base, b.getFunctionType(types, {}));
    table.insert(function); // renamed if taken
    Block *body = function.addEntryBlock();
    b.setInsertionPointToEnd(body);
    func::ReturnOp::create(b, loc);
    return function;
  }

  static SmallVector<Value> operandsOf(Operation *command) {
    if (auto call = dyn_cast<exec::CallOp>(command)) {
      SmallVector<Value> all(call.getIns());
      all.append(call.getOuts().begin(), call.getOuts().end());
      return all;
    }
    auto launch = cast<exec::LaunchOp>(command);
    SmallVector<Value> all(launch.getIns());
    all.append(launch.getOuts().begin(), launch.getOuts().end());
    return all;
  }

  //===--------------------------------------------------------------------===//
  // linalg kernels
  //===--------------------------------------------------------------------===//

  /// The map reading an operand of `shape` broadcast (NumPy rules) to an
  /// iteration space of `space`.
  static AffineMap broadcastMap(ArrayRef<int64_t> shape, ArrayRef<int64_t> space,
                                MLIRContext *context) {
    SmallVector<AffineExpr> results;
    size_t lead = space.size() - shape.size();
    for (auto [i, dim] : llvm::enumerate(shape))
      results.push_back(dim == 1 && space[lead + i] != 1 ? getAffineConstantExpr(0, context)
                                                         : getAffineDimExpr(lead + i, context));
    return AffineMap::get(space.size(), 0, results, context);
  }

  /// A linalg.generic over `space` (every iterator parallel) reading `ins`
  /// through `maps` and writing `outs` (identity maps); `body` gets the
  /// loaded elements of ins then outs (in compute form) and returns the
  /// values to store.
  void generic(KernelBuilder &k, ValueRange ins, ArrayRef<AffineMap> maps, ValueRange outs,
               ArrayRef<Type> elements,
               function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
    ArrayRef<int64_t> space = shapeOf(outs.front());
    SmallVector<AffineMap> allMaps(maps);
    for (size_t i = 0; i < outs.size(); ++i)
      allMaps.push_back(AffineMap::getMultiDimIdentityMap(space.size(), k.b.getContext()));
    SmallVector<utils::IteratorType> iterators(space.size(), utils::IteratorType::parallel);
    linalg::GenericOp::create(
        k.b, k.loc, TypeRange{}, ins, outs, allMaps, iterators,
        [&](OpBuilder &b, Location loc, ValueRange stored) {
          SmallVector<Value> loaded;
          for (auto [value, element] : llvm::zip(stored, elements))
            loaded.push_back(loadedValue(b, loc, value, element));
          SmallVector<Value> results = body(b, loc, loaded);
          for (Value value : loaded) // an output's element the body did not read
            if (Operation *conversion = value.getDefiningOp(); conversion && value.use_empty())
              conversion->erase();
          SmallVector<Value> toStore;
          for (auto [value, element] : llvm::zip(results, elements.drop_front(ins.size())))
            toStore.push_back(storedValue(b, loc, value, element));
          linalg::YieldOp::create(b, loc, toStore);
        });
  }

  static SmallVector<Type> dlElements(ValueRange buffers) {
    SmallVector<Type> elements;
    for (Value buffer : buffers)
      elements.push_back(elementOf(buffer));
    return elements;
  }

  /// A fused elementwise kernel: the exec.kernel's dl ops, element by
  /// element, as one linalg.generic.
  LogicalResult outlineLaunch(exec::LaunchOp launch) {
    auto source = module.lookupSymbol<exec::KernelOp>(launch.getKernelAttr());
    if (!source)
      return launch.emitOpError() << "names no exec.kernel";
    SmallVector<Value> buffers = operandsOf(launch);
    func::FuncOp function = newKernel(source.getSymName(), buffers, launch.getLoc());
    KernelBuilder k(function, launch.getLoc());
    ValueRange args = function.getArguments();
    ValueRange ins = args.take_front(launch.getIns().size());
    ValueRange outs = args.drop_front(launch.getIns().size());
    ArrayRef<int64_t> space = shapeOf(outs.front());
    SmallVector<AffineMap> maps;
    for (Value in : launch.getIns())
      maps.push_back(broadcastMap(shapeOf(in), space, k.b.getContext()));
    Block &body = source.getBody().front();
    LogicalResult result = success();
    generic(k, ins, maps, outs, dlElements(buffers),
            [&](OpBuilder &b, Location loc, ValueRange loaded) {
              IRMapping values;
              for (auto [argument, value] : llvm::zip(body.getArguments(), loaded))
                values.map(argument, value);
              for (Operation &op : body.without_terminator()) {
                Value scalar;
                if (auto constant = dyn_cast<dl::ConstantOp>(op)) {
                  auto splat = cast<SplatElementsAttr>(constant.getValue());
                  Type element = splat.getElementType();
                  scalar = isa<FloatType>(element)
                               ? emitConstant(b, loc, element,
                                              splat.getSplatValue<APFloat>().convertToDouble())
                               : Value(arith::ConstantOp::create(
                                     b, loc,
                                     IntegerAttr::get(
                                         b.getIntegerType(element.getIntOrFloatBitWidth()),
                                         splat.getSplatValue<APInt>())));
                } else {
                  SmallVector<Value> operands;
                  for (Value operand : op.getOperands())
                    operands.push_back(values.lookup(operand));
                  scalar = emitElementwise(b, &op, operands);
                }
                if (!scalar) {
                  result = op.emitOpError() << "has no GPU kernel form";
                  scalar = values.lookup(op.getOperand(0));
                }
                values.map(op.getResult(0), scalar);
              }
              SmallVector<Value> results;
              for (Value yielded : body.getTerminator()->getOperands())
                results.push_back(values.lookup(yielded));
              return results;
            });
    if (failed(result))
      return failure();
    return attach(launch, {function});
  }

  /// output = input, element by element, with another shape over the same
  /// elements (`copy`) or permuted (`transpose`).
  func::FuncOp mapKernel(exec::CallOp call, StringRef name, AffineMap inputMap) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel(name, buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Value in = function.getArgument(0), out = function.getArgument(1);
    generic(k, {in}, {inputMap}, {out}, dlElements(buffers),
            [](OpBuilder &, Location, ValueRange loaded) {
              return SmallVector<Value>{loaded[0]};
            });
    return function;
  }

  /// output = the strided window of the input starting at `starts`: a
  /// copy from a memref.subview.
  func::FuncOp sliceKernel(exec::CallOp call, ArrayRef<int64_t> starts,
                           ArrayRef<int64_t> strides) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("slice", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    ArrayRef<int64_t> shape = shapeOf(buffers[1]);
    Value window = memref::SubViewOp::create(k.b, k.loc, function.getArgument(0), starts, shape,
                                             strides);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(shape.size(), call.getContext());
    generic(k, {window}, {identity}, {function.getArgument(1)}, dlElements(buffers),
            [](OpBuilder &, Location, ValueRange loaded) {
              return SmallVector<Value>{loaded[0]};
            });
    return function;
  }

  func::FuncOp copyKernel(exec::CallOp call) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("copy", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
    MLIRContext *context = call.getContext();
    generic(k, {in}, {AffineMap::getMultiDimIdentityMap(1, context)}, {out}, dlElements(buffers),
            [](OpBuilder &, Location, ValueRange loaded) {
              return SmallVector<Value>{loaded[0]};
            });
    return function;
  }

  /// The pooling gradient's ReLU mask, applied after cuDNN's gradient:
  /// output = input > 0 ? output : +0.
  func::FuncOp reluMask(exec::CallOp call) {
    SmallVector<Value> buffers{call.getIns()[0], call.getOuts()[0]};
    func::FuncOp function = newKernel("pool2d_backward_relu_mask", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    MLIRContext *context = call.getContext();
    generic(k, {function.getArgument(0)},
            {AffineMap::getMultiDimIdentityMap(shapeOf(buffers[0]).size(), context)},
            {function.getArgument(1)}, {element, element},
            [&](OpBuilder &b, Location loc, ValueRange loaded) {
              Value zero = emitConstant(b, loc, element, 0.0);
              Value positive =
                  arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, loaded[0], zero);
              return SmallVector<Value>{
                  arith::SelectOp::create(b, loc, positive, loaded[1], zero).getResult()};
            });
    return function;
  }

  //===--------------------------------------------------------------------===//
  // scf kernels
  //===--------------------------------------------------------------------===//

  FailureOr<func::FuncOp> outlineCall(exec::CallOp call) {
    StringRef routine = call.getCallee();
    MLIRContext *context = call.getContext();
    auto ints = [&](StringRef name) {
      return cast<DenseI64ArrayAttr>(call->getAttr(name)).asArrayRef();
    };
    auto i64 = [&](StringRef name) { return cast<IntegerAttr>(call->getAttr(name)).getInt(); };
    auto f64 = [&](StringRef name) {
      return cast<FloatAttr>(call->getAttr(name)).getValueAsDouble();
    };
    if (routine == "copy") {
      if (elementOf(call.getIns()[0]) != elementOf(call.getOuts()[0]))
        return call.emitOpError() << "copies between element types";
      return copyKernel(call);
    }
    if (routine == "transpose") {
      ArrayRef<int64_t> perm = ints("perm");
      SmallVector<AffineExpr> results(perm.size());
      for (auto [d, source] : llvm::enumerate(perm))
        results[source] = getAffineDimExpr(d, context);
      return mapKernel(call, "transpose", AffineMap::get(perm.size(), 0, results, context));
    }
    if (routine == "slice")
      return sliceKernel(call, ints("starts"), ints("strides"));
    if (routine == "pad")
      return padKernel(call, ints("low"), f64("value"));
    if (routine == "concat")
      return concatKernel(call, i64("axis"));
    if (routine == "reduce")
      return reduceKernel(call, cast<StringAttr>(call->getAttr("kind")).getValue(), ints("axes"));
    if (routine == "argmax")
      return argmaxKernel(call, i64("axis"));
    if (routine == "softmax")
      return softmaxKernel(call, i64("axis"), cast<BoolAttr>(call->getAttr("log")).getValue());
    if (routine == "layer_norm")
      return layerNormKernel(call, i64("axis"), f64("epsilon"));
    if (routine == "embedding")
      return embeddingKernel(call);
    if (routine == "dropout")
      return dropoutKernel(call);
    if (routine == "softmax_cross_entropy")
      return crossEntropyKernel(call);
    if (routine == "accuracy")
      return accuracyKernel(call);
    if (routine == "mse_loss")
      return mseKernel(call, cast<StringAttr>(call->getAttr("reduction")).getValue());
    return call.emitOpError() << "routine '" << routine << "' has no GPU form";
  }

  /// The input at output coordinates minus `low`, or `value` outside it.
  func::FuncOp padKernel(exec::CallOp call, ArrayRef<int64_t> low, double value) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("pad", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    ArrayRef<int64_t> inShape = shapeOf(buffers[0]), outShape = shapeOf(buffers[1]);
    Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
    k.items(countOf(buffers[1]), [&](Value item) {
      SmallVector<Value> coords = k.delinearize(item, outShape);
      Value inside = arith::ConstantIntOp::create(k.b, k.loc, 1, 1);
      SmallVector<Value> source;
      for (auto [coord, shift, dim] : llvm::zip(coords, low, inShape)) {
        Value shifted = arith::SubIOp::create(k.b, k.loc, coord, k.index(shift));
        inside = arith::AndIOp::create(k.b, k.loc, inside, k.inRange(shifted, dim));
        source.push_back(shifted);
      }
      Value result = k.choose(
          inside, storageType(element),
          [&] { return memref::LoadOp::create(k.b, k.loc, in, k.offset(source, stridesOf(inShape)))
                    .getResult(); },
          [&] { return storedValue(k.b, k.loc, emitConstant(k.b, k.loc, element, value), element); });
      memref::StoreOp::create(k.b, k.loc, result, out, ValueRange{item});
    });
    return function;
  }

  /// Each output element from the input whose span along `axis` holds it.
  func::FuncOp concatKernel(exec::CallOp call, int64_t axis) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("concat", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    size_t inputs = call.getIns().size();
    Value out = k.flat(function.getArgument(inputs));
    ArrayRef<int64_t> outShape = shapeOf(buffers.back());
    Type stored = storageType(elementOf(buffers.back()));
    SmallVector<Value> views;
    for (size_t i = 0; i < inputs; ++i)
      views.push_back(k.flat(function.getArgument(i)));
    k.items(countOf(buffers.back()), [&](Value item) {
      SmallVector<Value> coords = k.delinearize(item, outShape);
      // Input i covers [start_i, start_i + size_i) along the axis.
      std::function<Value(size_t, int64_t)> from = [&](size_t i, int64_t start) -> Value {
        ArrayRef<int64_t> shape = shapeOf(buffers[i]);
        auto read = [&, i, start, shape]() -> Value {
          SmallVector<Value> local(coords);
          local[axis] = arith::SubIOp::create(k.b, k.loc, coords[axis], k.index(start));
          return memref::LoadOp::create(k.b, k.loc, views[i], k.offset(local, stridesOf(shape)));
        };
        if (i + 1 == inputs)
          return read();
        Value before = arith::CmpIOp::create(k.b, k.loc, arith::CmpIPredicate::ult, coords[axis],
                                             k.index(start + shape[axis]));
        return k.choose(before, stored, read, [&, i, start, shape] {
          return from(i + 1, start + shape[axis]);
        });
      };
      memref::StoreOp::create(k.b, k.loc, from(0, 0), out, ValueRange{item});
    });
    return function;
  }

  /// One item per output element; the reduced elements are its row.
  func::FuncOp reduceKernel(exec::CallOp call, StringRef kind, ArrayRef<int64_t> axes) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("reduce_" + kind.str(), buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    ArrayRef<int64_t> shape = shapeOf(buffers[0]);
    SmallVector<int64_t> strides = stridesOf(shape);
    SmallVector<int64_t> keptShape, keptStrides, reducedShape, reducedStrides;
    for (auto [d, dim] : llvm::enumerate(shape)) {
      bool reduced = llvm::is_contained(axes, static_cast<int64_t>(d));
      (reduced ? reducedShape : keptShape).push_back(dim);
      (reduced ? reducedStrides : keptStrides).push_back(strides[d]);
    }
    int64_t rowLength = 1;
    for (int64_t dim : reducedShape)
      rowLength *= dim;
    Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
    k.items(countOf(buffers[1]), [&](Value item) {
      Value base = k.offset(k.delinearize(item, keptShape), keptStrides);
      auto term = [&](Value j) {
        return k.load(in, k.add(base, k.offset(k.delinearize(j, reducedShape), reducedStrides)),
                      element);
      };
      bool isMax = kind == "max";
      Value identity = isMax ? maxIdentity(k, element) : emitConstant(k.b, k.loc, element, 0);
      Value total = k.combineLoop(rowLength, isMax ? maxCombiner(element) : "add", identity, term);
      if (kind == "mean") {
        Value count = emitConstant(k.b, k.loc, element, static_cast<double>(rowLength));
        total = isa<FloatType>(element) ? Value(arith::DivFOp::create(k.b, k.loc, total, count))
                                        : Value(arith::DivSIOp::create(k.b, k.loc, total, count));
      }
      k.store(total, out, item, element);
    });
    return function;
  }

  /// A line along `axis`: `outer * inner` lines of `size` elements `inner`
  /// apart.
  struct Lines {
    int64_t outer = 1, size = 1, inner = 1;
    Value start(KernelBuilder &k, Value line) const {
      return k.add(k.mul(k.div(line, inner), k.index(size * inner)), k.rem(line, inner));
    }
    Value at(KernelBuilder &k, Value start, Value i) const {
      return k.add(start, k.mul(i, k.index(inner)));
    }
  };
  static Lines linesOf(ArrayRef<int64_t> shape, int64_t axis) {
    Lines lines;
    for (auto [d, dim] : llvm::enumerate(shape)) {
      if (static_cast<int64_t>(d) < axis)
        lines.outer *= dim;
      else if (static_cast<int64_t>(d) == axis)
        lines.size = dim;
      else
        lines.inner *= dim;
    }
    return lines;
  }

  /// Index of the first maximum of `size` values from `start`, `inner`
  /// apart; a NaN counts as the maximum (the first NaN wins), as in NumPy.
  Value firstMax(KernelBuilder &k, Value view, const Lines &lines, Value start, Type element) {
    Value first = k.load(view, start, element);
    ValueRange best = k.sequentialLoop(
        k.index(1), lines.size, ValueRange{k.index(0), first},
        [&](Value i, ValueRange carried) -> SmallVector<Value> {
          Value value = k.load(view, lines.at(k, start, i), element);
          Value top = carried[1];
          Value better;
          if (isa<FloatType>(element)) {
            Value topIsNan =
                arith::CmpFOp::create(k.b, k.loc, arith::CmpFPredicate::UNO, top, top);
            Value wins = arith::CmpFOp::create(k.b, k.loc, arith::CmpFPredicate::UGT, value, top);
            better = arith::AndIOp::create(
                k.b, k.loc, wins,
                arith::XOrIOp::create(k.b, k.loc, topIsNan,
                                      arith::ConstantIntOp::create(k.b, k.loc, 1, 1)));
          } else {
            better = arith::CmpIOp::create(k.b, k.loc,
                                           element.isUnsignedInteger() ? arith::CmpIPredicate::ugt
                                                                       : arith::CmpIPredicate::sgt,
                                           value, top);
          }
          return {arith::SelectOp::create(k.b, k.loc, better, i, carried[0]),
                  arith::SelectOp::create(k.b, k.loc, better, value, top)};
        });
    return best[0];
  }

  func::FuncOp argmaxKernel(exec::CallOp call, int64_t axis) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("argmax", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]), indexType = elementOf(buffers[1]);
    Lines lines = linesOf(shapeOf(buffers[0]), axis);
    Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
    k.items(lines.outer * lines.inner, [&](Value line) {
      Value best = firstMax(k, in, lines, lines.start(k, line), element);
      memref::StoreOp::create(k.b, k.loc,
                              arith::IndexCastOp::create(k.b, k.loc, indexType, best), out,
                              ValueRange{line});
    });
    return function;
  }

  /// softmax: exp(x - max) / sum; log-softmax: (x - max) - log(sum), with
  /// sum = sum(exp(x - max)) over the line.
  func::FuncOp softmaxKernel(exec::CallOp call, int64_t axis, bool log) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel(log ? "log_softmax" : "softmax", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    Lines lines = linesOf(shapeOf(buffers[0]), axis);
    Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
    k.items(lines.outer * lines.inner, [&](Value line) {
      Value start = lines.start(k, line);
      auto x = [&](Value i) { return k.load(in, lines.at(k, start, i), element); };
      Value max = k.combineLoop(lines.size, "maximumf", maxIdentity(k, element), x);
      auto shifted = [&](Value i) { return arith::SubFOp::create(k.b, k.loc, x(i), max); };
      Value sum = k.combineLoop(lines.size, "add", k.floatConst(element, 0.0), [&](Value i) {
        return math::ExpOp::create(k.b, k.loc, shifted(i));
      });
      Value logSum = log ? Value(math::LogOp::create(k.b, k.loc, sum)) : Value();
      k.rowLoop(lines.size, [&](Value i) {
        Value y = log ? Value(arith::SubFOp::create(k.b, k.loc, shifted(i), logSum))
                      : Value(arith::DivFOp::create(
                            k.b, k.loc, math::ExpOp::create(k.b, k.loc, shifted(i)), sum));
        k.store(y, out, lines.at(k, start, i), element);
      });
    });
    return function;
  }

  /// (x - mean) / sqrt(var + epsilon) * scale + offset over dims axis..,
  /// the variance biased, in two passes (mean first).
  func::FuncOp layerNormKernel(exec::CallOp call, int64_t axis, double epsilon) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("layer_norm", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    int64_t width = 1;
    for (int64_t dim : shapeOf(buffers[0]).drop_front(axis))
      width *= dim;
    Value in = k.flat(function.getArgument(0)), scale = k.flat(function.getArgument(1)),
          offset = k.flat(function.getArgument(2)), out = k.flat(function.getArgument(3));
    k.items(countOf(buffers[0]) / std::max<int64_t>(width, 1), [&](Value row) {
      Value start = k.mul(row, k.index(width));
      auto x = [&](Value i) { return k.load(in, k.add(start, i), element); };
      Value count = k.floatConst(element, static_cast<double>(width));
      Value zero = k.floatConst(element, 0.0);
      Value mean = arith::DivFOp::create(k.b, k.loc, k.combineLoop(width, "add", zero, x), count);
      auto centered = [&](Value i) { return arith::SubFOp::create(k.b, k.loc, x(i), mean); };
      Value squares = k.combineLoop(width, "add", zero, [&](Value i) {
        Value c = centered(i);
        return arith::MulFOp::create(k.b, k.loc, c, c);
      });
      Value variance = arith::DivFOp::create(k.b, k.loc, squares, count);
      Value inverse = arith::DivFOp::create(
          k.b, k.loc, k.floatConst(element, 1.0),
          math::SqrtOp::create(k.b, k.loc,
                               arith::AddFOp::create(k.b, k.loc, variance,
                                                     k.floatConst(element, epsilon))));
      k.rowLoop(width, [&](Value i) {
        Value y = arith::MulFOp::create(k.b, k.loc, centered(i), inverse);
        y = arith::MulFOp::create(k.b, k.loc, y, k.load(scale, i, element));
        y = arith::AddFOp::create(k.b, k.loc, y, k.load(offset, i, element));
        k.store(y, out, k.add(start, i), element);
      });
    });
    return function;
  }

  /// output[r, c] = table[indices[r], c]; an index outside the table gives
  /// NaN (the GPU cannot stop with an error as the CPU does).
  func::FuncOp embeddingKernel(exec::CallOp call) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("embedding", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    int64_t rows = shapeOf(buffers[0]).front();
    int64_t width = countOf(buffers[0]) / std::max<int64_t>(rows, 1);
    Value table = k.flat(function.getArgument(0)), indices = k.flat(function.getArgument(1)),
          out = k.flat(function.getArgument(2));
    k.items(countOf(buffers[2]), [&](Value item) {
      Value id = memref::LoadOp::create(k.b, k.loc, indices, ValueRange{k.div(item, width)});
      Value value = k.choose(
          k.inRange(id, rows), storageType(element),
          [&] {
            Value at = k.add(k.mul(k.toIndex(id), k.index(width)), k.rem(item, width));
            return memref::LoadOp::create(k.b, k.loc, table, ValueRange{at}).getResult();
          },
          [&] {
            return emitConstant(k.b, k.loc, element,
                                isa<FloatType>(element) ? std::nan("") : 0.0);
          });
      memref::StoreOp::create(k.b, k.loc, value, out, ValueRange{item});
    });
    return function;
  }

  /// Philox4x32-10 of `counter` (four i32 values) and `key` (two), as the
  /// runtime's dropout defines the mask.
  SmallVector<Value> philox(KernelBuilder &k, SmallVector<Value> c, SmallVector<Value> key) {
    auto i32 = [&](uint32_t v) {
      return arith::ConstantOp::create(k.b, k.loc, k.b.getI32IntegerAttr(static_cast<int32_t>(v)));
    };
    for (int round = 0; round < 10; ++round) {
      auto p0 = arith::MulUIExtendedOp::create(k.b, k.loc, i32(0xD2511F53u), c[0]);
      auto p1 = arith::MulUIExtendedOp::create(k.b, k.loc, i32(0xCD9E8D57u), c[2]);
      Value n0 = arith::XOrIOp::create(
          k.b, k.loc, arith::XOrIOp::create(k.b, k.loc, p1.getHigh(), c[1]), key[0]);
      Value n2 = arith::XOrIOp::create(
          k.b, k.loc, arith::XOrIOp::create(k.b, k.loc, p0.getHigh(), c[3]), key[1]);
      c = {n0, p1.getLow(), n2, p0.getLow()};
      if (round < 9) {
        key[0] = arith::AddIOp::create(k.b, k.loc, key[0], i32(0x9E3779B9u));
        key[1] = arith::AddIOp::create(k.b, k.loc, key[1], i32(0xBB67AE85u));
      }
    }
    return c;
  }

  /// Training-form dropout: one item per group of four elements (one
  /// Philox block); inference form is a copy.
  func::FuncOp dropoutKernel(exec::CallOp call) {
    SmallVector<Value> buffers = operandsOf(call);
    bool hasStep = call.getIns().size() > 1;
    func::FuncOp function = newKernel("dropout", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    double rate = cast<FloatAttr>(call->getAttr("rate")).getValueAsDouble();
    auto seed = static_cast<uint64_t>(cast<IntegerAttr>(call->getAttr("seed")).getInt());
    bool training = cast<BoolAttr>(call->getAttr("training")).getValue();
    int64_t n = countOf(buffers[0]);
    Value in = k.flat(function.getArgument(0));
    Value out = k.flat(function.getArgument(hasStep ? 2 : 1));
    auto i32 = [&](uint32_t v) {
      return arith::ConstantOp::create(k.b, k.loc, k.b.getI32IntegerAttr(static_cast<int32_t>(v)));
    };
    if (!training) {
      k.items(n, [&](Value i) { k.store(k.load(in, i, element), out, i, element); });
      return function;
    }
    Value step = hasStep ? Value(memref::LoadOp::create(k.b, k.loc, function.getArgument(1),
                                                        ValueRange{}))
                         : Value(arith::ConstantIntOp::create(k.b, k.loc, 0, 64));
    auto low = [&](Value v64) {
      return arith::TruncIOp::create(k.b, k.loc, k.b.getI32Type(), v64).getResult();
    };
    auto high = [&](Value v64) {
      return low(arith::ShRUIOp::create(
          k.b, k.loc, v64, arith::ConstantIntOp::create(k.b, k.loc, 32, 64)));
    };
    Value stepLow = low(step), stepHigh = high(step);
    double keep = rate < 1 ? 1 / (1 - rate) : 0.0;
    k.items((n + 3) / 4, [&](Value group) {
      Value group64 = arith::IndexCastUIOp::create(k.b, k.loc, k.b.getI64Type(), group);
      SmallVector<Value> words =
          philox(k, {low(group64), high(group64), stepLow, stepHigh},
                 {i32(static_cast<uint32_t>(seed)), i32(static_cast<uint32_t>(seed >> 32))});
      for (int j = 0; j < 4; ++j) {
        Value i = k.add(k.mul(group, k.index(4)), k.index(j));
        Value inside = arith::CmpIOp::create(k.b, k.loc, arith::CmpIPredicate::ult, i, k.index(n));
        auto branch = scf::IfOp::create(k.b, k.loc, inside, /*withElse=*/false);
        OpBuilder::InsertionGuard guard(k.b);
        k.b.setInsertionPointToStart(&branch.getThenRegion().front());
        // u = (word >> 8) * 2^-24, exact in f64; dropped when u < rate.
        Value bits = arith::ShRUIOp::create(k.b, k.loc, words[j], i32(8));
        Value u = arith::MulFOp::create(
            k.b, k.loc, arith::UIToFPOp::create(k.b, k.loc, k.b.getF64Type(), bits),
            k.floatConst(k.b.getF64Type(), std::ldexp(1.0, -24)));
        Value dropped = arith::CmpFOp::create(k.b, k.loc, arith::CmpFPredicate::OLT, u,
                                              k.floatConst(k.b.getF64Type(), rate));
        Value kept =
            arith::MulFOp::create(k.b, k.loc, k.load(in, i, element), k.floatConst(element, keep));
        k.store(arith::SelectOp::create(k.b, k.loc, dropped, k.floatConst(element, 0.0), kept),
                out, i, element);
      }
    });
    return function;
  }

  /// Whether label `id` (an integer) is a class of `classes`, as i1.
  static Value labelValid(KernelBuilder &k, Value id, int64_t classes) {
    return k.inRange(id, classes);
  }

  /// Mean over rows of -log softmax(row)[label], one item whose rows the
  /// block's threads share; a label outside [0, classes) makes it NaN.
  func::FuncOp crossEntropyKernel(exec::CallOp call) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("softmax_cross_entropy", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    int64_t batch = shapeOf(buffers[0])[0], classes = shapeOf(buffers[0])[1];
    Value logits = k.flat(function.getArgument(0)), labels = k.flat(function.getArgument(1)),
          out = k.flat(function.getArgument(2));
    Value zero = k.floatConst(element, 0.0);
    k.items(1, [&](Value) {
      Value total = k.combineLoop(batch, "add", zero, [&](Value n) {
        Value start = k.mul(n, k.index(classes));
        auto x = [&](Value i) { return k.load(logits, k.add(start, i), element); };
        Value max = k.sequentialLoop(k.index(0), classes, ValueRange{maxIdentity(k, element)},
                                     [&](Value i, ValueRange acc) -> SmallVector<Value> {
                                       return {arith::MaximumFOp::create(k.b, k.loc, acc[0], x(i))};
                                     })[0];
        Value sum = k.sequentialLoop(k.index(0), classes, ValueRange{zero},
                                     [&](Value i, ValueRange acc) -> SmallVector<Value> {
                                       Value e = math::ExpOp::create(
                                           k.b, k.loc, arith::SubFOp::create(k.b, k.loc, x(i), max));
                                       return {arith::AddFOp::create(k.b, k.loc, acc[0], e)};
                                     })[0];
        Value id = memref::LoadOp::create(k.b, k.loc, labels, ValueRange{n});
        return k.choose(
            labelValid(k, id, classes), element,
            [&] {
              Value picked = x(k.toIndex(id));
              return arith::AddFOp::create(k.b, k.loc,
                                           arith::SubFOp::create(k.b, k.loc, max, picked),
                                           math::LogOp::create(k.b, k.loc, sum))
                  .getResult();
            },
            [&] { return k.floatConst(element, std::nan("")); });
      });
      Value mean = arith::DivFOp::create(k.b, k.loc, total,
                                         k.floatConst(element, static_cast<double>(batch)));
      k.store(batch ? mean : zero, out, k.index(0), element);
    });
    return function;
  }

  /// Fraction of rows whose first maximum is at the label; NaN if a label
  /// is outside [0, classes).
  func::FuncOp accuracyKernel(exec::CallOp call) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("accuracy", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]), result = elementOf(buffers[2]);
    int64_t batch = shapeOf(buffers[0])[0], classes = shapeOf(buffers[0])[1];
    Value logits = k.flat(function.getArgument(0)), labels = k.flat(function.getArgument(1)),
          out = k.flat(function.getArgument(2));
    Lines row{batch, classes, 1};
    k.items(1, [&](Value) {
      Value hits = k.combineLoop(batch, "add", k.floatConst(result, 0.0), [&](Value n) {
        Value best = firstMax(k, logits, row, k.mul(n, k.index(classes)), element);
        Value id = memref::LoadOp::create(k.b, k.loc, labels, ValueRange{n});
        Value hit = arith::CmpIOp::create(k.b, k.loc, arith::CmpIPredicate::eq,
                                          k.toIndex(id), best);
        Value one = arith::SelectOp::create(k.b, k.loc, hit, k.floatConst(result, 1.0),
                                            k.floatConst(result, 0.0));
        return arith::SelectOp::create(k.b, k.loc, labelValid(k, id, classes), one,
                                       k.floatConst(result, std::nan("")))
            .getResult();
      });
      Value fraction = arith::DivFOp::create(
          k.b, k.loc, hits, k.floatConst(result, static_cast<double>(std::max<int64_t>(batch, 1))));
      k.store(fraction, out, k.index(0), result);
    });
    return function;
  }

  /// sum((p - t)^2) / divisor: the element count (mean), 1 (sum) or the
  /// batch (batch_mean).
  func::FuncOp mseKernel(exec::CallOp call, StringRef reduction) {
    SmallVector<Value> buffers = operandsOf(call);
    func::FuncOp function = newKernel("mse_loss", buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Type element = elementOf(buffers[0]);
    ArrayRef<int64_t> shape = shapeOf(buffers[0]);
    int64_t count = countOf(buffers[0]);
    double divisor = reduction == "sum"    ? 1.0
                     : reduction == "mean" ? static_cast<double>(count)
                                           : static_cast<double>(shape.empty() ? 1 : shape[0]);
    Value p = k.flat(function.getArgument(0)), t = k.flat(function.getArgument(1)),
          out = k.flat(function.getArgument(2));
    k.items(1, [&](Value) {
      Value total = k.combineLoop(count, "add", k.floatConst(element, 0.0), [&](Value i) {
        Value d = arith::SubFOp::create(k.b, k.loc, k.load(p, i, element), k.load(t, i, element));
        return arith::MulFOp::create(k.b, k.loc, d, d);
      });
      Value result = divisor > 0 ? Value(arith::DivFOp::create(k.b, k.loc, total,
                                                               k.floatConst(element, divisor)))
                                 : k.floatConst(element, 0.0);
      k.store(result, out, k.index(0), element);
    });
    return function;
  }

  ModuleOp module;
  ModuleOp kernels;
  SymbolTable table;
};

struct ExecOutlineGpuKernelsPass
    : dlc::impl::ExecOutlineGpuKernelsBase<ExecOutlineGpuKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto kernels = ModuleOp::create(b, module.getLoc(), kGpuKernelModuleName);
    Outliner outliner(module, kernels);
    for (auto entry : module.getOps<exec::EntryOp>())
      for (Operation &command : entry.getBody().front())
        if (failed(outliner.outline(&command)))
          return signalPassFailure();
  }
};

} // namespace

bool dlc::isLibraryRoutine(StringRef routine) {
  return llvm::is_contained({"matmul", "conv2d", "conv2d_backward_data", "conv2d_backward_filter",
                             "pool2d", "pool2d_backward", "batch_norm", "batch_norm_backward"},
                            routine);
}
