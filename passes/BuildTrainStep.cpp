// dl-build-train-step: the compiled training step (forward, backward and the
// optimizer update in one function) and the evaluation entry point.
#include "passes/Passes.h"

#include "dialects/dl/DLDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <cmath>
#include <initializer_list>

namespace dlc {
#define GEN_PASS_DEF_DLBUILDTRAINSTEP
#include "passes/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
namespace dl = dlc::dl;

namespace {

constexpr llvm::StringLiteral kStepCounter = "train.step";

/// Scalar and elementwise arithmetic for the update, at one location.
/// Scalars (learning rate, bias corrections, clip scale) are f64; `like`
/// casts one to a tensor's element type where it meets the tensor.
class Math {
public:
  Math(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value constant(Type element, double value) {
    auto type = RankedTensorType::get({}, element);
    Attribute attr = isa<FloatType>(element) ? Attribute(b.getFloatAttr(element, value))
                                             : Attribute(b.getIntegerAttr(element, int64_t(value)));
    return dl::ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, attr));
  }
  Value f64(double value) { return constant(b.getF64Type(), value); }
  Type f64Type() { return b.getF64Type(); }
  Location location() const { return loc; }
  Value add(Value x, Value y) { return dl::AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return dl::SubOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return dl::MulOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return dl::DivOp::create(b, loc, x, y); }
  Value pow(Value x, Value y) { return dl::PowOp::create(b, loc, x, y); }
  Value minimum(Value x, Value y) { return dl::MinimumOp::create(b, loc, x, y); }
  Value maximum(Value x, Value y) { return dl::MaximumOp::create(b, loc, x, y); }
  Value cos(Value x) { return dl::CosOp::create(b, loc, x.getType(), x); }
  Value lessThan(Value x, Value y) {
    return dl::CompareOp::create(
        b, loc, dl::CompareDirectionAttr::get(b.getContext(), dl::CompareDirection::lt), x, y);
  }
  Value select(Value condition, Value x, Value y) {
    return dl::SelectOp::create(b, loc, condition, x, y);
  }
  Value sqrt(Value x) { return dl::SqrtOp::create(b, loc, x.getType(), x); }
  Value cast(Value x, Type element) {
    auto type = cast_(x).clone(element);
    return x.getType() == type ? x : dl::CastOp::create(b, loc, type, x).getResult();
  }
  /// A scalar `s` in the element type of `tensor`, converted once.
  Value like(Value s, Value tensor) {
    Type element = cast_(tensor).getElementType();
    Value &converted = likeCache[{s, element}];
    if (!converted)
      converted = cast(s, element);
    return converted;
  }
  /// The sum of all elements, as a scalar.
  Value sumAll(Value x) {
    RankedTensorType type = cast_(x);
    if (type.getRank() == 0)
      return x;
    SmallVector<int64_t> axes(type.getRank());
    for (int64_t i = 0; i < type.getRank(); ++i)
      axes[i] = i;
    return dl::ReduceSumOp::create(b, loc, RankedTensorType::get({}, type.getElementType()), x,
                                   b.getDenseI64ArrayAttr(axes), UnitAttr());
  }

private:
  static RankedTensorType cast_(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }
  OpBuilder &b;
  Location loc;
  DenseMap<std::pair<Value, Type>, Value> likeCache;
};

struct Trained {
  dl::ParamOp param;
  Value value, grad;                 // in the training step
  SmallVector<dl::ParamOp, 2> slots; // optimizer state: velocity, or m and v
};

class TrainStepBuilder {
public:
  TrainStepBuilder(ModuleOp module, func::FuncOp loss)
      : module(module), loss(loss), symbols(module) {}

