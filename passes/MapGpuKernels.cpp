// exec-map-gpu-kernels: the outlined kernel functions become gpu.funcs in
// one gpu.module, their items mapped to threads (flat kernels) or to blocks
// whose threads share each item's row loops (kernels with reductions).
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/MathExtras.h"

namespace dlc {
#define GEN_PASS_DEF_EXECMAPGPUKERNELS
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

constexpr int64_t kFlatBlock = 256; // threads of a flat kernel's block
constexpr int64_t kMaxRowBlock = 256;
constexpr int64_t kMaxGrid = 65535; // blocks; more items loop over the grid

/// `expr` of an indexing map at iteration coordinates `dims`: the outlined
/// kernels' maps pick dims (permuted) or the constant 0 (a broadcast).
Value evaluate(OpBuilder &b, Location loc, AffineExpr expr, ArrayRef<Value> dims) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr))
    return dims[dim.getPosition()];
  return arith::ConstantIndexOp::create(b, loc, cast<AffineConstantExpr>(expr).getValue());
}

/// A linalg.generic whose iterators are all parallel, as the items form:
/// one item per point of its iteration space.
LogicalResult itemsFromGeneric(linalg::GenericOp generic) {
  if (generic.getNumReductionLoops() != 0)
    return generic.emitOpError() << "with reduction iterators has no GPU mapping";
  for (AffineMap map : generic.getIndexingMapsArray())
    for (AffineExpr expr : map.getResults())
      if (!isa<AffineDimExpr, AffineConstantExpr>(expr))
        return generic.emitOpError() << "reads through " << AffineMapAttr::get(map)
                                     << "; GPU kernels read dims or constants";
  OpBuilder b(generic);
  Location loc = generic.getLoc();
  SmallVector<int64_t> space = generic.getStaticLoopRanges();
  int64_t count = 1;
  for (int64_t dim : space)
    count *= dim;
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto loop = scf::ParallelOp::create(b, loc, ValueRange{index(0)}, ValueRange{index(count)},
                                      ValueRange{index(1)});
  b.setInsertionPointToStart(loop.getBody());
  // The item's coordinates in the iteration space, made when an operand
  // needs them.
  SmallVector<Value> coords;
  auto coordinates = [&]() -> ArrayRef<Value> {
    if (!coords.empty() || space.empty())
      return coords;
    coords.resize(space.size());
    Value rest = loop.getInductionVars()[0];
    for (int i = static_cast<int>(space.size()) - 1; i >= 0; --i) {
      coords[i] = i == 0 ? rest : arith::RemUIOp::create(b, loc, rest, index(space[i]));
      if (i > 0)
        rest = arith::DivUIOp::create(b, loc, rest, index(space[i]));
    }
    return coords;
  };
  // Where an operand's element of the item is: a buffer read as the
  // iteration space (identity map, contiguous) at the item's flat index in a
  // 1-D view of it, made once before the loop; any other through its map at
  // the item's coordinates.
  OpBuilder before(loop);
  DenseMap<Value, Value> flatViews;
  auto access = [&](OpOperand &operand) -> std::pair<Value, SmallVector<Value>> {
    Value buffer = operand.get();
    auto type = cast<MemRefType>(buffer.getType());
    AffineMap map = generic.getMatchingIndexingMap(&operand);
    if (map.isIdentity() && type.getLayout().isIdentity()) {
      Value &view = flatViews[buffer];
      if (!view)
        view = type.getRank() == 1
                   ? buffer
                   : Value(memref::ReinterpretCastOp::create(
                         before, loc, MemRefType::get({count}, type.getElementType()), buffer, 0,
                         {count}, {1}));
      return {view, {loop.getInductionVars()[0]}};
    }
    SmallVector<Value> indices;
    for (AffineExpr expr : map.getResults())
      indices.push_back(evaluate(b, loc, expr, coordinates()));
    return {buffer, indices};
  };
  Block *body = generic.getBlock();
  IRMapping values;
  for (OpOperand &operand : generic->getOpOperands()) {
    // An output is read only where the body uses its element.
    BlockArgument argument = body->getArgument(operand.getOperandNumber());
    if (generic.isDpsInit(&operand) && argument.use_empty())
      continue;
    auto [buffer, indices] = access(operand);
    values.map(argument, memref::LoadOp::create(b, loc, buffer, indices));
  }
  for (Operation &op : body->without_terminator())
    b.clone(op, values);
  for (auto [operand, yielded] :
       llvm::zip(generic.getDpsInitsMutable(), body->getTerminator()->getOperands())) {
    auto [buffer, indices] = access(operand);
    memref::StoreOp::create(b, loc, values.lookupOrDefault(yielded), buffer, indices);
  }
  generic.erase();
  return success();
}

