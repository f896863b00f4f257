// RUN: dlc-opt %s --split-input-file --verify-roundtrip | FileCheck %s

// Round trip of every dl attribute. Parameters equal to their default are
// not printed, and an attribute left with no parameters drops its `<>`.
// Numbers may be written as integers.

// CHECK-LABEL: module @initializers
// CHECK: dl.param @zeros : tensor<4xf32> = #dl.zeros
// CHECK: dl.param state @ones : tensor<4xi32> = #dl.ones
// CHECK: dl.param @constant : tensor<4xf32> = #dl.constant<value = 1.000000e-01>
// CHECK: dl.param @constant_int : tensor<4xf64> = #dl.constant<value = -3.000000e+00>
// CHECK: dl.param @uniform : tensor<4xf32> = #dl.uniform<low = -5.000000e-02, high = 5.000000e-02>
// CHECK: dl.param @uniform_low : tensor<4xf32> = #dl.uniform<low = -1.000000e+00>
// CHECK: dl.param @uniform_default : tensor<4xf32> = #dl.uniform{{$}}
// CHECK: dl.param @uniform_empty : tensor<4xf32> = #dl.uniform{{$}}
// CHECK: dl.param @uniform_explicit : tensor<4xf32> = #dl.uniform{{$}}
// CHECK: dl.param @normal : tensor<4xf16> = #dl.normal<mean = 1.000000e+00, stddev = 1.000000e-02>
// CHECK: dl.param @normal_stddev : tensor<4xbf16> = #dl.normal<stddev = 2.000000e+00>
// CHECK: dl.param @normal_default : tensor<4xf64> = #dl.normal{{$}}
// CHECK: dl.param @he_normal : tensor<784x256xf32> = #dl.he_normal
// CHECK: dl.param @he_uniform : tensor<32x1x5x5xf32> = #dl.he_uniform
// CHECK: dl.param @glorot_normal : tensor<256x10xf32> = #dl.glorot_normal
// CHECK: dl.param @glorot_uniform : tensor<64x32x3x3xf32> = #dl.glorot_uniform
module @initializers {
  dl.param @zeros : tensor<4xf32> = #dl.zeros
  dl.param state @ones : tensor<4xi32> = #dl.ones
  dl.param @constant : tensor<4xf32> = #dl.constant<value = 0.1>
  dl.param @constant_int : tensor<4xf64> = #dl.constant<value = -3>
  dl.param @uniform : tensor<4xf32> = #dl.uniform<low = -0.05, high = 0.05>
  dl.param @uniform_low : tensor<4xf32> = #dl.uniform<low = -1>
  dl.param @uniform_default : tensor<4xf32> = #dl.uniform
  dl.param @uniform_empty : tensor<4xf32> = #dl.uniform<>
  dl.param @uniform_explicit : tensor<4xf32> = #dl.uniform<high = 1.0, low = 0.0>
  dl.param @normal : tensor<4xf16> = #dl.normal<mean = 1.0, stddev = 0.01>
  dl.param @normal_stddev : tensor<4xbf16> = #dl.normal<stddev = 2>
  dl.param @normal_default : tensor<4xf64> = #dl.normal
  dl.param @he_normal : tensor<784x256xf32> = #dl.he_normal
  dl.param @he_uniform : tensor<32x1x5x5xf32> = #dl.he_uniform
  dl.param @glorot_normal : tensor<256x10xf32> = #dl.glorot_normal
  dl.param @glorot_uniform : tensor<64x32x3x3xf32> = #dl.glorot_uniform
}

// -----

// CHECK-LABEL: module @minus_zero
// CHECK: dl.param @minus_zero : tensor<2xf32> = #dl.normal<mean = -0.000000e+00>
module @minus_zero {
  dl.param @minus_zero : tensor<2xf32> = #dl.normal<mean = -0.0>
}

// -----

// Numbers print in decimal with as many digits as they need to read back as
// the same double: 7 significant digits when those suffice, up to 17.
// CHECK-LABEL: module @exact_numbers
// CHECK-NEXT: dl.param @million : tensor<2xf64> = #dl.constant<value = 1.234567e+06>
// CHECK-NEXT: dl.param @eight_digits : tensor<2xf64> = #dl.constant<value = 1.2345678e+07>
// CHECK-NEXT: dl.param @two_pow_52_plus_1 : tensor<2xf64> = #dl.constant<value = 4.503599627370497e+15>
// CHECK-NEXT: dl.param @tenth_plus_fifth : tensor<2xf64> = #dl.constant<value = 3.0000000000000004e-01>
// CHECK-NEXT: dl.param @tiny : tensor<2xf64> = #dl.constant<value = 1.000000e-300>
// CHECK-NEXT: dl.param @decimal : tensor<2xf64> = #dl.constant<value = 1.23456789e+02>
module @exact_numbers {
  dl.param @million : tensor<2xf64> = #dl.constant<value = 1234567>
  dl.param @eight_digits : tensor<2xf64> = #dl.constant<value = 12345678>
  dl.param @two_pow_52_plus_1 : tensor<2xf64> = #dl.constant<value = 4503599627370497>
  dl.param @tenth_plus_fifth : tensor<2xf64> = #dl.constant<value = 0.30000000000000004>
  dl.param @tiny : tensor<2xf64> = #dl.constant<value = 1.0e-300>
  dl.param @decimal : tensor<2xf64> = #dl.constant<value = 123.456789>
}

// -----

