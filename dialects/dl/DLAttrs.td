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
// (`lr = 1.0e-3`, `momentum = 0`); omitted parameters take their documented
// default, and an attribute whose parameters all have defaults may drop the
// `<>` (`#dl.normal` is N(0, 1)).
//===----------------------------------------------------------------------===//

class DL_F64Param<string desc> : AttrParameter<"::llvm::APFloat", desc> {
  let parser = "::dlc::dl::parseF64Param($_parser)";
  let printer = "$_printer.printFloat($_self)";
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
}
class DL_DefaultF64Param<string default, string desc>
    : DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(" # default # ")", desc> {
  let parser = "::dlc::dl::parseF64Param($_parser)";
  let printer = "$_printer.printFloat($_self)";
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
}
class DL_DefaultBoolParam<string default, string desc>
    : DefaultValuedParameter<"bool", default, desc> {
  let parser = "::dlc::dl::parseBoolParam($_parser)";
  let printer = "$_printer << ($_self ? \"true\" : \"false\")";
}
class DL_DefaultI64Param<string default, string desc>
    : DefaultValuedParameter<"int64_t", default, desc>;

class DL_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<DL_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Initializers
//===----------------------------------------------------------------------===//

def DL_ZerosInitAttr : DL_Attr<"ZerosInit", "zeros", [DL_InitializerAttrInterface]> {
  let summary = "Fill with 0.";
}
def DL_OnesInitAttr : DL_Attr<"OnesInit", "ones", [DL_InitializerAttrInterface]> {
  let summary = "Fill with 1.";
}
def DL_ConstantInitAttr
    : DL_Attr<"ConstantInit", "constant", [DL_InitializerAttrInterface]> {
  let summary = "Fill with one value: `#dl.constant<value = 0.1>`.";
  let parameters = (ins DL_F64Param<"the fill value">:$value);
  let assemblyFormat = "`<` struct(params) `>`";
}
def DL_UniformInitAttr
    : DL_Attr<"UniformInit", "uniform", [DL_InitializerAttrInterface]> {
  let summary = "Uniform on [low, high): `#dl.uniform<low = -0.1, high = 0.1>`.";
  let parameters = (ins DL_DefaultF64Param<"0.0", "lower bound">:$low,
                        DL_DefaultF64Param<"1.0", "upper bound">:$high);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}
def DL_NormalInitAttr
    : DL_Attr<"NormalInit", "normal", [DL_InitializerAttrInterface]> {
  let summary = "Normal distribution: `#dl.normal<mean = 0.0, stddev = 0.01>`.";
  let parameters = (ins DL_DefaultF64Param<"0.0", "mean">:$mean,
                        DL_DefaultF64Param<"1.0", "standard deviation">:$stddev);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}
def DL_HeNormalInitAttr
    : DL_Attr<"HeNormalInit", "he_normal", [DL_InitializerAttrInterface]> {
  let summary = "Kaiming/He normal: N(0, 2 / fan_in), for ReLU layers.";
}
def DL_HeUniformInitAttr
    : DL_Attr<"HeUniformInit", "he_uniform", [DL_InitializerAttrInterface]> {
  let summary = "Kaiming/He uniform: U(-b, b), b = sqrt(6 / fan_in).";
}
def DL_GlorotNormalInitAttr
    : DL_Attr<"GlorotNormalInit", "glorot_normal", [DL_InitializerAttrInterface]> {
  let summary = "Xavier/Glorot normal: N(0, 2 / (fan_in + fan_out)).";
}
def DL_GlorotUniformInitAttr
    : DL_Attr<"GlorotUniformInit", "glorot_uniform", [DL_InitializerAttrInterface]> {
  let summary = "Xavier/Glorot uniform: U(-b, b), b = sqrt(6 / (fan_in + fan_out)).";
}

//===----------------------------------------------------------------------===//
// Optimizers. `clip_norm` > 0 clips the global gradient norm before the update.
//===----------------------------------------------------------------------===//

def DL_SGDAttr : DL_Attr<"SGD", "sgd", [DL_OptimizerAttrInterface]> {
  let summary = "SGD with optional momentum, Nesterov momentum and weight decay.";
  let parameters = (ins DL_F64Param<"learning rate">:$lr,
                        DL_DefaultF64Param<"0.0", "momentum">:$momentum,
                        DL_DefaultBoolParam<"false", "Nesterov momentum">:$nesterov,
                        DL_DefaultF64Param<"0.0", "L2 weight decay">:$weight_decay,
                        DL_DefaultF64Param<"0.0", "global-norm clip (0: off)">:$clip_norm);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}
def DL_AdamAttr : DL_Attr<"Adam", "adam", [DL_OptimizerAttrInterface]> {
  let summary = "Adam (Kingma & Ba).";
  let parameters = (ins DL_F64Param<"learning rate">:$lr,
                        DL_DefaultF64Param<"0.9", "first-moment decay">:$beta1,
                        DL_DefaultF64Param<"0.999", "second-moment decay">:$beta2,
                        DL_DefaultF64Param<"1.0e-8", "denominator epsilon">:$epsilon,
                        DL_DefaultF64Param<"0.0", "global-norm clip (0: off)">:$clip_norm);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}
def DL_AdamWAttr : DL_Attr<"AdamW", "adamw", [DL_OptimizerAttrInterface]> {
  let summary = "Adam with decoupled weight decay (Loshchilov & Hutter).";
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
// Learning-rate schedules: the factor applied to the optimizer's lr at a step.
//===----------------------------------------------------------------------===//

def DL_ConstantLRAttr : DL_Attr<"ConstantLR", "constant_lr", [DL_ScheduleAttrInterface]> {
  let summary = "The optimizer's lr at every step.";
}
def DL_StepLRAttr : DL_Attr<"StepLR", "step_lr", [DL_ScheduleAttrInterface]> {
  let summary = "lr * gamma^(step / step_size).";
  let parameters = (ins DL_DefaultI64Param<"1", "steps between decays">:$step_size,
                        DL_DefaultF64Param<"0.1", "decay factor">:$gamma);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}
def DL_CosineLRAttr : DL_Attr<"CosineLR", "cosine_lr", [DL_ScheduleAttrInterface]> {
  let summary = "Linear warmup, then cosine decay from lr to min_lr at total_steps.";
  let parameters = (ins DL_DefaultI64Param<"0", "linear warmup steps">:$warmup_steps,
                        DL_DefaultI64Param<"1", "steps to reach min_lr">:$total_steps,
                        DL_DefaultF64Param<"0.0", "final learning rate">:$min_lr);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
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

#endif // DL_ATTRS_TD