  LogicalResult run() {
    Attribute optimizer = module->getAttr(dl::DLDialect::kOptimizerAttrName);
    if (!optimizer)
      return module.emitError() << "training needs an optimizer: add an attribute such as "
                                   "{dl.optimizer = #dl.adam<lr = 1.0e-3>} to the module";
    Attribute schedule = module->getAttr(dl::DLDialect::kScheduleAttrName);

    OpBuilder b(module.getContext());
    // The step counter and each parameter's optimizer state, after the
    // model's own parameters.
    b.setInsertionPointAfter(lastParam());
    FailureOr<dl::ParamOp> counter =
        addState(b, kStepCounter, RankedTensorType::get({}, b.getI64Type()));
    if (failed(counter))
      return failure();

    // The loss in its training form (dropout draws its mask from the step
    // counter, batch norm uses and updates batch statistics), then its
    // gradients: train_step grows from that function.
    b.setInsertionPointAfter(loss);
    auto forward = cast<func::FuncOp>(b.clone(*loss));
    forward.setSymName("train_step.forward");
    symbols.insert(forward);
    Block &forwardBody = forward.getBody().front();
    b.setInsertionPointToStart(&forwardBody);
    Value counterValue = dl::ParamGetOp::create(b, forward.getLoc(), counter->getTensorType(),
                                                counter->getSymNameAttr());
    forwardBody.walk([&](Operation *op) {
      if (auto dropout = dyn_cast<dl::DropoutOp>(op)) {
        dropout.setTraining(true);
        dropout.getStepMutable().assign(counterValue);
      } else if (auto norm = dyn_cast<dl::BatchNormOp>(op)) {
        norm.setTraining(true);
      }
    });
    FailureOr<func::FuncOp> gradient = buildGradientFunction(module, forward, "train_step");
    forward.erase();
    if (failed(gradient))
      return failure();
    func::FuncOp step = *gradient;
    Block &body = step.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    // The counter read made first in the forward copy leads the clone too.
    Value t = cast<dl::ParamGetOp>(body.front()).getResult();

    // The gradients are the results marked dl.gradient_of; the others are
    // the loss function's results, which train_step returns.
    SmallVector<Trained> trained;
    SmallVector<Value> results;
    SmallVector<DictionaryAttr> resultAttrs;
    b.setInsertionPoint(ret);
    for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
      auto of = step.getResultAttrOfType<FlatSymbolRefAttr>(i, dl::DLDialect::kGradientOfAttrName);
      if (!of) {
        results.push_back(value);
        resultAttrs.push_back(step.getResultAttrDict(i));
        continue;
      }
      auto param = symbols.lookup<dl::ParamOp>(of.getValue());
      Value current = dl::ParamGetOp::create(b, ret.getLoc(), param.getTensorType(), of);
      trained.push_back({param, current, value, {}});
    }
    if (trained.empty())
      return loss.emitError() << "has no gradients to train with";

    Math m(b, ret.getLoc());
    Value t64 = m.cast(t, b.getF64Type());
    Value lr = learningRate(m, optimizer, schedule, t);
    if (failed(clip(m, optimizer, trained)) || failed(update(b, m, optimizer, lr, t64, trained)))
      return failure();
    Value next = m.add(t, m.constant(b.getI64Type(), 1));
    dl::ParamSetOp::create(b, ret.getLoc(), counter->getSymNameAttr(), next);

    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types;
    for (Value result : results)
      types.push_back(result.getType());
    step.setFunctionType(b.getFunctionType(step.getArgumentTypes(), types));
    SmallVector<Attribute> attrs(resultAttrs.begin(), resultAttrs.end());
    step.setAllResultAttrs(attrs);
    return buildEval(b);
  }

private:
  Operation *lastParam() {
    Operation *last = nullptr;
    for (auto param : module.getOps<dl::ParamOp>())
      last = param;
    return last ? last : &module.getBody()->front();
  }

  FailureOr<dl::ParamOp> addState(OpBuilder &b, StringRef name, RankedTensorType type) {
    if (symbols.lookup(name))
      return module.emitError() << "the training step needs the name @" << name
                                << " for optimizer state; rename the model's symbol";
    auto param = dl::ParamOp::create(b, module.getLoc(), b.getStringAttr(name), TypeAttr::get(type),
                                     dl::ZerosInitAttr::get(b.getContext()), b.getUnitAttr());
    param->setAttr(dl::DLDialect::kOptimizerStateAttrName, b.getUnitAttr());
    symbols.insert(param);
    return param;
  }

