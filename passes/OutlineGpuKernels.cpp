// exec-outline-gpu-kernels: each command the GPU runs as a generated kernel
// becomes a function over its buffers, in linalg (elementwise maps,
// copies, transposes, slices) or in scf loops (the rest).
#include "passes/KernelBuilder.h"
#include "passes/KernelScalars.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

namespace dlc {
#define GEN_PASS_DEF_EXECOUTLINEGPUKERNELS
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

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
    SmallVector<Value> buffers = gpuKernelBuffers(launch);
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
                  scalar =
                      isa<FloatType>(element)
                          ? emitConstant(b, loc, element,
                                         splat.getSplatValue<APFloat>().convertToDouble())
                          : Value(arith::ConstantOp::create(
                                b, loc,
                                IntegerAttr::get(b.getIntegerType(element.getIntOrFloatBitWidth()),
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

  /// What a data-movement kernel's linalg.generic reads and writes: the
  /// input (or a view of it), the map it is read through, the output (or a
  /// view of it).
  struct Move {
    Value in;
    AffineMap map;
    Value out;
  };

  /// output = input element by element, as `views` presents them: copies
  /// (between shapes over the same elements), transposes and slices.
  func::FuncOp moveKernel(exec::CallOp call, StringRef name,
                          function_ref<Move(KernelBuilder &, Value, Value)> views) {
    SmallVector<Value> buffers = gpuKernelBuffers(call);
    func::FuncOp function = newKernel(name, buffers, call.getLoc());
    KernelBuilder k(function, call.getLoc());
    Move move = views(k, function.getArgument(0), function.getArgument(1));
    generic(k, {move.in}, {move.map}, {move.out}, dlElements(buffers),
            [](OpBuilder &, Location, ValueRange loaded) { return SmallVector<Value>{loaded[0]}; });
    return function;
  }

  /// The pooling gradient's ReLU mask, applied after cuDNN's gradient:
  /// output = input > 0 ? output : +0.
  func::FuncOp reluMask(exec::CallOp call) {
    SmallVector<Value> buffers = gpuKernelBuffers(call);
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

  /// A call's kernel: linalg for pure data movement, the items form for
  /// the rest.
  FailureOr<func::FuncOp> outlineCall(exec::CallOp call) {
    StringRef routine = call.getCallee();
    MLIRContext *context = call.getContext();
    if (routine == "copy") {
      if (elementOf(call.getIns()[0]) != elementOf(call.getOuts()[0]))
        return call.emitOpError() << "copies between element types";
      // Both buffers viewed flat: their shapes may differ.
      return moveKernel(call, "copy", [&](KernelBuilder &k, Value in, Value out) {
        return Move{k.flat(in), AffineMap::getMultiDimIdentityMap(1, context), k.flat(out)};
      });
    }
    if (routine == "transpose") {
      // Output dim d is input dim perm[d].
      ArrayRef<int64_t> perm = cast<DenseI64ArrayAttr>(call->getAttr("perm")).asArrayRef();
      SmallVector<AffineExpr> results(perm.size());
      for (auto [d, source] : llvm::enumerate(perm))
        results[source] = getAffineDimExpr(d, context);
      return moveKernel(call, "transpose", [&](KernelBuilder &, Value in, Value out) {
        return Move{in, AffineMap::get(perm.size(), 0, results, context), out};
      });
    }
    if (routine == "slice") {
      // The strided window of the input starting at `starts`.
      auto starts = cast<DenseI64ArrayAttr>(call->getAttr("starts")).asArrayRef();
      auto strides = cast<DenseI64ArrayAttr>(call->getAttr("strides")).asArrayRef();
      return moveKernel(call, "slice", [&](KernelBuilder &k, Value in, Value out) {
        ArrayRef<int64_t> shape = shapeOf(out);
        Value window = memref::SubViewOp::create(k.b, k.loc, in, starts, shape, strides);
        return Move{window, AffineMap::getMultiDimIdentityMap(shape.size(), context), out};
      });
    }
    return buildItemKernel(call, [&](StringRef base) {
      return newKernel(base, gpuKernelBuffers(call), call.getLoc());
    });
  }

  ModuleOp module;
  ModuleOp kernels;
  SymbolTable table;
};

struct ExecOutlineGpuKernelsPass : dlc::impl::ExecOutlineGpuKernelsBase<ExecOutlineGpuKernelsPass> {
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
