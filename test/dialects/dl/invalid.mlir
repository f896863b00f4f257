// RUN: dlc-opt %s --split-input-file --verify-diagnostics

// One case per diagnostic of the dl dialect: the verifiers and result-type
// inference of the ops, the attribute verifiers and parsers, the module
// attributes, and the ODS constraints the C++ relies on.

//===----------------------------------------------------------------------===//
// Module attributes
//===----------------------------------------------------------------------===//

// expected-error @+1 {{unknown dl attribute 'dl.optimiser'; expected 'dl.optimizer', 'dl.lr_schedule' or 'dl.dataset'}}
module attributes {dl.optimiser = #dl.sgd<lr = 0.1>} {}

// -----

// expected-error @+1 {{'dl.dataset' must be "fashion_mnist", "random" or "text", got "imagenet"}}
module attributes {dl.dataset = "imagenet"} {}

// -----

// expected-error @+1 {{'dl.dataset' belongs on the model's module}}
func.func @dataset_on_func() attributes {dl.dataset = "text"} {
  return
}

// -----

// expected-error @+1 {{'dl.optimizer' belongs on the model's module}}
func.func @optimizer_on_func() attributes {dl.optimizer = #dl.sgd<lr = 0.1>} {
  return
}

// -----

// expected-error @+1 {{'dl.optimizer' must be an optimizer (#dl.sgd, #dl.adam or #dl.adamw), got #dl.constant_lr}}
module attributes {dl.optimizer = #dl.constant_lr} {}

// -----

// expected-error @+1 {{'dl.lr_schedule' must be a schedule (#dl.constant_lr, #dl.step_lr or #dl.cosine_lr), got #dl.adam<lr = 1.000000e-01>}}
module attributes {dl.lr_schedule = #dl.adam<lr = 0.1>} {}

//===----------------------------------------------------------------------===//
// Attribute parameters and verifiers
//===----------------------------------------------------------------------===//

// -----

// expected-error @+2 {{expected a number, got "fast"}}
// expected-error @+1 {{failed to parse DL_SGDAttr parameter 'lr'}}
module attributes {dl.optimizer = #dl.sgd<lr = "fast">} {}

// -----

// expected-error @+2 {{expected a number, got 1.000000e-01 : f32}}
// expected-error @+1 {{failed to parse DL_SGDAttr parameter 'lr'}}
module attributes {dl.optimizer = #dl.sgd<lr = 0.1 : f32>} {}

// -----

// expected-error @+2 {{write the number in decimal, not as a hexadecimal bit pattern}}
// expected-error @+1 {{failed to parse DL_SGDAttr parameter 'lr'}}
module attributes {dl.optimizer = #dl.sgd<lr = 0x7FF0000000000000>} {}

// -----

// expected-error @+2 {{expected a finite number, got '1.0e999'}}
// expected-error @+1 {{failed to parse DL_AdamAttr parameter 'lr'}}
module attributes {dl.optimizer = #dl.adam<lr = 1.0e999>} {}

// -----

// expected-error @+2 {{expected 'true' or 'false'}}
// expected-error @+1 {{failed to parse DL_SGDAttr parameter 'nesterov'}}
module attributes {dl.optimizer = #dl.sgd<lr = 0.1, momentum = 0.9, nesterov = yes>} {}

// -----

// expected-error @+1 {{unknown attribute `rmsprop` in dialect `dl`}}
module attributes {dl.optimizer = #dl.rmsprop<lr = 0.1>} {}

// -----

// expected-error @+1 {{struct is missing required parameter: lr}}
module attributes {dl.optimizer = #dl.adam<beta1 = 0.8>} {}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: learning_rate}}
module attributes {dl.optimizer = #dl.adam<learning_rate = 0.1>} {}

// -----

// expected-error @+1 {{#dl.he_normal takes no parameters}}
dl.param @w : tensor<4x4xf32> = #dl.he_normal<gain = 2.0>

// -----

// expected-error @+1 {{#dl.zeros takes no parameters}}
dl.param @w : tensor<4xf32> = #dl.zeros<1>

// -----

// expected-error @+1 {{#dl.ones takes no parameters}}
dl.param @w : tensor<4xf32> = #dl.ones<>

// -----

// expected-error @+1 {{#dl.constant_lr takes no parameters}}
module attributes {dl.lr_schedule = #dl.constant_lr<warmup = 5>} {}

// -----

// expected-error @+1 {{struct is missing required parameter: step_size}}
module attributes {dl.lr_schedule = #dl.step_lr<gamma = 0.5>} {}

// -----

// expected-error @+1 {{expected '<'}}
module attributes {dl.lr_schedule = #dl.step_lr} {}

// -----

// expected-error @+1 {{struct is missing required parameter: total_steps}}
module attributes {dl.lr_schedule = #dl.cosine_lr<warmup_steps = 10>} {}

// -----

// expected-error @+1 {{#dl.uniform needs low < high, got low = 1.000000e+00, high = 1.000000e+00}}
dl.param @w : tensor<4xf32> = #dl.uniform<low = 1.0>

// -----

// expected-error @+1 {{#dl.normal stddev must be positive, got 0.000000e+00}}
dl.param @w : tensor<4xf32> = #dl.normal<stddev = 0>

// -----

// expected-error @+1 {{#dl.sgd lr must be positive, got 0.000000e+00}}
module attributes {dl.optimizer = #dl.sgd<lr = 0.0>} {}

// -----

// expected-error @+1 {{#dl.sgd momentum must be in [0, 1), got 1.000000e+00}}
module attributes {dl.optimizer = #dl.sgd<lr = 0.1, momentum = 1.0>} {}

// -----

// expected-error @+1 {{#dl.sgd weight_decay must be non-negative, got -1.000000e-04}}
module attributes {dl.optimizer = #dl.sgd<lr = 0.1, weight_decay = -1.0e-4>} {}

// -----

// expected-error @+1 {{#dl.sgd clip_norm must be non-negative, got -1.000000e+00}}
module attributes {dl.optimizer = #dl.sgd<lr = 0.1, clip_norm = -1>} {}

// -----

// expected-error @+1 {{#dl.sgd nesterov needs a non-zero momentum}}
module attributes {dl.optimizer = #dl.sgd<lr = 0.1, nesterov = true>} {}

// -----

// expected-error @+1 {{#dl.adam lr must be positive, got -1.000000e-03}}
module attributes {dl.optimizer = #dl.adam<lr = -1.0e-3>} {}

// -----

// expected-error @+1 {{#dl.adam beta1 must be in [0, 1), got 1.000000e+00}}
module attributes {dl.optimizer = #dl.adam<lr = 1.0e-3, beta1 = 1>} {}

// -----

// expected-error @+1 {{#dl.adam beta2 must be in [0, 1), got -9.990000e-01}}
module attributes {dl.optimizer = #dl.adam<lr = 1.0e-3, beta2 = -0.999>} {}

// -----

// expected-error @+1 {{#dl.adam epsilon must be positive, got 0.000000e+00}}
module attributes {dl.optimizer = #dl.adam<lr = 1.0e-3, epsilon = 0.0>} {}

// -----

// expected-error @+1 {{#dl.adam clip_norm must be non-negative, got -5.000000e-01}}
module attributes {dl.optimizer = #dl.adam<lr = 1.0e-3, clip_norm = -0.5>} {}

// -----

// expected-error @+1 {{#dl.adamw beta1 must be in [0, 1), got 1.500000e+00}}
module attributes {dl.optimizer = #dl.adamw<lr = 1.0e-3, beta1 = 1.5>} {}

// -----

// expected-error @+1 {{#dl.adamw weight_decay must be non-negative, got -1.000000e-02}}
module attributes {dl.optimizer = #dl.adamw<lr = 1.0e-3, weight_decay = -0.01>} {}

// -----

// expected-error @+1 {{#dl.step_lr step_size must be positive, got 0}}
module attributes {dl.lr_schedule = #dl.step_lr<step_size = 0>} {}

// -----

// expected-error @+1 {{#dl.step_lr gamma must be positive, got -1.000000e-01}}
module attributes {dl.lr_schedule = #dl.step_lr<step_size = 100, gamma = -0.1>} {}

// -----

// expected-error @+1 {{#dl.cosine_lr warmup_steps must be non-negative, got -1}}
module attributes {dl.lr_schedule = #dl.cosine_lr<warmup_steps = -1, total_steps = 10>} {}

// -----

// expected-error @+1 {{#dl.cosine_lr total_steps (500) must exceed warmup_steps (500)}}
module attributes {dl.lr_schedule = #dl.cosine_lr<warmup_steps = 500, total_steps = 500>} {}

// -----

// expected-error @+1 {{#dl.cosine_lr min_lr must be non-negative, got -1.000000e-05}}
module attributes {dl.lr_schedule = #dl.cosine_lr<total_steps = 100, min_lr = -1.0e-5>} {}

//===----------------------------------------------------------------------===//
// dl.param, dl.param.get, dl.constant
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{'dl.param' op initial data has type 'tensor<3xf32>' but the parameter is 'tensor<2xf32>'}}
dl.param @w : tensor<2xf32> = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>

// -----

// expected-error @+1 {{'dl.param' op initializer must be an initializer attribute (#dl.zeros, #dl.he_normal, ...) or dense data, got #dl.sgd<lr = 1.000000e-01>}}
dl.param @w : tensor<2xf32> = #dl.sgd<lr = 0.1>

// -----

// expected-error @+1 {{'dl.param' op random initializer #dl.normal needs a floating-point parameter, got 'tensor<4xi32>'}}
dl.param @w : tensor<4xi32> = #dl.normal

// -----

// expected-error @+1 {{'dl.param' op #dl.he_normal needs a weight of rank 2 ([in, out]) or more ([out, in, kh, kw]), got 'tensor<256xf32>'}}
dl.param @w : tensor<256xf32> = #dl.he_normal

// -----

// An optimizer trains only floating-point tensors.
// expected-error @+1 {{'dl.param' op a parameter of type 'tensor<3xi32>' cannot be trained; declare it `dl.param state`}}
dl.param @ids : tensor<3xi32> = dense<[0, 1, 2]> : tensor<3xi32>

// -----

// expected-error @+1 {{'dl.param' op a parameter of type 'tensor<2xi1>' cannot be trained; declare it `dl.param state`}}
dl.param @mask : tensor<2xi1> = #dl.ones

// -----

// expected-error @+1 {{'dl.param' op #dl.constant value -1.500000e+00 does not fit 'ui8': expected a whole number in [0, 255]}}
dl.param state @w : tensor<4xui8> = #dl.constant<value = -1.5>

// -----

// expected-error @+1 {{'dl.param' op #dl.constant value 2.560000e+02 does not fit 'ui8': expected a whole number in [0, 255]}}
dl.param state @w : tensor<4xui8> = #dl.constant<value = 256>

// -----

// expected-error @+1 {{'dl.param' op #dl.constant value 7.000000e+00 does not fit 'i1': expected 0 or 1}}
dl.param state @w : tensor<4xi1> = #dl.constant<value = 7>

// -----

// expected-error @+1 {{'dl.param' op #dl.constant value 2.147484e+09 does not fit 'i32': expected a whole number in [-2147483648, 2147483647]}}
dl.param state @w : tensor<4xi32> = #dl.constant<value = 2147483648>

// -----

// expected-error @+1 {{'dl.param' op #dl.constant value 1.000000e+05 does not fit 'f16': it rounds to +inf}}
dl.param @w : tensor<4xf16> = #dl.constant<value = 1.0e5>

// -----

// expected-error @+1 {{'dl.param' op #dl.uniform low -1.000000e+300 does not fit 'f16': it rounds to -inf}}
dl.param @w : tensor<4xf16> = #dl.uniform<low = -1.0e300, high = 1.0e300>

// -----

// expected-error @+1 {{'dl.param' op #dl.uniform high 1.000000e+300 does not fit 'f32': it rounds to +inf}}
dl.param @w : tensor<4xf32> = #dl.uniform<low = -1.0, high = 1.0e300>

// -----

// expected-error @+1 {{'dl.param' op #dl.normal stddev 1.000000e+39 does not fit 'bf16': it rounds to +inf}}
dl.param @w : tensor<4xbf16> = #dl.normal<stddev = 1.0e39>

// -----

// A dimension of size 0 would make he_normal's fan_in 0.
// expected-error @+1 {{'dl.param' op attribute 'type' failed to satisfy constraint: type attribute of non-empty statically shaped tensor of f64, f32, f16, bf16, i64, i32, ui8 or i1 values}}
dl.param @w : tensor<0x2xf32> = #dl.he_normal

// -----

// expected-error @+1 {{'dl.param' op attribute 'type' failed to satisfy constraint: type attribute of non-empty statically shaped tensor of f64, f32, f16, bf16, i64, i32, ui8 or i1 values}}
dl.param @w : tensor<?x4xf32> = #dl.zeros

// -----

// expected-error @+1 {{'dl.param' op attribute 'type' failed to satisfy constraint: type attribute of non-empty statically shaped tensor of f64, f32, f16, bf16, i64, i32, ui8 or i1 values}}
dl.param @w : tensor<4xi16> = #dl.zeros

// -----

func.func @param_in_func() {
  // expected-error @+1 {{'dl.param' op expects parent op 'builtin.module'}}
  dl.param @w : tensor<4xf32> = #dl.zeros
  return
}

// -----

// expected-note @+1 {{see existing symbol definition here}}
dl.param @w : tensor<4xf32> = #dl.zeros
// expected-error @+1 {{redefinition of symbol named 'w'}}
dl.param @w : tensor<4xf32> = #dl.ones

// -----

func.func @get_missing() -> tensor<4xf32> {
  // expected-error @+1 {{'dl.param.get' op references @w, which is not a dl.param of this module}}
  %w = dl.param.get @w : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @w() {
  return
}
func.func @get_func() -> tensor<4xf32> {
  // expected-error @+1 {{'dl.param.get' op references @w, which is not a dl.param of this module}}
  %w = dl.param.get @w : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

dl.param @w : tensor<4x3xf32> = #dl.glorot_normal
func.func @get_wrong_type() -> tensor<3x4xf32> {
  // expected-error @+1 {{'dl.param.get' op result type 'tensor<3x4xf32>' does not match @w : 'tensor<4x3xf32>'}}
  %w = dl.param.get @w : tensor<3x4xf32>
  return %w : tensor<3x4xf32>
}

// -----

func.func @constant_type_mismatch() -> tensor<3xf32> {
  // expected-error @+1 {{'dl.constant' op failed to verify that all of {value, result} have same type}}
  %c = "dl.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  return %c : tensor<3xf32>
}

// -----

func.func @constant_i16() -> tensor<2xi16> {
  // expected-error @+1 {{'dl.constant' op result #0 must be non-empty statically shaped tensor of f64, f32, f16, bf16, i64, i32, ui8 or i1 values, but got 'tensor<2xi16>'}}
  %c = dl.constant dense<1> : tensor<2xi16>
  return %c : tensor<2xi16>
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// -----

func.func @exp_of_integer(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'dl.exp' op operand #0 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<4xi32>'}}
  %y = dl.exp %x : tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

func.func @neg_of_unsigned(%x: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{'dl.neg' op operand #0 must be non-empty statically shaped tensor of floating-point or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xui8>'}}
  %y = dl.neg %x : tensor<4xui8>
  return %y : tensor<4xui8>
}

// -----

func.func @relu_of_dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'dl.relu' op operand #0 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<?x4xf32>'}}
  %y = dl.relu %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

func.func @relu_of_empty(%x: tensor<0x4xf32>) -> tensor<0x4xf32> {
  // expected-error @+1 {{'dl.relu' op operand #0 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<0x4xf32>'}}
  %y = dl.relu %x : tensor<0x4xf32>
  return %y : tensor<0x4xf32>
}

// -----

func.func @tanh_changes_type(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{'dl.tanh' op requires the same type for all operands and results}}
  %y = "dl.tanh"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

func.func @add_mixed_elements(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'dl.add' op operands must have the same element type, got 'tensor<4xf32>' and 'tensor<4xf16>'}}
  %y = dl.add %a, %b : tensor<4xf32>, tensor<4xf16>
  return
}

// -----

func.func @mul_not_broadcastable(%a: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'dl.mul' op operands are not broadcast-compatible: 'tensor<4x3xf32>' and 'tensor<4xf32>'}}
  %y = dl.mul %a, %b : tensor<4x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @sub_wrong_result(%a: tensor<4x1xf32>, %b: tensor<3xf32>) -> tensor<4x1xf32> {
  // expected-error @+2 {{'dl.sub' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x1xf32>'}}
  // expected-error @+1 {{'dl.sub' op failed to infer returned types}}
  %y = "dl.sub"(%a, %b) : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x1xf32>
  return %y : tensor<4x1xf32>
}

// -----

func.func @pow_of_integer(%a: tensor<4xi32>) {
  // expected-error @+1 {{'dl.pow' op operand #0 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<4xi32>'}}
  %y = dl.pow %a, %a : tensor<4xi32>
  return
}

// -----

func.func @maximum_of_bool(%a: tensor<4xi1>) {
  // expected-error @+1 {{'dl.maximum' op operand #0 must be non-empty statically shaped tensor of floating-point or 32-bit signless integer or 64-bit signless integer or 8-bit unsigned integer values, but got 'tensor<4xi1>'}}
  %y = dl.maximum %a, %a : tensor<4xi1>
  return
}

// -----

func.func @div_of_dynamic(%a: tensor<?xf32>) {
  // expected-error @+1 {{'dl.div' op operand #0 must be non-empty statically shaped tensor of floating-point or 32-bit signless integer or 64-bit signless integer or 8-bit unsigned integer values, but got 'tensor<?xf32>'}}
  %y = dl.div %a, %a : tensor<?xf32>
  return
}

// -----

func.func @compare_unknown_direction(%a: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'direction' [eq, ne, lt, le, gt, ge]}}
  %m = dl.compare gte, %a, %a : tensor<4xf32>
  return
}

// -----

func.func @compare_not_broadcastable(%a: tensor<4xi32>, %b: tensor<5xi32>) {
  // expected-error @+1 {{'dl.compare' op operands are not broadcast-compatible: 'tensor<4xi32>' and 'tensor<5xi32>'}}
  %m = dl.compare eq, %a, %b : tensor<4xi32>, tensor<5xi32>
  return
}

// -----

func.func @select_condition_shape(%m: tensor<3xi1>, %x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.select' op condition 'tensor<3xi1>' is not broadcast-compatible with values 'tensor<4x8xf32>'}}
  %y = dl.select %m, %x, %x : tensor<3xi1>, tensor<4x8xf32>
  return
}

// -----

func.func @select_mixed_values(%m: tensor<4xi1>, %x: tensor<4xf32>, %z: tensor<f64>) {
  // expected-error @+1 {{'dl.select' op operands must have the same element type, got 'tensor<4xf32>' and 'tensor<f64>'}}
  %y = dl.select %m, %x, %z : tensor<4xi1>, tensor<4xf32>, tensor<f64>
  return
}

// -----

func.func @select_float_condition(%m: tensor<4xf32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'dl.select' op operand #0 must be non-empty statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %y = dl.select %m, %x, %x : tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @cast_changes_shape(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'dl.cast' op changes the shape from 'tensor<4x2xf32>' to 'tensor<8xi32>'; a cast converts element types only}}
  %y = dl.cast %x : tensor<4x2xf32> -> tensor<8xi32>
  return
}

// -----

func.func @cast_to_i16(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dl.cast' op result #0 must be non-empty statically shaped tensor of f64, f32, f16, bf16, i64, i32, ui8 or i1 values, but got 'tensor<4xi16>'}}
  %y = dl.cast %x : tensor<4xf32> -> tensor<4xi16>
  return
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

// -----

func.func @reshape_changes_element(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'dl.reshape' op changes the element type from 'tensor<4x2xf32>' to 'tensor<8xf16>'}}
  %y = dl.reshape %x : tensor<4x2xf32> -> tensor<8xf16>
  return
}

// -----

func.func @reshape_element_count(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'dl.reshape' op cannot reshape 'tensor<4x2xf32>' (8 elements) to 'tensor<9xf32>' (9 elements)}}
  %y = dl.reshape %x : tensor<4x2xf32> -> tensor<9xf32>
  return
}

// -----

func.func @reshape_element_count_overflow(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'dl.reshape' op the element count of 'tensor<4294967296x4294967296xf32>' overflows}}
  %y = dl.reshape %x : tensor<4x2xf32> -> tensor<4294967296x4294967296xf32>
  return
}

// -----

func.func @transpose_perm_size(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'dl.transpose' op perm [0, 1, 2] has 3 entries for an input of rank 2}}
  %y = dl.transpose %x perm = [0, 1, 2] : tensor<4x2xf32>
  return
}

// -----

func.func @transpose_perm_range(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'dl.transpose' op perm [2, 0]: axis 2 is out of range for rank 2}}
  %y = dl.transpose %x perm = [2, 0] : tensor<4x2xf32>
  return
}

// -----

func.func @transpose_perm_repeated(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'dl.transpose' op perm [1, 1]: axis 1 is repeated}}
  %y = dl.transpose %x perm = [1, 1] : tensor<4x2xf32>
  return
}

// -----

func.func @broadcast_to_changes_element(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dl.broadcast_to' op changes the element type from 'tensor<4xf32>' to 'tensor<2x4xf64>'}}
  %y = dl.broadcast_to %x : tensor<4xf32> -> tensor<2x4xf64>
  return
}

// -----

func.func @broadcast_to_incompatible(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dl.broadcast_to' op cannot broadcast 'tensor<4xf32>' to 'tensor<4x3xf32>'}}
  %y = dl.broadcast_to %x : tensor<4xf32> -> tensor<4x3xf32>
  return
}

// -----

// broadcast_to never drops dimensions, not even ones of size 1.
func.func @broadcast_to_lower_rank(%x: tensor<1x4xf32>) {
  // expected-error @+1 {{'dl.broadcast_to' op cannot broadcast 'tensor<1x4xf32>' to 'tensor<4xf32>'}}
  %y = dl.broadcast_to %x : tensor<1x4xf32> -> tensor<4xf32>
  return
}

// -----

// Only the generic form can have no inputs.
func.func @concat_nothing() {
  // expected-error @+2 {{'dl.concat' op needs at least one input}}
  // expected-error @+1 {{'dl.concat' op failed to infer returned types}}
  %y = "dl.concat"() <{axis = 0 : i64}> : () -> tensor<1xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'dl.concat' op axis 2 is out of range for rank 2}}
  %y = dl.concat %a, %a axis = 2 : tensor<4x3xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @concat_other_dims(%a: tensor<4x3xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+1 {{'dl.concat' op input #1 'tensor<5x3xf32>' does not match input #0 'tensor<4x3xf32>' outside axis 1}}
  %y = dl.concat %a, %b axis = 1 : tensor<4x3xf32>, tensor<5x3xf32>
  return
}

// -----

func.func @concat_element_type(%a: tensor<4x3xf32>, %b: tensor<4x3xf32>, %c: tensor<4x2xi32>) {
  // expected-error @+1 {{'dl.concat' op input #2 'tensor<4x2xi32>' does not match input #0 'tensor<4x3xf32>' outside axis 1}}
  %y = dl.concat %a, %b, %c axis = 1 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x2xi32>
  return
}

// -----

func.func @concat_rank(%a: tensor<4x3xf32>, %b: tensor<4x3x1xf32>) {
  // expected-error @+1 {{'dl.concat' op input #1 'tensor<4x3x1xf32>' does not match input #0 'tensor<4x3xf32>' outside axis 0}}
  %y = dl.concat %a, %b axis = 0 : tensor<4x3xf32>, tensor<4x3x1xf32>
  return
}

// -----

func.func @concat_overflow(%a: tensor<9223372036854775807x1xf32>, %b: tensor<1x1xf32>) {
  // expected-error @+1 {{'dl.concat' op the joined size along axis 0 overflows}}
  %y = dl.concat %a, %b axis = 0 : tensor<9223372036854775807x1xf32>, tensor<1x1xf32>
  return
}

// -----

func.func @slice_entries(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.slice' op starts, limits and strides need 2 entries each (the input's rank)}}
  %y = dl.slice %x starts = [0, 0] limits = [4, 8] strides = [1] : tensor<4x8xf32>
  return
}

// -----

func.func @slice_stride(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.slice' op stride 0 in dimension 1 must be positive}}
  %y = dl.slice %x starts = [0, 0] limits = [4, 8] strides = [1, 0] : tensor<4x8xf32>
  return
}

// -----

func.func @slice_window(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.slice' op window [2, 9) in dimension 1 is not within [0, 8]}}
  %y = dl.slice %x starts = [0, 2] limits = [4, 9] : tensor<4x8xf32>
  return
}

// -----

func.func @slice_reversed_window(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.slice' op window [3, 1) in dimension 0 is not within [0, 4]}}
  %y = dl.slice %x starts = [3, 0] limits = [1, 8] : tensor<4x8xf32>
  return
}

// -----

func.func @slice_empty_window(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.slice' op window [2, 2) in dimension 0 is empty}}
  %y = dl.slice %x starts = [2, 0] limits = [2, 8] : tensor<4x8xf32>
  return
}

// -----

func.func @pad_entries(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.pad' op low and high need 2 entries each (the input's rank)}}
  %y = dl.pad %x low = [1, 1] high = [1] : tensor<4x8xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.pad' op padding of dimension 1 must be non-negative}}
  %y = dl.pad %x low = [0, 0] high = [0, -1] : tensor<4x8xf32>
  return
}

// -----

func.func @pad_overflow(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.pad' op the padded size of dimension 1 overflows}}
  %y = dl.pad %x low = [0, 9223372036854775800] high = [0, 0] : tensor<4x8xf32>
  return
}

// -----

func.func @pad_overflow_high(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.pad' op the padded size of dimension 0 overflows}}
  %y = dl.pad %x low = [4611686018427387904, 0] high = [4611686018427387904, 0] : tensor<4x8xf32>
  return
}

// -----

func.func @pad_value_unsigned(%x: tensor<4xui8>) {
  // expected-error @+1 {{'dl.pad' op value -3.005000e+02 does not fit 'ui8': expected a whole number in [0, 255]}}
  %y = dl.pad %x low = [1] high = [1] value = -300.5 : tensor<4xui8>
  return
}

// -----

func.func @pad_value_fraction(%x: tensor<4xi64>) {
  // expected-error @+1 {{'dl.pad' op value 5.000000e-01 does not fit 'i64': expected a whole number in [-9223372036854775808, 9223372036854775807]}}
  %y = dl.pad %x low = [1] high = [1] value = 0.5 : tensor<4xi64>
  return
}

// -----

func.func @pad_value_bool(%x: tensor<4xi1>) {
  // expected-error @+1 {{'dl.pad' op value -1.000000e+00 does not fit 'i1': expected 0 or 1}}
  %y = dl.pad %x low = [1] high = [1] value = -1.0 : tensor<4xi1>
  return
}

// -----

func.func @pad_value_half(%x: tensor<4xf16>) {
  // expected-error @+1 {{'dl.pad' op value 1.000000e+10 does not fit 'f16': it rounds to +inf}}
  %y = dl.pad %x low = [1] high = [1] value = 1.0e10 : tensor<4xf16>
  return
}

// -----

func.func @pad_value_nan(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dl.pad' op value nan does not fit 'f32': it is not finite}}
  %y = dl.pad %x low = [1] high = [1] value = 0x7FF8000000000000 : tensor<4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

// -----

func.func @reduce_no_axes(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.reduce_sum' op needs at least one axis}}
  %y = dl.reduce_sum %x axes = [] : tensor<4x8xf32>
  return
}

// -----

func.func @reduce_axis_range(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.reduce_mean' op axis 2 is out of range for rank 2}}
  %y = dl.reduce_mean %x axes = [2] : tensor<4x8xf32>
  return
}

// -----

func.func @reduce_axis_repeated(%x: tensor<4x8xi32>) {
  // expected-error @+1 {{'dl.reduce_max' op axis 0 is repeated}}
  %y = dl.reduce_max %x axes = [0, 0] keepdims : tensor<4x8xi32>
  return
}

// -----

func.func @reduce_mean_of_integer(%x: tensor<4x8xi32>) {
  // expected-error @+1 {{'dl.reduce_mean' op operand #0 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<4x8xi32>'}}
  %y = dl.reduce_mean %x axes = [0] : tensor<4x8xi32>
  return
}

// -----

// The max over no elements has no value.
func.func @reduce_max_of_empty_axis(%x: tensor<0x8xf32>) {
  // expected-error @+1 {{'dl.reduce_max' op operand #0 must be non-empty statically shaped tensor of floating-point or 32-bit signless integer or 64-bit signless integer or 8-bit unsigned integer values, but got 'tensor<0x8xf32>'}}
  %y = dl.reduce_max %x axes = [0] : tensor<0x8xf32>
  return
}

// -----

func.func @argmax_axis(%x: tensor<64x10xf32>) {
  // expected-error @+1 {{'dl.argmax' op axis 2 is out of range for rank 2}}
  %y = dl.argmax %x axis = 2 : tensor<64x10xf32> -> tensor<64xi32>
  return
}

// -----

func.func @argmax_result_shape(%x: tensor<64x10xf32>) {
  // expected-error @+1 {{'dl.argmax' op result 'tensor<10xi32>' should have shape [64] (the input without axis 1)}}
  %y = dl.argmax %x axis = 1 : tensor<64x10xf32> -> tensor<10xi32>
  return
}

// -----

func.func @argmax_float_result(%x: tensor<64x10xf32>) {
  // expected-error @+1 {{'dl.argmax' op result #0 must be non-empty statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<64xf32>'}}
  %y = dl.argmax %x axis = 1 : tensor<64x10xf32> -> tensor<64xf32>
  return
}

// -----

func.func @argmax_i32_long_axis(%x: tensor<2x3000000000xf32>) {
  // expected-error @+1 {{'dl.argmax' op an i32 result cannot index axis 1 of 'tensor<2x3000000000xf32>' (3000000000 elements); use i64}}
  %y = dl.argmax %x axis = 1 : tensor<2x3000000000xf32> -> tensor<2xi32>
  return
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

// -----

func.func @matmul_rank(%a: tensor<8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'dl.matmul' op operands must have rank 2 or more, got 'tensor<8xf32>' and 'tensor<8x4xf32>'}}
  %y = dl.matmul %a, %b : tensor<8xf32>, tensor<8x4xf32>
  return
}

// -----

func.func @matmul_element_type(%a: tensor<2x8xf32>, %b: tensor<8x4xf16>) {
  // expected-error @+1 {{'dl.matmul' op operands must have the same element type, got 'tensor<2x8xf32>' and 'tensor<8x4xf16>'}}
  %y = dl.matmul %a, %b : tensor<2x8xf32>, tensor<8x4xf16>
  return
}

// -----

// transpose_a makes the contraction dimension the lhs's first one.
func.func @matmul_contraction(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'dl.matmul' op contraction dimensions differ: 'tensor<2x8xf32>' has 2, 'tensor<8x4xf32>' has 8}}
  %y = dl.matmul %a, %b transpose_a : tensor<2x8xf32>, tensor<8x4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<3x2x8xf32>, %b: tensor<4x8x4xf32>) {
  // expected-error @+1 {{'dl.matmul' op batch dimensions are not broadcast-compatible: 'tensor<3x2x8xf32>' and 'tensor<4x8x4xf32>'}}
  %y = dl.matmul %a, %b : tensor<3x2x8xf32>, tensor<4x8x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// conv2d and pooling
//===----------------------------------------------------------------------===//

// -----

func.func @conv_nhwc_channels(%x: tensor<2x9x9x4xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op filter 'tensor<8x3x3x3xf32>' expects 3 input channels, the input 'tensor<2x9x9x4xf32>' has 4}}
  %y = dl.conv2d %x, %w layout = nhwc : tensor<2x9x9x4xf32>, tensor<8x3x3x3xf32>
  return
}

// -----

func.func @conv_nhwc_rank(%x: tensor<2x9x9xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op input must be N x H x W x C, got 'tensor<2x9x9xf32>'}}
  %y = dl.conv2d %x, %w layout = nhwc : tensor<2x9x9xf32>, tensor<8x3x3x3xf32>
  return
}

// -----

func.func @pool_nhwc_result(%x: tensor<2x8x8x3xf32>) {
  // expected-error @+2 {{'dl.max_pool2d' op inferred type(s) 'tensor<2x4x4x3xf32>' are incompatible with return type(s) of operation 'tensor<2x3x4x4xf32>'}}
  // expected-error @+1 {{'dl.max_pool2d' op failed to infer returned types}}
  %y = "dl.max_pool2d"(%x) <{kernel = array<i64: 2, 2>, layout = 1 : i32}> : (tensor<2x8x8x3xf32>) -> tensor<2x3x4x4xf32>
  return
}

// -----

func.func @unknown_layout(%x: tensor<2x8x8x3xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'layout' [nchw, nhwc]}}
  %y = dl.max_pool2d %x kernel = [2, 2] layout = chwn : tensor<2x8x8x3xf32>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<2x4x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op input must be N x C x H x W, got 'tensor<2x4x9xf32>'}}
  %y = dl.conv2d %x, %w : tensor<2x4x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

func.func @conv_filter_rank(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op filter must be O x C/groups x KH x KW, got 'tensor<8x4x3xf32>'}}
  %y = dl.conv2d %x, %w : tensor<2x4x9x9xf32>, tensor<8x4x3xf32>
  return
}

// -----

func.func @conv_element_types(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xbf16>) {
  // expected-error @+1 {{'dl.conv2d' op input 'tensor<2x4x9x9xf32>' and filter 'tensor<8x4x3x3xbf16>' have different element types}}
  %y = dl.conv2d %x, %w : tensor<2x4x9x9xf32>, tensor<8x4x3x3xbf16>
  return
}

// -----

func.func @conv_groups(%x: tensor<2x4x9x9xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op groups = 4 must divide the input channels (4) and the output channels (6)}}
  %y = dl.conv2d %x, %w groups = 4 : tensor<2x4x9x9xf32>, tensor<6x1x3x3xf32>
  return
}

// -----

func.func @conv_zero_groups(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op groups = 0 must divide the input channels (4) and the output channels (8)}}
  %y = dl.conv2d %x, %w groups = 0 : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<2x4x9x9xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op filter 'tensor<8x3x3x3xf32>' expects 3 input channels, the input 'tensor<2x4x9x9xf32>' has 4}}
  %y = dl.conv2d %x, %w : tensor<2x4x9x9xf32>, tensor<8x3x3x3xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'dl.conv2d' op bias must be 'tensor<8xf32>', got 'tensor<4xf32>'}}
  %y = dl.conv2d %x, %w, %b : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @conv_empty_filter(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x0x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op operand #1 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<8x4x0x3xf32>'}}
  %y = "dl.conv2d"(%x, %w) : (tensor<2x4x9x9xf32>, tensor<8x4x0x3xf32>) -> tensor<2x8x9x7xf32>
  return
}

