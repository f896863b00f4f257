#ifndef DL_ATTRS_TD
#define DL_ATTRS_TD

include "dialects/dl/DLDialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Attribute interfaces: what role an attribute plays in a model.
//===----------------------------------------------------------------------===//

def DL_InitializerAttrInterface : AttrInterface<"InitializerAttrInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An initializer of a `dl.param`: how the runtime fills the tensor before the
    first training step.
  }];
}

def DL_OptimizerAttrInterface : AttrInterface<"OptimizerAttrInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An optimizer, attached to the model as the module attribute `dl.optimizer`.
  }];
}

def DL_ScheduleAttrInterface : AttrInterface<"ScheduleAttrInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    A learning-rate schedule, attached as the module attribute `dl.lr_schedule`.
  }];
}

//===----------------------------------------------------------------------===//
// Parameters of attributes. Numbers are written as plain literals
// (`lr = 1.0e-3`, `momentum = 0`) and printed in decimal, with as many digits
// as the value needs to read back exactly; omitted parameters take their
// documented default, and an attribute whose parameters all have defaults may
// drop the `<>` (`#dl.normal` is N(0, 1)).
//===----------------------------------------------------------------------===//

class DL_F64Param<string desc> : AttrParameter<"::llvm::APFloat", desc> {
  let parser = "::dlc::dl::parseF64Param($_parser)";
  let printer = "::dlc::dl::printF64Param($_printer, $_self)";
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
}
class DL_DefaultF64Param<string default, string desc>
    : DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(" # default # ")", desc> {
  let parser = "::dlc::dl::parseF64Param($_parser)";
  let printer = "::dlc::dl::printF64Param($_printer, $_self)";
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
}
class DL_DefaultBoolParam<string default, string desc>
    : DefaultValuedParameter<"bool", default, desc> {
  let parser = "::dlc::dl::parseBoolParam($_parser)";
  let printer = "$_printer << ($_self ? \"true\" : \"false\")";
}
class DL_I64Param<string desc> : AttrParameter<"int64_t", desc>;
class DL_DefaultI64Param<string default, string desc>
    : DefaultValuedParameter<"int64_t", default, desc>;

// An attribute without parameters (`#dl.zeros`) is written without `<>`; the
// dialect's parser rejects any that follow.
class DL_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<DL_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Initializers. Random values come from the runtime's counter-based
// generator: they do not depend on the platform or the number of threads.
//===----------------------------------------------------------------------===//

defvar fanRule = [{
    Fans come from the weight's layout: a rank-2 weight is `[in, out]` (as
    `dl.matmul %x, %w` uses it): `fan_in = in`, `fan_out = out`; a weight of
    rank 3 or more is `[out, in, spatial...]` (a convolution filter):
    `fan_in = in * prod(spatial)`, `fan_out = out * prod(spatial)`. The
    parameter must be floating-point, of rank 2 or more.
}];

def DL_ZerosInitAttr : DL_Attr<"ZerosInit", "zeros", [DL_InitializerAttrInterface]> {
  let summary = "Fill with zeros";
  let description = "Every element is 0 (`false` for `i1`).";
}
def DL_OnesInitAttr : DL_Attr<"OnesInit", "ones", [DL_InitializerAttrInterface]> {
  let summary = "Fill with ones";
  let description = "Every element is 1 (`true` for `i1`).";
}
def DL_ConstantInitAttr
    : DL_Attr<"ConstantInit", "constant", [DL_InitializerAttrInterface]> {
  let summary = "Fill with one value";
  let description = [{
    Every element is `value`: `#dl.constant<value = 0.1>`. The value must fit
    the element type: a whole number in range for an integer type (0 or 1 for
    `i1`); for a float type, the value rounded to nearest-even must be finite.
  }];
  let parameters = (ins DL_F64Param<"the fill value">:$value);
  let assemblyFormat = "`<` struct(params) `>`";
}
def DL_UniformInitAttr
    : DL_Attr<"UniformInit", "uniform", [DL_InitializerAttrInterface]> {
  let summary = "Uniform distribution";
  let description = [{
    Each element independently uniform on `[low, high)`:
    `#dl.uniform<low = -0.1, high = 0.1>`. The parameter must be
    floating-point, and both bounds finite in its element type.
  }];
  let parameters = (ins DL_DefaultF64Param<"0.0", "lower bound">:$low,
                        DL_DefaultF64Param<"1.0", "upper bound">:$high);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}