  /// The learning rate of step `t` (an f64 scalar).
  Value learningRate(Math &m, Attribute optimizer, Attribute schedule, Value t) {
    double lr = 0;
    if (auto sgd = dyn_cast<dl::SGDAttr>(optimizer))
      lr = sgd.getLr().convertToDouble();
    else if (auto adam = dyn_cast<dl::AdamAttr>(optimizer))
      lr = adam.getLr().convertToDouble();
    else
      lr = cast<dl::AdamWAttr>(optimizer).getLr().convertToDouble();
    if (auto stepLr = dyn_cast_or_null<dl::StepLRAttr>(schedule)) {
      // lr * gamma^floor(t / step_size); t >= 0, so integer division floors.
      Type i64 = cast<RankedTensorType>(t.getType()).getElementType();
      Value decays = m.cast(m.div(t, m.constant(i64, double(stepLr.getStepSize()))), m.f64Type());
      return m.mul(m.f64(lr), m.pow(m.f64(stepLr.getGamma().convertToDouble()), decays));
    }
    if (auto cosine = dyn_cast_or_null<dl::CosineLRAttr>(schedule)) {
      // Linear warmup over W steps, then half a cosine from lr down to
      // min_lr at T, min_lr after.
      double warmup = static_cast<double>(cosine.getWarmupSteps());
      double total = static_cast<double>(cosine.getTotalSteps());
      double low = cosine.getMinLr().convertToDouble();
      Value t64 = m.cast(t, m.f64Type());
      Value progress = m.div(m.sub(t64, m.f64(warmup)), m.f64(total - warmup));
      progress = m.minimum(m.maximum(progress, m.f64(0)), m.f64(1));
      Value wave = m.add(m.f64(1), m.cos(m.mul(m.f64(M_PI), progress)));
      Value decayed = m.add(m.f64(low), m.mul(m.f64((lr - low) / 2), wave));
      if (cosine.getWarmupSteps() == 0)
        return decayed;
      Value warm = m.mul(m.f64(lr / warmup), m.add(t64, m.f64(1)));
      return m.select(m.lessThan(t64, m.f64(warmup)), warm, decayed);
    }
    return m.f64(lr);
  }

  static double clipNorm(Attribute optimizer) {
    if (auto sgd = dyn_cast<dl::SGDAttr>(optimizer))
      return sgd.getClipNorm().convertToDouble();
    if (auto adam = dyn_cast<dl::AdamAttr>(optimizer))
      return adam.getClipNorm().convertToDouble();
    return cast<dl::AdamWAttr>(optimizer).getClipNorm().convertToDouble();
  }

  /// The factor min(1, clip_norm / ||all gradients||) that update() scales
  /// each gradient by, in clipScale (none without clip_norm).
  LogicalResult clip(Math &m, Attribute optimizer, MutableArrayRef<Trained> trained) {
    double limit = clipNorm(optimizer);
    if (limit <= 0)
      return success();
    Value squares;
    for (Trained &p : trained) {
      Value sum = m.cast(m.sumAll(m.mul(p.grad, p.grad)), m.f64Type());
      squares = squares ? m.add(squares, sum) : sum;
    }
    clipScale = m.minimum(m.f64(1), m.div(m.f64(limit), m.sqrt(squares)));
    return success();
  }

  /// A parameter's gradient as its update uses it: scaled by clipScale
  /// inside the update's run of elementwise ops, so that the scaling fuses
  /// into the update's kernel instead of a pass of its own.
  Value clipped(Math &m, Trained &p) {
    return clipScale ? m.mul(p.grad, m.like(clipScale, p.value)) : p.grad;
  }