// -----

func.func @conv_dilation_overflow(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op the window of kernel [3, 3] with dilation [4611686018427387904, 1] overflows}}
  %y = dl.conv2d %x, %w dilation = [4611686018427387904, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

func.func @conv_padding_overflow(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op the input size [9, 9] with padding [0, 9223372036854775807, 0, 9223372036854775807] overflows}}
  %y = dl.conv2d %x, %w padding = [0, 9223372036854775807] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

func.func @conv_groups_overflow(%x: tensor<1x4x9x9xf32>, %w: tensor<8x4611686018427387904x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op the input channel count of filter 'tensor<8x4611686018427387904x3x3xf32>' with groups = 4 overflows}}
  %y = dl.conv2d %x, %w groups = 4 : tensor<1x4x9x9xf32>, tensor<8x4611686018427387904x3x3xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op stride [2] must be two positive values [h, w]}}
  %y = dl.conv2d %x, %w stride = [2] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

func.func @conv_dilation(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op dilation [1, 0] must be two positive values [h, w]}}
  %y = dl.conv2d %x, %w dilation = [1, 0] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

func.func @conv_padding_entries(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op padding [1, 1, 1] must be [h, w] or [top, left, bottom, right], non-negative}}
  %y = dl.conv2d %x, %w padding = [1, 1, 1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

func.func @conv_padding_negative(%x: tensor<2x4x9x9xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op padding [0, -1] must be [h, w] or [top, left, bottom, right], non-negative}}
  %y = dl.conv2d %x, %w padding = [0, -1] : tensor<2x4x9x9xf32>, tensor<8x4x3x3xf32>
  return
}

