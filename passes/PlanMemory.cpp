// exec-plan-memory and exec-check-memory-plan: arena offsets from liveness.
#include "passes/Passes.h"

#include "llvm/Support/MathExtras.h"

namespace dlc {
#define GEN_PASS_DEF_EXECPLANMEMORY
#define GEN_PASS_DEF_EXECCHECKMEMORYPLAN
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// An arena buffer (an exec.input or exec.alloc, with the views of it) and
/// the commands it is live across: [first, last] in command order.
struct Interval {
  Operation *op;
  int64_t first, last;
  int64_t size;

  bool overlapsInTime(const Interval &other) const {
    return first <= other.last && other.first <= last;
  }
};

int64_t byteSize(MemRefType type) {
  return type.getNumElements() * llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

/// Live intervals of the entry's arena buffers. Inputs are live from the
/// start, outputs to the end; a view extends its source's interval.
std::vector<Interval> liveIntervals(exec::EntryOp entry) {
  Block &block = entry.getBody().front();
  DenseMap<Operation *, int64_t> position;
  int64_t index = 0;
  for (Operation &op : block)
    position[&op] = index++;
  int64_t end = index;

  std::vector<Interval> intervals;
  for (Operation &op : block) {
    if (!isa<exec::InputOp, exec::AllocOp>(op))
      continue;
    Interval interval{&op, isa<exec::InputOp>(op) ? 0 : position[&op], position[&op],
                      byteSize(cast<MemRefType>(op.getResult(0).getType()))};
    SmallVector<Value> worklist{op.getResult(0)};
    while (!worklist.empty()) {
      Value value = worklist.pop_back_val();
      for (Operation *user : value.getUsers()) {
        interval.last = std::max(interval.last, isa<exec::ReturnOp>(user) ? end : position[user]);
        if (auto view = dyn_cast<exec::ViewOp>(user))
          worklist.push_back(view.getBuffer());
      }
    }
    intervals.push_back(interval);
  }
  return intervals;
}

std::optional<int64_t> offsetOf(Operation *op) {
  if (auto input = dyn_cast<exec::InputOp>(op))
    return input.getOffset();
  if (auto alloc = dyn_cast<exec::AllocOp>(op))
    return alloc.getOffset();
  return std::nullopt;
}

void setOffset(Operation *op, int64_t offset) {
  op->setAttr("offset", IntegerAttr::get(IntegerType::get(op->getContext(), 64), offset));
}

/// Every arena buffer has an offset inside the arena, and buffers live at the
/// same time occupy disjoint bytes.
LogicalResult checkPlan(exec::EntryOp entry) {
  if (!entry.getArenaSize())
    return entry.emitOpError() << "has no arena_size: run exec-plan-memory first";
  int64_t arenaSize = static_cast<int64_t>(*entry.getArenaSize());
  std::vector<Interval> intervals = liveIntervals(entry);
  for (const Interval &interval : intervals) {
    std::optional<int64_t> offset = offsetOf(interval.op);
    if (!offset)
      return interval.op->emitOpError() << "has no offset: run exec-plan-memory first";
    if (*offset < 0 || *offset + interval.size > arenaSize)
      return interval.op->emitOpError()
             << "occupies bytes [" << *offset << ", " << *offset + interval.size
             << ") outside the arena of " << arenaSize << " bytes";
    int64_t elementBytes = llvm::divideCeil(
        cast<MemRefType>(interval.op->getResult(0).getType()).getElementTypeBitWidth(), 8);
    if (*offset % elementBytes != 0)
      return interval.op->emitOpError()
             << "offset " << *offset << " is not a multiple of the element size " << elementBytes;
  }
  for (size_t i = 0; i < intervals.size(); ++i) {
    for (size_t j = i + 1; j < intervals.size(); ++j) {
      const Interval &a = intervals[i], &b = intervals[j];
      int64_t offsetA = *offsetOf(a.op), offsetB = *offsetOf(b.op);
      bool sharesBytes = offsetA < offsetB + b.size && offsetB < offsetA + a.size;
      if (a.overlapsInTime(b) && sharesBytes) {
        InFlightDiagnostic diag = b.op->emitOpError()
                                  << "shares arena bytes with a buffer live at the same time (ops "
                                  << std::max(a.first, b.first) << " to "
                                  << std::min(a.last, b.last) << " of the entry)";
        diag.attachNote(a.op->getLoc()) << "the other buffer";
        return diag;
      }
    }
  }
  return success();
}

struct ExecPlanMemoryPass : dlc::impl::ExecPlanMemoryBase<ExecPlanMemoryPass> {
  using ExecPlanMemoryBase::ExecPlanMemoryBase;

  /// Offsets must stay multiples of every element size (up to 8 bytes).
  std::optional<std::string> alignmentError() const {
    int64_t value = alignment;
    if (value >= 8 && llvm::isPowerOf2_64(value))
      return std::nullopt;
    return "exec-plan-memory: alignment " + std::to_string(value) +
           " is not a power of two of at least 8";
  }

  LogicalResult
  initializeOptions(StringRef options,
                    function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(Pass::initializeOptions(options, errorHandler)))
      return failure();
    if (std::optional<std::string> error = alignmentError())
      return errorHandler(*error);
    return success();
  }

  void runOnOperation() override {
    if (std::optional<std::string> error = alignmentError()) {
      emitError(getOperation().getLoc()) << *error;
      return signalPassFailure();
    }
    for (auto entry : getOperation().getOps<exec::EntryOp>()) {
      plan(entry);
      if (failed(checkPlan(entry)))
        return signalPassFailure();
    }
  }

  /// Largest first, each at the lowest aligned offset clear of every placed
  /// buffer that is live at the same time.
  void plan(exec::EntryOp entry) {
    std::vector<Interval> intervals = liveIntervals(entry);
    std::stable_sort(intervals.begin(), intervals.end(),
                     [](const Interval &a, const Interval &b) { return a.size > b.size; });
    std::vector<std::pair<const Interval *, int64_t>> placed;
    int64_t arenaSize = 0;
    for (const Interval &interval : intervals) {
      std::vector<std::pair<int64_t, int64_t>> busy; // [begin, end) of conflicting buffers
      for (auto &[other, offset] : placed)
        if (interval.overlapsInTime(*other))
          busy.push_back({offset, offset + other->size});
      llvm::sort(busy);
      int64_t offset = 0;
      for (auto [begin, end] : busy) {
        if (offset + interval.size <= begin)
          break;
        offset = std::max(offset, static_cast<int64_t>(llvm::alignTo(end, alignment)));
      }
      placed.push_back({&interval, offset});
      setOffset(interval.op, offset);
      arenaSize = std::max(arenaSize, offset + interval.size);
    }
    entry.setArenaSizeAttr(IntegerAttr::get(IntegerType::get(entry.getContext(), 64),
                                            llvm::alignTo(arenaSize, alignment)));
  }
};

struct ExecCheckMemoryPlanPass : dlc::impl::ExecCheckMemoryPlanBase<ExecCheckMemoryPlanPass> {
  void runOnOperation() override {
    for (auto entry : getOperation().getOps<exec::EntryOp>())
      if (failed(checkPlan(entry)))
        return signalPassFailure();
  }
};

} // namespace