struct LaunchShape {
  int64_t grid = 1, block = 1;
};

/// `items` as an scf.for from `lower` in steps of `step` over the same
/// items, the body moved over.
scf::ForOp replaceItemsLoop(scf::ParallelOp items, Value lower, Value step, OpBuilder &b) {
  auto loop = scf::ForOp::create(b, items.getLoc(), lower, items.getUpperBound()[0], step);
  Block *body = items.getBody();
  body->getTerminator()->erase();
  loop.getBody()->getOperations().splice(loop.getBody()->begin(), body->getOperations());
  items.getInductionVars()[0].replaceAllUsesWith(loop.getInductionVar());
  items.erase();
  return loop;
}

/// Whether `op` is one of an item's loops the block's threads share.
bool isSharedLoop(Operation &op) {
  return isa<scf::ForOp>(op) && (op.hasAttr(kRowLoopAttr) || op.hasAttr(kCombineAttr));
}

/// The items loop of a gpu.func on threads: the block's threads take
/// consecutive items, the grid strides over the rest.
LaunchShape mapFlat(scf::ParallelOp items) {
  OpBuilder b(items);
  Location loc = items.getLoc();
  int64_t count = *getConstantIntValue(items.getUpperBound()[0]);
  LaunchShape shape;
  shape.block = std::min<int64_t>(kFlatBlock, std::max<int64_t>(llvm::PowerOf2Ceil(count), 32));
  shape.grid = std::clamp<int64_t>(llvm::divideCeil(count, shape.block), 1, kMaxGrid);
  Value blockDim = gpu::BlockDimOp::create(b, loc, gpu::Dimension::x);
  Value blockId = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value base = arith::MulIOp::create(b, loc, blockId, blockDim);
  Value thread =
      arith::AddIOp::create(b, loc, base, gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x));
  Value stride =
      arith::MulIOp::create(b, loc, gpu::GridDimOp::create(b, loc, gpu::Dimension::x), blockDim);
  replaceItemsLoop(items, thread, stride, b);
  return shape;
}

/// Items on blocks: each block takes items (striding over the grid), its
/// threads share the item's row and combine loops (gpu.all_reduce joins a
/// combine loop's partial results), and thread 0 alone runs what else of the
/// item has effects.
LogicalResult mapRows(scf::ParallelOp items, LaunchShape *shape) {
  OpBuilder b(items);
  Location loc = items.getLoc();
  int64_t count = *getConstantIntValue(items.getUpperBound()[0]);
  int64_t longest = 1;
  for (Operation &op : *items.getBody())
    if (isSharedLoop(op))
      longest = std::max(longest, *getConstantIntValue(cast<scf::ForOp>(op).getUpperBound()));
  shape->block = std::clamp<int64_t>(llvm::PowerOf2Ceil(longest), 32, kMaxRowBlock);
  shape->grid = std::clamp<int64_t>(count, 1, kMaxGrid);

  Value thread = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value threads = gpu::BlockDimOp::create(b, loc, gpu::Dimension::x);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, thread, zero);
  Value gridDim = gpu::GridDimOp::create(b, loc, gpu::Dimension::x);
  Value blockId = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  scf::ForOp loop = replaceItemsLoop(items, blockId, gridDim, b);
  SmallVector<Operation *> ops;
  for (Operation &op : loop.getBody()->without_terminator())
    ops.push_back(&op);
  for (Operation *op : ops) {
    if (isSharedLoop(*op)) {
      auto shared = cast<scf::ForOp>(op);
      if (!matchPattern(shared.getLowerBound(), m_Zero()) ||
          !matchPattern(shared.getStep(), m_One()))
        return shared.emitOpError() << "row loop must run from 0 in steps of 1";
      shared.getLowerBoundMutable().assign(thread);
      shared.getStepMutable().assign(threads);
      if (auto combine = op->getAttrOfType<StringAttr>(kCombineAttr)) {
        std::optional<gpu::AllReduceOperation> kind =
            gpu::symbolizeAllReduceOperation(combine.getValue());
        if (!kind)
          return shared.emitOpError() << "combines by unknown '" << combine.getValue() << "'";
        b.setInsertionPointAfter(shared);
        Value partial = shared.getResult(0);
        auto reduce = gpu::AllReduceOp::create(
            b, loc, partial, gpu::AllReduceOperationAttr::get(b.getContext(), *kind),
            /*uniform=*/true);
        partial.replaceAllUsesExcept(reduce.getResult(), reduce);
      }
      op->removeAttr(kRowLoopAttr);
      op->removeAttr(kCombineAttr);
      continue;
    }
    if (isMemoryEffectFree(op))
      continue;
    b.setInsertionPoint(op);
    auto once = scf::IfOp::create(b, loc, first, /*withElse=*/false);
    op->moveBefore(once.thenBlock()->getTerminator());
    if (op->getNumResults())
      return op->emitOpError() << "with results cannot run on one thread of the block";
  }
  // A block taking several items waits at the end of each until every
  // thread has read the last all_reduce's result, which the next item's
  // all_reduce overwrites.
  if (count > shape->grid) {
    b.setInsertionPoint(loop.getBody()->getTerminator());
    gpu::BarrierOp::create(b, loc);
  }
  return success();
}