// -----

// A stride larger than the overhang must not round the output up to one.
func.func @conv_window_too_large(%x: tensor<1x1x2x2xf32>, %w: tensor<1x1x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op window [3, 3] does not fit the padded input [2, 2]}}
  %y = dl.conv2d %x, %w stride = [2, 2] : tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>
  return
}

// -----

// The window that must fit is the dilated one.
func.func @conv_dilated_window(%x: tensor<1x1x5x5xf32>, %w: tensor<1x1x3x3xf32>) {
  // expected-error @+1 {{'dl.conv2d' op window [5, 7] does not fit the padded input [5, 6]}}
  %y = dl.conv2d %x, %w padding = [0, 0, 0, 1] dilation = [2, 3] : tensor<1x1x5x5xf32>, tensor<1x1x3x3xf32>
  return
}

// -----

func.func @max_pool_input_rank(%x: tensor<3x8x8xf32>) {
  // expected-error @+1 {{'dl.max_pool2d' op input must be N x C x H x W, got 'tensor<3x8x8xf32>'}}
  %y = dl.max_pool2d %x kernel = [2, 2] : tensor<3x8x8xf32>
  return
}

// -----

func.func @max_pool_kernel(%x: tensor<2x3x8x8xf32>) {
  // expected-error @+1 {{'dl.max_pool2d' op kernel [2, 2, 2] must be two positive sizes [h, w]}}
  %y = dl.max_pool2d %x kernel = [2, 2, 2] : tensor<2x3x8x8xf32>
  return
}

