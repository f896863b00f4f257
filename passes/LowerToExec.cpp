// dl-lower-to-exec: dl functions on tensors -> exec entry points on buffers.
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

namespace dlc {
#define GEN_PASS_DEF_DLLOWERTOEXEC
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
namespace dl = dlc::dl;

namespace {

MemRefType bufferType(Type tensor) {
  auto ranked = cast<RankedTensorType>(tensor);
  return MemRefType::get(ranked.getShape(), ranked.getElementType());
}

/// Elementwise ops become kernels; everything else is a library call, a
/// view, or a buffer declaration.
bool isElementwise(Operation *op) {
  return isa<dl::NegOp, dl::AbsOp, dl::ExpOp, dl::LogOp, dl::SqrtOp, dl::RsqrtOp, dl::TanhOp,
             dl::SinOp, dl::CosOp, dl::SigmoidOp, dl::ReluOp, dl::GeluOp, dl::GeluBackwardOp,
             dl::AddOp, dl::SubOp, dl::MulOp, dl::DivOp, dl::PowOp, dl::MaximumOp, dl::MinimumOp,
             dl::CompareOp, dl::SelectOp, dl::CastOp, dl::BroadcastToOp>(op);
}

/// A constant a kernel can carry as an immediate instead of a buffer.
bool isScalarSplat(Value value) {
  auto constant = value.getDefiningOp<dl::ConstantOp>();
  return constant && isa<SplatElementsAttr>(constant.getValue());
}

/// stride, padding [top, left, bottom, right], dilation and groups of a
/// convolution gradient op, defaults filled in.
template <typename ConvGradOp> SmallVector<NamedAttribute> convAttrs(ConvGradOp op, Builder &b) {
  auto list = [](std::optional<ArrayRef<int64_t>> given, SmallVector<int64_t> fallback) {
    return given ? SmallVector<int64_t>(*given) : fallback;
  };
  SmallVector<int64_t> padding = list(op.getPadding(), {0, 0});
  if (padding.size() == 2)
    padding = {padding[0], padding[1], padding[0], padding[1]};
  return {b.getNamedAttr("stride", b.getDenseI64ArrayAttr(list(op.getStride(), {1, 1}))),
          b.getNamedAttr("padding", b.getDenseI64ArrayAttr(padding)),
          b.getNamedAttr("dilation", b.getDenseI64ArrayAttr(list(op.getDilation(), {1, 1}))),
          b.getNamedAttr("groups",
                         b.getI64IntegerAttr(static_cast<int64_t>(op.getGroups().value_or(1))))};
}

/// The routine and its attributes (named as the executable schema's fields)
/// for a dl op that becomes a library call; nullopt for other ops.
struct CallSpec {
  StringRef routine;
  SmallVector<NamedAttribute> attributes;