// CHECK-LABEL: module @sgd_minimal
// CHECK-SAME: dl.optimizer = #dl.sgd<lr = 1.000000e-01>
module @sgd_minimal attributes {dl.optimizer = #dl.sgd<lr = 0.1>} {}

// -----

// CHECK-LABEL: module @sgd_integer_lr
// CHECK-SAME: dl.optimizer = #dl.sgd<lr = 1.000000e+00>
module @sgd_integer_lr attributes {dl.optimizer = #dl.sgd<lr = 1, momentum = 0, nesterov = false>} {}

// -----

// CHECK-LABEL: module @sgd_full
// CHECK-SAME: dl.optimizer = #dl.sgd<lr = 1.000000e-01, momentum = 9.000000e-01, nesterov = true, weight_decay = 5.000000e-04, clip_norm = 1.000000e+00>
module @sgd_full attributes {
  dl.optimizer = #dl.sgd<lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 5.0e-4, clip_norm = 1.0>
} {}

// -----

// Parameters may come in any order; they print in declaration order.
// CHECK-LABEL: module @sgd_reordered
// CHECK-SAME: dl.optimizer = #dl.sgd<lr = 1.000000e-02, momentum = 5.000000e-01, weight_decay = 1.000000e-04>
module @sgd_reordered attributes {dl.optimizer = #dl.sgd<weight_decay = 1.0e-4, momentum = 0.5, lr = 0.01>} {}

// -----

// CHECK-LABEL: module @adam_minimal
// CHECK-SAME: dl.optimizer = #dl.adam<lr = 1.000000e-03>
module @adam_minimal attributes {dl.optimizer = #dl.adam<lr = 1.0e-3>} {}

// -----

// The documented defaults, written out, print as the minimal form.
// CHECK-LABEL: module @adam_defaults
// CHECK-SAME: dl.optimizer = #dl.adam<lr = 1.000000e-03>
module @adam_defaults attributes {
  dl.optimizer = #dl.adam<lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8, clip_norm = 0.0>
} {}

// -----

// CHECK-LABEL: module @adam_full
// CHECK-SAME: dl.optimizer = #dl.adam<lr = 2.000000e-03, beta1 = 8.000000e-01, beta2 = 9.900000e-01, epsilon = 1.000000e-06, clip_norm = 5.000000e+00>
module @adam_full attributes {
  dl.optimizer = #dl.adam<lr = 2.0e-3, beta1 = 0.8, beta2 = 0.99, epsilon = 1.0e-6, clip_norm = 5.0>
} {}

// -----

// CHECK-LABEL: module @adamw_minimal
// CHECK-SAME: dl.optimizer = #dl.adamw<lr = 1.000000e-03>
module @adamw_minimal attributes {dl.optimizer = #dl.adamw<lr = 1.0e-3, weight_decay = 0.01>} {}

// -----

// CHECK-LABEL: module @adamw_full
// CHECK-SAME: dl.optimizer = #dl.adamw<lr = 3.000000e-04, beta1 = 0.000000e+00, beta2 = 9.500000e-01, epsilon = 1.000000e-06, weight_decay = 1.000000e-01, clip_norm = 1.000000e+00>
module @adamw_full attributes {
  dl.optimizer = #dl.adamw<lr = 3.0e-4, beta1 = 0, beta2 = 0.95, epsilon = 1.000000e-06, weight_decay = 0.1, clip_norm = 1>
} {}

// -----

// CHECK-LABEL: module @constant_lr
// CHECK-SAME: dl.lr_schedule = #dl.constant_lr
module @constant_lr attributes {dl.lr_schedule = #dl.constant_lr} {}

// -----

// CHECK-LABEL: module @step_lr
// CHECK-SAME: dl.lr_schedule = #dl.step_lr<step_size = 1000, gamma = 5.000000e-01>
module @step_lr attributes {dl.lr_schedule = #dl.step_lr<step_size = 1000, gamma = 0.5>} {}

// -----

// CHECK-LABEL: module @step_lr_gamma
// CHECK-SAME: dl.lr_schedule = #dl.step_lr<step_size = 1, gamma = 9.000000e-01>
module @step_lr_gamma attributes {dl.lr_schedule = #dl.step_lr<step_size = 1, gamma = 0.9>} {}

// -----

// CHECK-LABEL: module @step_lr_default_gamma
// CHECK-SAME: dl.lr_schedule = #dl.step_lr<step_size = 30>}
module @step_lr_default_gamma attributes {dl.lr_schedule = #dl.step_lr<step_size = 30, gamma = 0.1>} {}

// -----

// CHECK-LABEL: module @cosine_lr
// CHECK-SAME: dl.lr_schedule = #dl.cosine_lr<warmup_steps = 500, total_steps = 20000, min_lr = 1.000000e-05>
module @cosine_lr attributes {dl.lr_schedule = #dl.cosine_lr<warmup_steps = 500, total_steps = 20000, min_lr = 1.0e-5>} {}

// -----

// CHECK-LABEL: module @cosine_lr_total
// CHECK-SAME: dl.lr_schedule = #dl.cosine_lr<total_steps = 100>
module @cosine_lr_total attributes {dl.lr_schedule = #dl.cosine_lr<total_steps = 100, min_lr = 0>} {}

// -----

// Both module attributes together, as a model carries them.
// CHECK-LABEL: module @model
// CHECK-SAME: attributes {dl.lr_schedule = #dl.cosine_lr<warmup_steps = 10, total_steps = 1000>, dl.optimizer = #dl.adamw<lr = 1.000000e-03, clip_norm = 1.000000e+00>}
// CHECK: dl.param @w : tensor<8x4xf32> = #dl.glorot_uniform
module @model attributes {
  dl.optimizer = #dl.adamw<lr = 1.0e-3, clip_norm = 1.0>,
  dl.lr_schedule = #dl.cosine_lr<warmup_steps = 10, total_steps = 1000>
} {
  dl.param @w : tensor<8x4xf32> = #dl.glorot_uniform
}