// -----

func.func @max_pool_empty_kernel(%x: tensor<2x3x8x8xf32>) {
  // expected-error @+1 {{'dl.max_pool2d' op kernel [0, 3] must be two positive sizes [h, w]}}
  %y = dl.max_pool2d %x kernel = [0, 3] : tensor<2x3x8x8xf32>
  return
}

// -----

func.func @avg_pool_padding_overflow(%x: tensor<2x3x8x8xf32>) {
  // expected-error @+1 {{'dl.avg_pool2d' op the input size [8, 8] with padding [9223372036854775807, 0, 9223372036854775807, 0] overflows}}
  %y = dl.avg_pool2d %x kernel = [2, 2] padding = [9223372036854775807, 0] : tensor<2x3x8x8xf32>
  return
}

// -----

func.func @avg_pool_stride(%x: tensor<2x3x8x8xf32>) {
  // expected-error @+1 {{'dl.avg_pool2d' op stride [0, 1] must be two positive values [h, w]}}
  %y = dl.avg_pool2d %x kernel = [2, 2] stride = [0, 1] : tensor<2x3x8x8xf32>
  return
}

// -----

func.func @avg_pool_padding(%x: tensor<2x3x8x8xf32>) {
  // expected-error @+1 {{'dl.avg_pool2d' op padding [0, 1, 0, 2] must be at most half the kernel [3, 3]}}
  %y = dl.avg_pool2d %x kernel = [3, 3] padding = [0, 1, 0, 2] count_include_pad : tensor<2x3x8x8xf32>
  return
}