struct ExecMapGpuKernelsPass : dlc::impl::ExecMapGpuKernelsBase<ExecMapGpuKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernels = module.lookupSymbol<ModuleOp>(kGpuKernelModuleName);
    if (!kernels)
      return; // no outlined kernels
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto gpuModule = gpu::GPUModuleOp::create(b, kernels.getLoc(), kGpuKernelModuleName);
    kernels->removeAttr(SymbolTable::getSymbolAttrName());
    llvm::StringMap<LaunchShape> shapes;
    for (auto function : llvm::make_early_inc_range(kernels.getOps<func::FuncOp>())) {
      FailureOr<LaunchShape> shape = mapKernel(function, gpuModule);
      if (failed(shape))
        return signalPassFailure();
      shapes[function.getName()] = *shape;
    }
    kernels.erase();

    // Each command's launches get their shapes.
    module.walk([&](Operation *command) {
      auto launches = command->getAttrOfType<ArrayAttr>(kGpuKernelsAttr);
      if (!launches)
        return;
      SmallVector<Attribute> shaped;
      for (auto launch : launches.getAsRange<DictionaryAttr>()) {
        StringRef name = launch.getAs<StringAttr>("kernel").getValue();
        LaunchShape shape = shapes.lookup(name);
        shaped.push_back(b.getDictionaryAttr(
            {b.getNamedAttr("kernel", b.getStringAttr(name)),
             b.getNamedAttr("grid", b.getDenseI64ArrayAttr({shape.grid, 1, 1})),
             b.getNamedAttr("block", b.getDenseI64ArrayAttr({shape.block, 1, 1})),
             b.getNamedAttr("shared_memory", b.getI64IntegerAttr(0))}));
      }
      command->setAttr(kGpuKernelsAttr, b.getArrayAttr(shaped));
    });
  }

  FailureOr<LaunchShape> mapKernel(func::FuncOp function, gpu::GPUModuleOp gpuModule) {
    SmallVector<linalg::GenericOp> generics(function.getOps<linalg::GenericOp>());
    for (linalg::GenericOp generic : generics)
      if (failed(itemsFromGeneric(generic)))
        return failure();
    SmallVector<scf::ParallelOp> items(function.getOps<scf::ParallelOp>());
    if (items.size() != 1)
      return function.emitOpError()
             << "must have one items loop (scf.parallel), has " << items.size();
    OpBuilder b = OpBuilder::atBlockEnd(gpuModule.getBody());
    auto kernel = gpu::GPUFuncOp::create(b, function.getLoc(), function.getName(),
                                         function.getFunctionType());
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    // The body moves over; gpu.return replaces func.return.
    Block &entry = kernel.getBody().front();
    Block &source = function.getBody().front();
    for (auto [from, to] : llvm::zip(source.getArguments(), entry.getArguments()))
      from.replaceAllUsesWith(to);
    source.getTerminator()->erase();
    entry.getOperations().splice(entry.end(), source.getOperations());
    b.setInsertionPointToEnd(&entry);
    gpu::ReturnOp::create(b, function.getLoc());

    scf::ParallelOp loop = items.front();
    bool rows = llvm::any_of(*loop.getBody(), isSharedLoop);
    LaunchShape shape;
    if (rows) {
      if (failed(mapRows(loop, &shape)))
        return failure();
    } else {
      shape = mapFlat(loop);
    }
    kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({static_cast<int32_t>(shape.block), 1, 1}));
    function.erase();
    return shape;
  }
};

} // namespace