  /// Marks an NHWC conv or pool `channels_last` (NCHW, the default, is left
  /// unsaid).
  CallSpec withLayout(dl::Layout layout, Builder &b) && {
    if (layout == dl::Layout::nhwc)
      attributes.push_back(b.getNamedAttr("channels_last", b.getBoolAttr(true)));
    return std::move(*this);
  }
};

std::optional<CallSpec> callSpec(Operation *op, Builder &b) {
  auto named = [&](StringRef name, Attribute value) { return b.getNamedAttr(name, value); };
  auto ints = [&](ArrayRef<int64_t> values) { return b.getDenseI64ArrayAttr(values); };
  return TypeSwitch<Operation *, std::optional<CallSpec>>(op)
      .Case([&](dl::MatmulOp m) {
        return CallSpec{"matmul",
                        {named("transpose_a", b.getBoolAttr(m.getTransposeA())),
                         named("transpose_b", b.getBoolAttr(m.getTransposeB()))}};
      })
      .Case([&](dl::Conv2DOp c) {
        return CallSpec{"conv2d",
                        {named("stride", ints(c.getStrideOrDefault())),
                         named("padding", ints(c.getPaddingOrDefault())),
                         named("dilation", ints(c.getDilationOrDefault())),
                         named("groups", b.getI64IntegerAttr(c.getGroupsOrDefault()))}}
            .withLayout(c.getLayout(), b);
      })
      .Case([&](dl::MaxPool2DOp p) {
        return CallSpec{"pool2d",
                        {named("kind", b.getStringAttr("max")),
                         named("kernel", ints(p.getKernel())),
                         named("stride", ints(p.getStrideOrDefault())),
                         named("padding", ints(p.getPaddingOrDefault()))}}
            .withLayout(p.getLayout(), b);
      })
      .Case([&](dl::AvgPool2DOp p) {
        return CallSpec{
            "pool2d",
            {named("kind",
                   b.getStringAttr(p.getCountIncludePad() ? "average_include_pad" : "average")),
             named("kernel", ints(p.getKernel())), named("stride", ints(p.getStrideOrDefault())),
             named("padding", ints(p.getPaddingOrDefault()))}}
            .withLayout(p.getLayout(), b);
      })
      .Case([&](dl::Conv2DBackwardDataOp c) {
        return CallSpec{"conv2d_backward_data", convAttrs(c, b)}.withLayout(c.getLayout(), b);
      })
      .Case([&](dl::Conv2DBackwardFilterOp c) {
        return CallSpec{"conv2d_backward_filter", convAttrs(c, b)}.withLayout(c.getLayout(), b);
      })
      .Case([&](dl::Pool2DBackwardOp p) {
        SmallVector<int64_t, 2> stride(p.getStride() ? *p.getStride() : p.getKernel());
        auto padding = p.getPadding() ? SmallVector<int64_t, 4>(*p.getPadding())
                                      : SmallVector<int64_t, 4>{0, 0};
        if (padding.size() == 2)
          padding = {padding[0], padding[1], padding[0], padding[1]};
        return CallSpec{"pool2d_backward",
                        {named("kind", b.getStringAttr(stringifyPoolKind(p.getKind()))),
                         named("kernel", ints(p.getKernel())), named("stride", ints(stride)),
                         named("padding", ints(padding))}}
            .withLayout(p.getLayout(), b);
      })
      .Case([&](dl::ReduceSumOp r) {
        return CallSpec{"reduce",
                        {named("kind", b.getStringAttr("sum")), named("axes", ints(r.getAxes()))}};
      })
      .Case([&](dl::ReduceMeanOp r) {
        return CallSpec{"reduce",
                        {named("kind", b.getStringAttr("mean")), named("axes", ints(r.getAxes()))}};
      })
      .Case([&](dl::ReduceMaxOp r) {
        return CallSpec{"reduce",
                        {named("kind", b.getStringAttr("max")), named("axes", ints(r.getAxes()))}};
      })
      .Case([&](dl::ArgmaxOp a) {
        return CallSpec{"argmax", {named("axis", b.getI64IntegerAttr(a.getAxis()))}};
      })
      .Case([&](dl::TransposeOp t) {
        return CallSpec{"transpose", {named("perm", ints(t.getPerm()))}};
      })
      .Case([&](dl::ConcatOp c) {
        return CallSpec{"concat", {named("axis", b.getI64IntegerAttr(c.getAxis()))}};
      })
      .Case([&](dl::SliceOp s) {
        SmallVector<int64_t> strides(s.getStarts().size(), 1);
        if (auto given = s.getStrides())
          strides.assign(given->begin(), given->end());
        return CallSpec{"slice",
                        {named("starts", ints(s.getStarts())), named("strides", ints(strides))}};
      })
      .Case([&](dl::PadOp p) {
        return CallSpec{
            "pad",
            {named("low", ints(p.getLow())),
             named("value",
                   b.getF64FloatAttr(p.getValue() ? p.getValue()->convertToDouble() : 0.0))}};
      })
      .Case([&](dl::SoftmaxOp s) {
        return CallSpec{"softmax",
                        {named("axis", b.getI64IntegerAttr(s.getAxisOrDefault())),
                         named("log", b.getBoolAttr(false))}};
      })
      .Case([&](dl::LogSoftmaxOp s) {
        return CallSpec{"softmax",
                        {named("axis", b.getI64IntegerAttr(s.getAxisOrDefault())),
                         named("log", b.getBoolAttr(true))}};
      })
      .Case([&](dl::SoftmaxBackwardOp s) {
        return CallSpec{"softmax_backward",
                        {named("axis", b.getI64IntegerAttr(s.getAxisOrDefault())),
                         named("log", b.getBoolAttr(s.getLog()))}};
      })
      .Case([&](dl::BatchNormOp n) {
        return CallSpec{"batch_norm",
                        {named("epsilon", n.getEpsilonAttr()),
                         named("momentum", n.getMomentumAttr()),
                         named("training", b.getBoolAttr(n.getTraining()))}}
            .withLayout(n.getLayout(), b);
      })
      .Case([&](dl::BatchNormBackwardOp n) {
        return CallSpec{"batch_norm_backward", {named("epsilon", n.getEpsilonAttr())}}.withLayout(
            n.getLayout(), b);
      })
      .Case([&](dl::LayerNormOp n) {
        return CallSpec{"layer_norm",
                        {named("axis", b.getI64IntegerAttr(n.getAxisOrDefault())),
                         named("epsilon", n.getEpsilonAttr())}};
      })
      .Case([&](dl::LayerNormBackwardOp n) {
        return CallSpec{"layer_norm_backward",
                        {named("axis", b.getI64IntegerAttr(n.getAxisOrDefault())),
                         named("epsilon", n.getEpsilonAttr())}};
      })
      .Case([&](dl::EmbeddingOp) {
        return CallSpec{"embedding", {}};
      })
      .Case([&](dl::DropoutOp d) {
        return CallSpec{"dropout",
                        {named("rate", d.getRateAttr()), named("seed", d.getSeedAttr()),
                         named("training", b.getBoolAttr(d.getTraining()))}};
      })
      .Case([&](dl::SoftmaxCrossEntropyOp) {
        return CallSpec{"softmax_cross_entropy", {}};
      })
      .Case([&](dl::MseLossOp l) {
        return CallSpec{
            "mse_loss",
            {named("reduction", b.getStringAttr(stringifyLossReduction(l.getReduction())))}};
      })
      .Case([&](dl::AccuracyOp) {
        return CallSpec{"accuracy", {}};
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// What a matmul or conv2d library call applies to its result as it writes
/// it: a bias add (for a matmul without one: a vector along the last dim)
/// and then a ReLU (or, for a convolution, a tanh). Each absorbed op is the only user of the value
/// before it, so no one else sees the intermediate results.
struct Epilogue {
  Value bias;
  StringRef activation;                 // "relu", "tanh" (convolutions), or none
  Value result;                         // what the call's output buffer holds
  SmallVector<Operation *, 2> absorbed; // the ops the call performs too
};

/// The only user of `value`, if it has exactly one.
Operation *soleUser(Value value) { return value.hasOneUse() ? *value.getUsers().begin() : nullptr; }

Epilogue matchEpilogue(Operation *op) {
  Epilogue epilogue;
  epilogue.result = op->getResult(0);
  auto type = cast<RankedTensorType>(epilogue.result.getType());
  if (auto matmul = dyn_cast<dl::MatmulOp>(op)) {
    if (auto add = dyn_cast_or_null<dl::AddOp>(soleUser(epilogue.result));
        add && add.getType() == type) {
      Value other = add.getLhs() == epilogue.result ? add.getRhs() : add.getLhs();
      auto otherType = cast<RankedTensorType>(other.getType());
      Operation *definer = other.getDefiningOp();
      // The bias must exist when the call runs: an input, a constant, or
      // computed before the matmul.
      bool available = !definer || isa<dl::ConstantOp>(definer) ||
                       (definer->getBlock() == op->getBlock() && definer->isBeforeInBlock(op));
      if (other != epilogue.result && available && otherType.getRank() == 1 &&
          otherType.getDimSize(0) == type.getShape().back()) {
        epilogue.bias = other;
        epilogue.result = add.getResult();
        epilogue.absorbed.push_back(add);
      }
    }
  }
  Operation *user = soleUser(epilogue.result);
  if (user && (isa<dl::ReluOp>(user) || (isa<dl::TanhOp>(user) && isa<dl::Conv2DOp>(op)))) {
    epilogue.activation = isa<dl::ReluOp>(user) ? "relu" : "tanh";
    epilogue.result = user->getResult(0);
    epilogue.absorbed.push_back(user);
  }
  return epilogue;
}

/// Whether `value` is a splat constant of floating-point zero (+0.0 only
/// where `positive`).
bool isZeroSplat(Value value, bool positive = false) {
  auto constant = value.getDefiningOp<dl::ConstantOp>();
  auto splat = constant ? dyn_cast<SplatElementsAttr>(constant.getValue()) : nullptr;
  if (!splat || !isa<FloatType>(splat.getElementType()))
    return false;
  APFloat zero = splat.getSplatValue<APFloat>();
  return positive ? zero.isPosZero() : zero.isZero();
}

/// The ReLU mask a max pool's gradient can apply as it scatters:
/// `select(compare gt(x, 0), pool2d_backward max(x, dy), +0)`, where the
/// gradient's only user is the select and x is the pooling's input (the
/// ReLU gradient's form when a ReLU feeds the pool). Returns the select,
/// or null.
dl::SelectOp matchPoolReluMask(dl::Pool2DBackwardOp pool) {
  if (pool.getKind() != dl::PoolKind::max)
    return {};
  auto select = dyn_cast_or_null<dl::SelectOp>(soleUser(pool.getResult()));
  if (!select || select.getOnTrue() != pool.getResult() ||
      !isZeroSplat(select.getOnFalse(), /*positive=*/true) || select.getType() != pool.getType())
    return {};
  auto compare = select.getCondition().getDefiningOp<dl::CompareOp>();
  if (!compare || compare.getDirection() != dl::CompareDirection::gt ||
      compare.getLhs() != pool.getInput() || !isZeroSplat(compare.getRhs()))
    return {};
  return select;
}

/// The bias gradient a filter gradient can compute alongside: a reduce_sum
/// of the same output gradient over batch and space (N, H, W), every user
/// of which comes after the filter gradient (where the call runs). Returns
/// the reduce_sum, or null.
dl::ReduceSumOp matchBiasGradient(dl::Conv2DBackwardFilterOp filter) {
  Value grad = filter.getGrad();
  SmallVector<int64_t, 3> axes = filter.getLayout() == dl::Layout::nhwc
                                     ? SmallVector<int64_t, 3>{0, 1, 2}
                                     : SmallVector<int64_t, 3>{0, 2, 3};
  for (Operation *user : grad.getUsers()) {
    auto sum = dyn_cast<dl::ReduceSumOp>(user);
    if (!sum || sum->getBlock() != filter->getBlock() || sum.getKeepdims())
      continue;
    SmallVector<int64_t, 3> sorted(sum.getAxes());
    llvm::sort(sorted);
    if (sorted != axes)
      continue;
    if (llvm::all_of(sum->getUsers(), [&](Operation *later) {
          return later->getBlock() == filter->getBlock() && filter->isBeforeInBlock(later);
        }))
      return sum;
  }
  return {};
}

/// The element type a kernel computes an elementwise op in, if it can be
/// fused with others of that type: every operand and result is that float
/// type or i1 (a cast may also read a narrow integer, converted exactly on
/// load). Ops touching wider integers or mixing float types stay alone, so
/// fusion never changes how a result rounds.
std::optional<Type> fusionType(Operation *op) {
  if (!isElementwise(op))
    return std::nullopt;
  auto elementOf = [](Value v) { return cast<RankedTensorType>(v.getType()).getElementType(); };
  Type result = elementOf(op->getResult(0));
  Type compute = isa<FloatType>(result) ? result : Type();
  for (Value operand : op->getOperands()) {
    Type element = elementOf(operand);
    if (isa<FloatType>(element)) {
      if (compute && compute != element)
        return std::nullopt;
      compute = element;
    } else if (!element.isInteger(1) &&
               !(isa<dl::CastOp>(op) && element.getIntOrFloatBitWidth() <= 32)) {
      return std::nullopt;
    }
  }
  if (!compute || !(compute.isF32() || compute.isF64()) ||
      (!isa<FloatType>(result) && !result.isInteger(1)))
    return std::nullopt;
  return compute;
}

/// Lowers one function into an exec.entry.
class EntryLowering {
public:
  EntryLowering(func::FuncOp function, OpBuilder &moduleBuilder, SymbolTable &symbols,
                unsigned &kernelCount)
      : function(function), moduleBuilder(moduleBuilder), symbols(symbols),
        kernelCount(kernelCount), builder(function.getContext()) {}

  LogicalResult run() {
    SmallVector<Attribute> outputNames;
    for (unsigned i = 0; i < function.getNumResults(); ++i)
      outputNames.push_back(nameOf(function.getResultAttrDict(i), "output", i));
    auto entry = exec::EntryOp::create(moduleBuilder, function.getLoc(), function.getSymName(),
                                       builder.getArrayAttr(outputNames), IntegerAttr());
    builder.setInsertionPointToStart(&entry.getBody().emplaceBlock());
    for (BlockArgument argument : function.getArguments()) {
      auto name = cast<StringAttr>(nameOf(function.getArgAttrDict(argument.getArgNumber()), "input",
                                          argument.getArgNumber()));
      buffers[argument] = exec::InputOp::create(
          builder, function.getLoc(), bufferType(argument.getType()), name, IntegerAttr());
    }
    planFusion(function.getBody().front());
    for (Operation &op : function.getBody().front())
      if (!absorbed.contains(&op) && failed(lower(&op)))
        return failure();
    return success();
  }

  /// Epilogues of matmuls and convolutions first (their ops are not fused
  /// into kernels), then fusion groups: runs of elementwise ops in program
  /// order with the same result shape and compute type (constants and
  /// parameter reads between them do not break a run; anything else does).
  /// A group becomes one kernel with an output per value used outside it.
  void planFusion(Block &body) {
    for (Operation &op : body) {
      if (isa<dl::MatmulOp, dl::Conv2DOp>(&op)) {
        Epilogue epilogue = matchEpilogue(&op);
        absorbed.insert(epilogue.absorbed.begin(), epilogue.absorbed.end());
        epilogues[&op] = std::move(epilogue);
      } else if (auto pool = dyn_cast<dl::Pool2DBackwardOp>(&op)) {
        if (dl::SelectOp select = matchPoolReluMask(pool)) {
          absorbed.insert(select);
          if (Operation *compare = select.getCondition().getDefiningOp(); compare->hasOneUse())
            absorbed.insert(compare);
          reluMasked[pool] = select.getResult();
        }
      } else if (auto filter = dyn_cast<dl::Conv2DBackwardFilterOp>(&op)) {
        if (dl::ReduceSumOp sum = matchBiasGradient(filter)) {
          absorbed.insert(sum);
          biasGradients[filter] = sum.getResult();
        }
      }
    }
    SmallVector<Operation *> group;
    std::pair<ArrayRef<int64_t>, Type> key;
    auto close = [&] {
      if (group.size() > 1) {
        groups.emplace_back(group.begin(), group.end());
        for (Operation *member : group)
          groupOf[member] = groups.size() - 1;
      }
      group.clear();
    };
    for (Operation &op : body) {
      if (isa<dl::ConstantOp, dl::ParamGetOp>(op))
        continue;
      std::optional<Type> type = absorbed.contains(&op) ? std::nullopt : fusionType(&op);
      if (!type) {
        close();
        continue;
      }
      auto shape = cast<RankedTensorType>(op.getResult(0).getType()).getShape();
      if (!group.empty() && (key.first != shape || key.second != *type))
        close();
      if (group.empty())
        key = {shape, *type};
      group.push_back(&op);
    }
    close();
  }

private:
  Attribute nameOf(DictionaryAttr attrs, StringRef fallback, unsigned index) {
    if (attrs)
      if (auto name = attrs.getAs<StringAttr>(dl::DLDialect::kNameAttrName))
        return name;
    return builder.getStringAttr(fallback + Twine(index));
  }

  Value alloc(Location loc, Type tensor) {
    return exec::AllocOp::create(builder, loc, bufferType(tensor), IntegerAttr());
  }

  /// The buffer holding `value`; constants that are not kernel immediates
  /// become exec.constant buffers when first needed.
  Value bufferOf(Value value) {
    auto it = buffers.find(value);
    if (it != buffers.end())
      return it->second;
    auto constant = value.getDefiningOp<dl::ConstantOp>();
    assert(constant && "operands are lowered before their users");
    Value buffer = exec::ConstantOp::create(builder, constant.getLoc(),
                                            bufferType(constant.getType()), constant.getValue());
    buffers[value] = buffer;
    return buffer;
  }

  LogicalResult lower(Operation *op) {
    Location loc = op->getLoc();
    if (isa<dl::ConstantOp>(op))
      return success(); // materialized on first use, or folded into kernels
    if (auto get = dyn_cast<dl::ParamGetOp>(op)) {
      buffers[get.getResult()] =
          exec::ParamOp::create(builder, loc, bufferType(get.getType()), get.getNameAttr());
      return success();
    }
    if (auto reshape = dyn_cast<dl::ReshapeOp>(op))
      return lowerReshape(reshape);
    if (auto dropout = dyn_cast<dl::DropoutOp>(op); dropout && !dropout.getTraining()) {
      // The identity outside training: its result is its input's buffer.
      buffers[dropout.getResult()] = bufferOf(dropout.getInput());
      return success();
    }
    if (auto set = dyn_cast<dl::ParamSetOp>(op)) {
      if (writtenInPlace.contains(set))
        return success();
      // The new value is copied into the parameter's persistent buffer.
      Value target = exec::ParamOp::create(builder, loc, bufferType(set.getValue().getType()),
                                           set.getNameAttr());
      exec::CallOp::create(builder, loc, builder.getStringAttr("copy"),
                           ValueRange{bufferOf(set.getValue())}, ValueRange{target});
      return success();
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op))
      return lowerReturn(ret);
    if (isa<func::CallOp>(op))
      return op->emitError() << "calls must be inlined before dl-lower-to-exec";
    if (auto it = groupOf.find(op); it != groupOf.end()) {
      // The group's kernel runs where its last op was: every input exists.
      ArrayRef<Operation *> group = groups[it->second];
      return op == group.back() ? lowerKernel(group) : success();
    }
    if (isElementwise(op))
      return lowerKernel(op);
    if (auto norm = dyn_cast<dl::BatchNormOp>(op))
      return lowerBatchNorm(norm);
    std::optional<CallSpec> spec = callSpec(op, builder);
    if (!spec)
      return op->emitError() << "has no lowering to exec";
    SmallVector<Value> ins;
    for (Value operand : op->getOperands())
      ins.push_back(bufferOf(operand));
    Value result = op->getResult(0);
    if (auto it = epilogues.find(op); it != epilogues.end()) {
      const Epilogue &epilogue = it->second;
      if (epilogue.bias)
        ins.push_back(bufferOf(epilogue.bias));
      if (!epilogue.activation.empty())
        spec->attributes.push_back(
            builder.getNamedAttr("activation", builder.getStringAttr(epilogue.activation)));
      result = epilogue.result;
    }
    // Every result (a gradient op may have several); an epilogue's or a
    // fused mask's value in place of the first.
    SmallVector<Value, 3> results(op->getResults());
    results.front() = result;
    if (auto it = reluMasked.find(op); it != reluMasked.end()) {
      spec->attributes.push_back(builder.getNamedAttr("relu_mask", builder.getBoolAttr(true)));
      results.front() = it->second;
    }
    if (auto it = biasGradients.find(op); it != biasGradients.end())
      results.push_back(it->second);
    emitCall(op, spec->routine, ins, spec->attributes, results);
    return success();
  }

  /// A library call writing `results` (by default the op's only result).
  void emitCall(Operation *op, StringRef routine, ValueRange ins,
                ArrayRef<NamedAttribute> attributes, ValueRange results = {}) {
    if (results.empty())
      results = op->getResults();
    SmallVector<Value, 2> outs;
    for (Value result : results) {
      outs.push_back(alloc(op->getLoc(), result.getType()));
      buffers[result] = outs.back();
    }
    auto call =
        exec::CallOp::create(builder, op->getLoc(), builder.getStringAttr(routine), ins, outs);
    for (const NamedAttribute &attribute : attributes)
      call->setAttr(attribute.getName(), attribute.getValue());
  }

  /// A reshape of an arena buffer is a view of its bytes. A constant is
  /// reshaped here; a parameter is copied into the arena, since the
  /// executable has one buffer per persistent tensor and no aliases of it.
  LogicalResult lowerReshape(dl::ReshapeOp reshape) {
    Location loc = reshape.getLoc();
    MemRefType type = bufferType(reshape.getType());
    if (auto constant = reshape.getInput().getDefiningOp<dl::ConstantOp>()) {
      if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
        buffers[reshape.getResult()] = exec::ConstantOp::create(
            builder, loc, type, dense.reshape(cast<ShapedType>(reshape.getType())));
        return success();
      }
    }
    Value source = bufferOf(reshape.getInput());
    if (isa_and_nonnull<exec::InputOp, exec::AllocOp>(exec::viewRoot(source).getDefiningOp())) {
      buffers[reshape.getResult()] = exec::ViewOp::create(builder, loc, type, source);
      return success();
    }
    Value copy = alloc(loc, reshape.getType());
    exec::CallOp::create(builder, loc, builder.getStringAttr("copy"), ValueRange{source},
                         ValueRange{copy});
    buffers[reshape.getResult()] = copy;
    return success();
  }

  /// The running statistics are persistent buffers the routine reads (and in
  /// training form, updates).
  LogicalResult lowerBatchNorm(dl::BatchNormOp norm) {
    Location loc = norm.getLoc();
    Type statType = bufferType(norm.getScale().getType());
    Value mean = exec::ParamOp::create(builder, loc, statType, norm.getRunningMeanAttr());
    Value var = exec::ParamOp::create(builder, loc, statType, norm.getRunningVarAttr());
    std::optional<CallSpec> spec = callSpec(norm, builder);
    emitCall(norm, spec->routine,
             {bufferOf(norm.getInput()), bufferOf(norm.getScale()), bufferOf(norm.getOffset()),
              mean, var},
             spec->attributes);
    return success();
  }

  /// One kernel for a fusion group (or a single elementwise op), with splat
  /// constants folded in as immediates: its inputs are the values the group
  /// reads from outside, its outputs the values used outside it.
  LogicalResult lowerKernel(ArrayRef<Operation *> ops) {
    llvm::SmallPtrSet<Operation *, 16> members(ops.begin(), ops.end());
    SmallVector<Value> inputs, outputs;
    for (Operation *op : ops)
      for (Value operand : op->getOperands())
        if (!members.contains(operand.getDefiningOp()) && !isScalarSplat(operand) &&
            !llvm::is_contained(inputs, operand))
          inputs.push_back(operand);
    for (Operation *op : ops)
      for (Value result : op->getResults())
        if (llvm::any_of(result.getUsers(),
                         [&](Operation *user) { return !members.contains(user); }))
          outputs.push_back(result);
    if (outputs.empty())
      return success(); // nothing outside reads it

    std::string name = "k" + std::to_string(kernelCount++);
    for (Operation *op : ops.take_front(4))
      name += "_" + op->getName().stripDialect().str();
    if (ops.size() > 4)
      name += "_and_" + std::to_string(ops.size() - 4) + "_more";
    Location loc = ops.front()->getLoc();
    auto kernel = exec::KernelOp::create(moduleBuilder, loc, name);
    symbols.insert(kernel); // renamed if a parameter or function has the name
    Block &body = kernel.getBody().emplaceBlock();
    OpBuilder kernelBuilder = OpBuilder::atBlockBegin(&body);
    IRMapping mapping;
    for (Value input : inputs)
      mapping.map(input, body.addArgument(input.getType(), loc));
    for (Operation *op : ops) {
      for (Value operand : op->getOperands())
        if (isScalarSplat(operand) && !mapping.contains(operand))
          mapping.map(operand, kernelBuilder.clone(*operand.getDefiningOp())->getResult(0));
      kernelBuilder.clone(*op, mapping);
    }
    SmallVector<Value> yielded;
    for (Value output : outputs)
      yielded.push_back(mapping.lookup(output));
    exec::YieldOp::create(kernelBuilder, loc, yielded);

    SmallVector<Value> ins, outs;
    for (Value input : inputs)
      ins.push_back(bufferOf(input));
    for (Value output : outputs) {
      if (dl::ParamSetOp set = inPlaceWrite(output, members, ops.back())) {
        // The kernel writes the parameter's new value in place: its only
        // use is the write, and nothing reads the parameter afterwards.
        outs.push_back(exec::ParamOp::create(builder, set.getLoc(), bufferType(output.getType()),
                                             set.getNameAttr()));
        writtenInPlace.insert(set);
      } else {
        outs.push_back(alloc(output.getLoc(), output.getType()));
      }
      buffers[output] = outs.back();
    }
    exec::LaunchOp::create(builder, loc, FlatSymbolRefAttr::get(kernel.getSymNameAttr()), ins,
                           outs);
    return success();
  }

  /// The dl.param.set that is `value`'s only use outside the kernel's ops
  /// `members`, if the kernel ending at `last` may write it straight into
  /// the parameter: no read of the parameter follows (elementwise kernels
  /// read each element before they write it, so the kernel's own reads of
  /// the old value are safe).
  dl::ParamSetOp inPlaceWrite(Value value, const llvm::SmallPtrSetImpl<Operation *> &members,
                              Operation *last) {
    dl::ParamSetOp set;
    for (Operation *user : value.getUsers()) {
      if (members.contains(user))
        continue; // computed inside the kernel
      auto write = dyn_cast<dl::ParamSetOp>(user);
      if (!write || set)
        return {};
      set = write;
    }
    if (!set || set->getBlock() != last->getBlock())
      return {};
    // No read of the old value after the kernel: neither a later
    // dl.param.get nor a later use of an earlier one.
    for (auto get : last->getBlock()->getOps<dl::ParamGetOp>()) {
      if (get.getName() != set.getName())
        continue;
      if (last->isBeforeInBlock(get))
        return {};
      for (Operation *user : get->getUsers())
        if (!members.contains(user) && last->isBeforeInBlock(user))
          return {};
    }
    return set;
  }

  /// Outputs are arena buffers of their own: an input, parameter or
  /// constant returned as is, or bytes returned twice (also through a
  /// view), are copied.
  LogicalResult lowerReturn(func::ReturnOp ret) {
    SmallVector<Value> results, roots;
    for (Value value : ret.getOperands()) {
      Value buffer = bufferOf(value);
      Value root = exec::viewRoot(buffer);
      if (!root.getDefiningOp<exec::AllocOp>() || llvm::is_contained(roots, root)) {
        Value copy = alloc(ret.getLoc(), value.getType());
        exec::CallOp::create(builder, ret.getLoc(), builder.getStringAttr("copy"),
                             ValueRange{buffer}, ValueRange{copy});
        buffer = root = copy;
      }
      results.push_back(buffer);
      roots.push_back(root);
    }
    exec::ReturnOp::create(builder, ret.getLoc(), results);
    return success();
  }

  func::FuncOp function;
  OpBuilder &moduleBuilder;
  SymbolTable &symbols;
  unsigned &kernelCount;
  OpBuilder builder;
  DenseMap<Value, Value> buffers;
  DenseMap<Operation *, Epilogue> epilogues;    // of each matmul and conv2d
  DenseSet<Operation *> absorbed;               // ops a library call performs too
  DenseMap<Operation *, Value> reluMasked;      // max pool gradient -> its masked result
  DenseMap<Operation *, Value> biasGradients;   // conv filter gradient -> the bias gradient
  SmallVector<SmallVector<Operation *>> groups; // fusion groups of two or more ops
  DenseMap<Operation *, size_t> groupOf;
  DenseSet<Operation *> writtenInPlace; // dl.param.set a kernel already did
};

struct DLLowerToExecPass : dlc::impl::DLLowerToExecBase<DLLowerToExecPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder moduleBuilder(module.getContext());
    moduleBuilder.setInsertionPointToEnd(module.getBody());
    SymbolTable symbols(module);
    unsigned kernelCount = 0;
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp function : functions) {
      if (function.isPublic() && !function.isDeclaration()) {
        EntryLowering lowering(function, moduleBuilder, symbols, kernelCount);
        if (failed(lowering.run()))
          return signalPassFailure();
      }
    }
    for (func::FuncOp function : functions)
      function.erase();
  }
};

} // namespace