// -----

func.func @max_pool_window(%x: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{'dl.max_pool2d' op window [5, 2] does not fit the padded input [4, 4]}}
  %y = dl.max_pool2d %x kernel = [5, 2] : tensor<2x3x4x4xf32>
  return
}

// -----

func.func @avg_pool_input_type(%x: tensor<2x3x4x4xi32>) {
  // expected-error @+1 {{'dl.avg_pool2d' op operand #0 must be non-empty statically shaped tensor of floating-point values, but got 'tensor<2x3x4x4xi32>'}}
  %y = dl.avg_pool2d %x kernel = [2, 2] : tensor<2x3x4x4xi32>
  return
}

//===----------------------------------------------------------------------===//
// Normalization, dropout, softmax, embedding
//===----------------------------------------------------------------------===//

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_rank(%x: tensor<2x8x4xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op input must be N x C or N x C x H x W, got 'tensor<2x8x4xf32>'}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) : tensor<2x8x4xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_nhwc_rank(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op layout nhwc needs an N x H x W x C input, got 'tensor<2x8xf32>'}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) layout = nhwc : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_backward_scale(%x: tensor<2x4x4x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{'dl.batch_norm_backward' op scale must be 'tensor<8xf32>' (one per channel of 'tensor<2x4x4x8xf32>'), got 'tensor<4xf32>'}}
  %dx, %ds, %do = dl.batch_norm_backward %x, %x, %g layout = nhwc : tensor<2x4x4x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @batch_norm_backward_count(%x: tensor<1x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm_backward' op training needs at least 2 values per channel (N x H x W) for the unbiased variance, got 1 in 'tensor<1x8xf32>'}}
  %dx, %ds, %do = dl.batch_norm_backward %x, %x, %g : tensor<1x8xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_scale(%x: tensor<2x8x4x4xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op scale and offset must be 'tensor<8xf32>' (one per channel of 'tensor<2x8x4x4xf32>'), got 'tensor<4xf32>'}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) : tensor<2x8x4x4xf32>, tensor<4xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_offset(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf16>) {
  // expected-error @+1 {{'dl.batch_norm' op failed to verify that all of {scale, offset} have same type}}
  %y = "dl.batch_norm"(%x, %g, %b) <{running_mean = @mean, running_var = @var}> : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf16>) -> tensor<2x8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_epsilon(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op epsilon must be positive, got 0.000000e+00}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) epsilon = 0.0 : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_training_one_value(%x: tensor<1x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op training needs at least 2 values per channel (N x H x W) for the unbiased variance, got 1 in 'tensor<1x8xf32>'}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) training : tensor<1x8xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_training_one_pixel(%x: tensor<1x8x1x1xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op training needs at least 2 values per channel (N x H x W) for the unbiased variance, got 1 in 'tensor<1x8x1x1xf32>'}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) training : tensor<1x8x1x1xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_momentum(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op momentum must be in [0, 1], got 1.100000e+00}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) momentum = 1.1 : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @stats : tensor<8xf32> = #dl.zeros