def DL_NormalInitAttr
    : DL_Attr<"NormalInit", "normal", [DL_InitializerAttrInterface]> {
  let summary = "Normal distribution";
  let description = [{
    Each element independently from `N(mean, stddev^2)`, not truncated:
    `#dl.normal<mean = 0.0, stddev = 0.01>`. The parameter must be
    floating-point, and both numbers finite in its element type.
  }];
  let parameters = (ins DL_DefaultF64Param<"0.0", "mean">:$mean,
                        DL_DefaultF64Param<"1.0", "standard deviation">:$stddev);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}
def DL_HeNormalInitAttr
    : DL_Attr<"HeNormalInit", "he_normal", [DL_InitializerAttrInterface]> {
  let summary = "Kaiming/He normal";
  let description = !strconcat([{
    Each element independently from the normal distribution with mean 0 and
    `stddev = sqrt(2 / fan_in)`, not truncated; suits ReLU layers.
  }], fanRule);
}
def DL_HeUniformInitAttr
    : DL_Attr<"HeUniformInit", "he_uniform", [DL_InitializerAttrInterface]> {
  let summary = "Kaiming/He uniform";
  let description = !strconcat([{
    Each element independently uniform on `[-b, b)`, `b = sqrt(6 / fan_in)`.
  }], fanRule);
}
def DL_GlorotNormalInitAttr
    : DL_Attr<"GlorotNormalInit", "glorot_normal", [DL_InitializerAttrInterface]> {
  let summary = "Xavier/Glorot normal";
  let description = !strconcat([{
    Each element independently from the normal distribution with mean 0 and
    `stddev = sqrt(2 / (fan_in + fan_out))`, not truncated.
  }], fanRule);
}
def DL_GlorotUniformInitAttr
    : DL_Attr<"GlorotUniformInit", "glorot_uniform", [DL_InitializerAttrInterface]> {
  let summary = "Xavier/Glorot uniform";
  let description = !strconcat([{
    Each element independently uniform on `[-b, b)`,
    `b = sqrt(6 / (fan_in + fan_out))`.
  }], fanRule);
}

//===----------------------------------------------------------------------===//
// Optimizers. Each updates every trainable parameter (not `state`) once per
// training step, from its gradient of the loss.
//===----------------------------------------------------------------------===//

defvar gradientRule = [{
    Steps `t` count from 0, and `lr` is the learning rate the schedule gives
    for step `t`. With `clip_norm > 0`, the raw gradients of all trainable
    parameters are first scaled together by `min(1, clip_norm / norm)`, where
    `norm` is the L2 norm of all of them as one vector; clipping comes before
    weight decay and momentum. Weight decay applies to every trainable
    parameter, biases and normalization scales included.
}];

def DL_SGDAttr : DL_Attr<"SGD", "sgd", [DL_OptimizerAttrInterface]> {
  let summary = "Stochastic gradient descent";
  let description = !strconcat([{
    With momentum, Nesterov momentum and L2 weight decay. For each trainable
    parameter `w` with gradient `g` and velocity `v` (0 before the first step):

    ```
    g = g + weight_decay * w
    v = momentum * v + g
    w = w - lr * (g + momentum * v)    with nesterov
    w = w - lr * v                     without
    ```
  }], gradientRule);
  let parameters = (ins DL_F64Param<"learning rate">:$lr,
                        DL_DefaultF64Param<"0.0", "momentum">:$momentum,
                        DL_DefaultBoolParam<"false", "Nesterov momentum">:$nesterov,
                        DL_DefaultF64Param<"0.0", "L2 weight decay">:$weight_decay,
                        DL_DefaultF64Param<"0.0", "global-norm clip (0: off)">:$clip_norm);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}
def DL_AdamAttr : DL_Attr<"Adam", "adam", [DL_OptimizerAttrInterface]> {
  let summary = "Adam";
  let description = !strconcat([{
    Kingma & Ba, with bias correction. For each trainable parameter `w` with
    gradient `g` and moments `m`, `v` (0 before the first step):

    ```
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g^2
    m_hat = m / (1 - beta1^(t + 1))
    v_hat = v / (1 - beta2^(t + 1))
    w = w - lr * m_hat / (sqrt(v_hat) + epsilon)
    ```
  }], gradientRule);
  let parameters = (ins DL_F64Param<"learning rate">:$lr,
                        DL_DefaultF64Param<"0.9", "first-moment decay">:$beta1,
                        DL_DefaultF64Param<"0.999", "second-moment decay">:$beta2,
                        DL_DefaultF64Param<"1.0e-8", "denominator epsilon">:$epsilon,
                        DL_DefaultF64Param<"0.0", "global-norm clip (0: off)">:$clip_norm);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}