  LogicalResult update(OpBuilder &b, Math &m, Attribute optimizer, Value lr, Value t64,
                       MutableArrayRef<Trained> trained) {
    Location loc = m.location();
    // The writes come after all updates (reads before them see the old
    // values either way), so each parameter's update is one run of
    // elementwise ops that fuses into one kernel.
    SmallVector<std::pair<dl::ParamOp, Value>> writes;
    auto set = [&](dl::ParamOp param, Value value) { writes.push_back({param, value}); };
    auto flush = [&] {
      for (auto [param, value] : writes)
        dl::ParamSetOp::create(b, loc, param.getSymNameAttr(), value);
    };
    auto get = [&](dl::ParamOp param) -> Value {
      return dl::ParamGetOp::create(b, loc, param.getTensorType(), param.getSymNameAttr());
    };
    auto slot = [&](Trained &p, StringRef suffix) -> FailureOr<dl::ParamOp> {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointAfter(lastParam());
      return addState(b, (p.param.getSymName() + "." + suffix).str(), p.param.getTensorType());
    };

    // The scalars in each parameter's type, before the updates.
    auto convertScalars = [&](std::initializer_list<Value> scalars) {
      for (Trained &p : trained)
        for (Value scalar : scalars)
          if (scalar)
            m.like(scalar, p.value);
    };
    if (auto sgd = dyn_cast<dl::SGDAttr>(optimizer)) {
      convertScalars({lr, clipScale});
      double momentum = sgd.getMomentum().convertToDouble();
      double decay = sgd.getWeightDecay().convertToDouble();
      for (Trained &p : trained) {
        Value g = clipped(m, p), w = p.value;
        if (decay != 0)
          g = m.add(g, m.mul(m.like(m.f64(decay), w), w));
        Value direction = g;
        if (momentum != 0) {
          FailureOr<dl::ParamOp> velocity = slot(p, "velocity");
          if (failed(velocity))
            return failure();
          Value mu = m.like(m.f64(momentum), w);
          Value v = m.add(m.mul(mu, get(*velocity)), g);
          set(*velocity, v);
          direction = sgd.getNesterov() ? m.add(g, m.mul(mu, v)) : v;
        }
        set(p.param, m.sub(w, m.mul(m.like(lr, w), direction)));
      }
      flush();
      return success();
    }

    // Adam and AdamW.
    double beta1, beta2, epsilon, decay = 0;
    if (auto adam = dyn_cast<dl::AdamAttr>(optimizer)) {
      beta1 = adam.getBeta1().convertToDouble();
      beta2 = adam.getBeta2().convertToDouble();
      epsilon = adam.getEpsilon().convertToDouble();
    } else {
      auto adamw = cast<dl::AdamWAttr>(optimizer);
      beta1 = adamw.getBeta1().convertToDouble();
      beta2 = adamw.getBeta2().convertToDouble();
      epsilon = adamw.getEpsilon().convertToDouble();
      decay = adamw.getWeightDecay().convertToDouble();
    }
    // Bias corrections 1 - beta^(t + 1), folded into the step size and the
    // epsilon: lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / c1 and
    // v_hat = v / c2 is (lr / c1) * m / (sqrt(v / c2) + eps).
    Value t1 = m.add(t64, m.f64(1));
    Value c1 = m.sub(m.f64(1), m.pow(m.f64(beta1), t1));
    Value c2 = m.sub(m.f64(1), m.pow(m.f64(beta2), t1));
    convertScalars({lr, c1, c2, clipScale});
    for (Trained &p : trained) {
      FailureOr<dl::ParamOp> first = slot(p, "m");
      if (failed(first))
        return failure();
      FailureOr<dl::ParamOp> second = slot(p, "v");
      if (failed(second))
        return failure();
      Value g = clipped(m, p), w = p.value;
      Value mNew =
          m.add(m.mul(m.like(m.f64(beta1), w), get(*first)), m.mul(m.like(m.f64(1 - beta1), w), g));
      Value vNew = m.add(m.mul(m.like(m.f64(beta2), w), get(*second)),
                         m.mul(m.like(m.f64(1 - beta2), w), m.mul(g, g)));
      set(*first, mNew);
      set(*second, vNew);
      Value denominator = m.add(m.sqrt(m.div(vNew, m.like(c2, w))), m.like(m.f64(epsilon), w));
      Value direction = m.div(m.div(mNew, m.like(c1, w)), denominator);
      if (decay != 0)
        direction = m.add(direction, m.mul(m.like(m.f64(decay), w), w));
      set(p.param, m.sub(w, m.mul(m.like(lr, w), direction)));
    }
    flush();
    return success();
  }

  /// `eval`: the loss function as it is (dropout off, batch norm on running
  /// statistics), under the name the runtime evaluates with.
  LogicalResult buildEval(OpBuilder &b) {
    if (symbols.lookup("eval"))
      return success();
    b.setInsertionPointAfter(loss);
    auto eval = cast<func::FuncOp>(b.clone(*loss));
    eval.setSymName("eval");
    symbols.insert(eval);
    return success();
  }

  ModuleOp module;
  func::FuncOp loss;
  SymbolTable symbols;
  Value clipScale; // f64, set by clip() when the optimizer clips
};

struct DLBuildTrainStepPass : dlc::impl::DLBuildTrainStepBase<DLBuildTrainStepPass> {
  using DLBuildTrainStepBase::DLBuildTrainStepBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto loss = module.lookupSymbol<func::FuncOp>(functionName);
    if (!loss) {
      module.emitError() << "dl-build-train-step: no function @" << functionName << " to train";
      return signalPassFailure();
    }
    if (failed(TrainStepBuilder(module, loss).run()))
      return signalPassFailure();
  }
};

} // namespace