func.func @batch_norm_one_statistic(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op running mean and variance must be two parameters, got @stats for both}}
  %y = dl.batch_norm %x, %g, %g running = (@stats, @stats) : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

dl.param @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf32> = #dl.ones
func.func @batch_norm_trained_statistic(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op running statistic @mean must be declared `dl.param state`, since the optimizer must not train it}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
func.func @batch_norm_missing_statistic(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op references @var, which is not a dl.param of this module}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

dl.param state @mean : tensor<8xf32> = #dl.zeros
dl.param state @var : tensor<8xf16> = #dl.ones
func.func @batch_norm_statistic_type(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.batch_norm' op running statistic @var has type 'tensor<8xf16>', expected 'tensor<8xf32>'}}
  %y = dl.batch_norm %x, %g, %g running = (@mean, @var) : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @dropout_rate(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.dropout' op rate must be in [0, 1), got 1.000000e+00}}
  %y = dl.dropout %x rate = 1.0 : tensor<4x8xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.softmax' op axis 2 is out of range for rank 2}}
  %y = dl.softmax %x axis = 2 : tensor<4x8xf32>
  return
}

// -----

// The default axis is the last one, which a scalar does not have.
func.func @log_softmax_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'dl.log_softmax' op input must have rank 1 or more, got 'tensor<f32>'}}
  %y = dl.log_softmax %x : tensor<f32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.layer_norm' op axis -1 is out of range for rank 2}}
  %y = dl.layer_norm %x, %g, %g axis = -1 : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.layer_norm' op scale and offset must be 'tensor<4x8xf32>' (the normalized dimensions of 'tensor<2x4x8xf32>'), got 'tensor<8xf32>'}}
  %y = dl.layer_norm %x, %g, %g axis = 1 : tensor<2x4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_backward_scale(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.layer_norm_backward' op scale must be 'tensor<4x8xf32>' (the normalized dimensions of 'tensor<2x4x8xf32>'), got 'tensor<8xf32>'}}
  %dx, %n = dl.layer_norm_backward %x, %x, %g axis = 1 : tensor<2x4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_backward_axis(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.layer_norm_backward' op axis 2 is out of range for rank 2}}
  %dx, %n = dl.layer_norm_backward %x, %x, %g axis = 2 : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_backward_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.layer_norm_backward' op epsilon must be positive, got 0.000000e+00}}
  %dx, %n = dl.layer_norm_backward %x, %x, %g epsilon = 0.0 : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'dl.layer_norm' op epsilon must be positive, got -1.000000e-05}}
  %y = dl.layer_norm %x, %g, %g epsilon = -1.0e-5 : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @embedding_table(%t: tensor<10x4x2xf32>, %ids: tensor<3xi32>) {
  // expected-error @+1 {{'dl.embedding' op table must be vocabulary x features, got 'tensor<10x4x2xf32>'}}
  %y = dl.embedding %t, %ids : tensor<10x4x2xf32>, tensor<3xi32>
  return
}