def DL_AdamWAttr : DL_Attr<"AdamW", "adamw", [DL_OptimizerAttrInterface]> {
  let summary = "Adam with decoupled weight decay";
  let description = !strconcat([{
    Loshchilov & Hutter. As `#dl.adam`, except the last step:

    ```
    w = w - lr * (m_hat / (sqrt(v_hat) + epsilon) + weight_decay * w)
    ```
  }], gradientRule);
  let parameters = (ins DL_F64Param<"learning rate">:$lr,
                        DL_DefaultF64Param<"0.9", "first-moment decay">:$beta1,
                        DL_DefaultF64Param<"0.999", "second-moment decay">:$beta2,
                        DL_DefaultF64Param<"1.0e-8", "denominator epsilon">:$epsilon,
                        DL_DefaultF64Param<"0.01", "decoupled weight decay">:$weight_decay,
                        DL_DefaultF64Param<"0.0", "global-norm clip (0: off)">:$clip_norm);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Learning-rate schedules: the learning rate at step t (counted from 0), from
// the optimizer's lr.
//===----------------------------------------------------------------------===//

def DL_ConstantLRAttr : DL_Attr<"ConstantLR", "constant_lr", [DL_ScheduleAttrInterface]> {
  let summary = "Constant learning rate";
  let description = [{
    `lr(t) = lr` at every step. A model without `dl.lr_schedule` uses it.
  }];
}
def DL_StepLRAttr : DL_Attr<"StepLR", "step_lr", [DL_ScheduleAttrInterface]> {
  let summary = "Step decay";
  let description = [{
    `lr(t) = lr * gamma^floor(t / step_size)`, steps `t` counted from 0:
    `#dl.step_lr<step_size = 1000, gamma = 0.5>` halves the rate every 1000
    steps.
  }];
  let parameters = (ins DL_I64Param<"steps between decays">:$step_size,
                        DL_DefaultF64Param<"0.1", "decay factor">:$gamma);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}
def DL_CosineLRAttr : DL_Attr<"CosineLR", "cosine_lr", [DL_ScheduleAttrInterface]> {
  let summary = "Linear warmup, then cosine decay";
  let description = [{
    With `W = warmup_steps` and `T = total_steps`, steps `t` counted from 0:

    ```
    lr(t) = lr * (t + 1) / W                                          t < W
    lr(t) = min_lr + (lr - min_lr) * (1 + cos(pi * (t - W) / (T - W))) / 2   W <= t < T
    lr(t) = min_lr                                                    t >= T
    ```

    `#dl.cosine_lr<warmup_steps = 500, total_steps = 20000, min_lr = 1.0e-5>`.
  }];
  let parameters = (ins DL_DefaultI64Param<"0", "linear warmup steps">:$warmup_steps,
                        DL_I64Param<"steps to reach min_lr">:$total_steps,
                        DL_DefaultF64Param<"0.0", "final learning rate">:$min_lr);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def DL_CompareDirection : I32EnumAttr<"CompareDirection", "comparison", [
    I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
    I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
    I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::dlc::dl";
}

def DL_LossReduction : I32EnumAttr<"LossReduction", "how a loss reduces", [
    I32EnumAttrCase<"mean", 0>, I32EnumAttrCase<"sum", 1>,
    I32EnumAttrCase<"batch_mean", 2>]> {
  let cppNamespace = "::dlc::dl";
}

def DL_PoolKind : I32EnumAttr<"PoolKind", "kind of pooling", [
    I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"average", 1>,
    I32EnumAttrCase<"average_include_pad", 2>]> {
  let cppNamespace = "::dlc::dl";
}

def DL_Layout : I32EnumAttr<"Layout", "layout of an image tensor", [
    I32EnumAttrCase<"nchw", 0>, I32EnumAttrCase<"nhwc", 1>]> {
  let cppNamespace = "::dlc::dl";
}

#endif // DL_ATTRS_TD