// -----

func.func @embedding_float_indices(%t: tensor<10x4xf32>, %ids: tensor<3xf32>) {
  // expected-error @+1 {{'dl.embedding' op operand #1 must be non-empty statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<3xf32>'}}
  %y = dl.embedding %t, %ids : tensor<10x4xf32>, tensor<3xf32>
  return
}

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

// -----

func.func @cross_entropy_logits(%logits: tensor<64xf32>, %labels: tensor<64xi32>) {
  // expected-error @+1 {{'dl.softmax_cross_entropy' op logits must be batch x classes, got 'tensor<64xf32>'}}
  %l = dl.softmax_cross_entropy %logits, %labels : tensor<64xf32>, tensor<64xi32>
  return
}

// -----

func.func @accuracy_labels(%logits: tensor<64x10xf32>, %labels: tensor<32xi32>) {
  // expected-error @+1 {{'dl.accuracy' op labels must have shape [64] (one per row of 'tensor<64x10xf32>'), got 'tensor<32xi32>'}}
  %a = dl.accuracy %logits, %labels : tensor<64x10xf32>, tensor<32xi32>
  return
}

// -----

func.func @cross_entropy_float_labels(%logits: tensor<64x10xf32>, %labels: tensor<64xf32>) {
  // expected-error @+1 {{'dl.softmax_cross_entropy' op operand #1 must be non-empty statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<64xf32>'}}
  %l = dl.softmax_cross_entropy %logits, %labels : tensor<64x10xf32>, tensor<64xf32>
  return
}

// -----

func.func @mse_batch_mean_of_scalar(%p: tensor<f32>) {
  // expected-error @+1 {{'dl.mse_loss' op reduction = batch_mean needs a batch axis}}
  %l = dl.mse_loss %p, %p reduction = batch_mean : tensor<f32>
  return
}

// -----

func.func @mse_target_type(%p: tensor<4xf32>, %t: tensor<5xf32>) {
  // expected-error @+1 {{'dl.mse_loss' op failed to verify that all of {prediction, target} have same type}}
  %l = "dl.mse_loss"(%p, %t) : (tensor<4xf32>, tensor<5xf32>) -> tensor<f32>
  return
}

// -----

func.func @mse_unknown_reduction(%p: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'reduction' [mean, sum, batch_mean]}}
  %l = dl.mse_loss %p, %p reduction = max : tensor<4xf32>
  return
}

// -----

// expected-error @+1 {{unknown dl attribute 'dl.label' on argument #0; expected 'dl.name'}}
func.func @unknown_arg_attr(%x: tensor<4xf32> {dl.label = "x"}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'dl.name' of result #0 must be a non-empty string, got ""}}
func.func @empty_result_name(%x: tensor<4xf32>) -> (tensor<4xf32> {dl.name = ""}) {
  return %x : tensor<4xf32>
}

// -----

func.func @gelu_backward_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{'dl.gelu_backward' op operand #0 must be}}
  %dx = dl.gelu_backward %x, %x : tensor<4xi32>
  return
}

// -----

func.func @gelu_backward_shapes(%x: tensor<4xf32>, %dy: tensor<2xf32>) {
  // expected-error @+1 {{'dl.gelu_backward' op requires the same type for all operands and results}}
  %dx = "dl.gelu_backward"(%x, %dy) : (tensor<4xf32>, tensor<2xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @softmax_backward_axis(%y: tensor<4x8xf32>) {
  // expected-error @+1 {{'dl.softmax_backward' op axis 2 is out of range for rank 2}}
  %dx = dl.softmax_backward %y, %y axis = 2 : tensor<4x8xf32>
  return
}

// -----

func.func @softmax_backward_scalar(%y: tensor<f32>) {
  // expected-error @+1 {{'dl.softmax_backward' op input must have rank 1 or more, got 'tensor<f32>'}}
  %dx = dl.softmax_backward %y, %y : tensor<f32>
  return
}
