// RUN: dlc-opt %s --split-input-file --verify-diagnostics --allow-unregistered-dialect

// One case per diagnostic of the exec dialect's verifiers (ExecOps.cpp), and
// the structural ODS constraints the emitter relies on.
// --allow-unregistered-dialect lets a foreign terminator reach the
// entry and kernel verifiers.

//===----------------------------------------------------------------------===//
// exec.entry
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'exec.entry' op must end with exec.return}}
exec.entry @foreign_terminator outputs [] {
  "test.terminator"() : () -> ()
}

// -----

// expected-error @+1 {{'exec.entry' op names 2 outputs but returns 1}}
exec.entry @count outputs ["a", "b"] {
  %a = exec.alloc : memref<4xf32>
  exec.return %a : memref<4xf32>
}

// -----

// expected-error @+1 {{'exec.entry' op output #0 must be an exec.alloc or a view of one; copy it into one}}
exec.entry @returns_input outputs ["y"] {
  %x = exec.input "x" : memref<4xf32>
  exec.return %x : memref<4xf32>
}

// -----

dl.param @w : tensor<4xf32> = #dl.zeros

// expected-error @+1 {{'exec.entry' op output #1 must be an exec.alloc or a view of one; copy it into one}}
exec.entry @returns_view_of_param outputs ["a", "w"] {
  %a = exec.alloc : memref<4xf32>
  %w = exec.param @w : memref<4xf32>
  %v = exec.view %w : memref<4xf32> -> memref<2x2xf32>
  exec.return %a, %v : memref<4xf32>, memref<2x2xf32>
}

// -----

// expected-error @+1 {{'exec.entry' op outputs #0 and #1 share one buffer}}
exec.entry @twice outputs ["a", "b"] {
  %a = exec.alloc : memref<4xf32>
  exec.return %a, %a : memref<4xf32>, memref<4xf32>
}

// -----

// expected-error @+1 {{'exec.entry' op outputs #0 and #1 share one buffer}}
exec.entry @alias outputs ["a", "b"] {
  %a = exec.alloc : memref<4xf32>
  %v = exec.view %a : memref<4xf32> -> memref<2x2xf32>
  exec.return %a, %v : memref<4xf32>, memref<2x2xf32>
}

// -----

// expected-error @+1 {{'exec.entry' op has two outputs named 'y'}}
exec.entry @output_names outputs ["y", "y"] {
  %a = exec.alloc : memref<4xf32>
  %b = exec.alloc : memref<4xf32>
  exec.return %a, %b : memref<4xf32>, memref<4xf32>
}

// -----

// expected-error @+1 {{'exec.entry' op has two inputs named 'x'}}
exec.entry @input_names outputs [] {
  %a = exec.input "x" : memref<4xf32>
  %b = exec.input "x" : memref<8xf32>
  exec.return
}

// -----

// expected-error @+1 {{'exec.entry' op region #0 ('body') failed to verify constraint: region with 1 blocks}}
exec.entry @no_body outputs [] {
}

// -----

"test.wrapper"() ({
  // expected-error @+1 {{'exec.entry' op expects parent op 'builtin.module'}}
  exec.entry @nested outputs [] {
    exec.return
  }
}) : () -> ()

// -----

exec.kernel @k {
  %c = dl.constant dense<1.0> : tensor<4xf32>
  // expected-error @+1 {{'exec.return' op expects parent op 'exec.entry'}}
  exec.return
}

//===----------------------------------------------------------------------===//
// exec.param
//===----------------------------------------------------------------------===//

// -----

exec.entry @missing outputs [] {
  // expected-error @+1 {{'exec.param' op refers to @w, which is not a dl.param}}
  %w = exec.param @w : memref<4xf32>
  exec.return
}

// -----

exec.kernel @w {
  %c = dl.constant dense<1.0> : tensor<4xf32>
  exec.yield %c : tensor<4xf32>
}

exec.entry @not_a_param outputs [] {
  // expected-error @+1 {{'exec.param' op refers to @w, which is not a dl.param}}
  %w = exec.param @w : memref<4xf32>
  exec.return
}

// -----

dl.param @w : tensor<4x8xf32> = #dl.zeros

exec.entry @wrong_type outputs [] {
  // expected-error @+1 {{'exec.param' op has type 'memref<8x4xf32>' but @w is 'tensor<4x8xf32>'}}
  %w = exec.param @w : memref<8x4xf32>
  exec.return
}

//===----------------------------------------------------------------------===//
// exec.constant
//===----------------------------------------------------------------------===//

// -----

exec.entry @constant_type outputs [] {
  // expected-error @+1 {{'exec.constant' op holds 'tensor<2xf32>' but its buffer is 'memref<4xf32>'}}
  %c = exec.constant dense<[1.0, 2.0]> : tensor<2xf32> : memref<4xf32>
  exec.return
}

//===----------------------------------------------------------------------===//
// exec.view
//===----------------------------------------------------------------------===//

// -----

exec.entry @view_count outputs [] {
  %a = exec.alloc : memref<4x8xf32>
  // expected-error @+1 {{'exec.view' op cannot view 'memref<4x8xf32>' as 'memref<30xf32>'}}
  %v = exec.view %a : memref<4x8xf32> -> memref<30xf32>
  exec.return
}

// -----

exec.entry @view_element outputs [] {
  %a = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.view' op cannot view 'memref<4xf32>' as 'memref<4xi32>'}}
  %v = exec.view %a : memref<4xf32> -> memref<4xi32>
  exec.return
}

//===----------------------------------------------------------------------===//
// exec.call
//===----------------------------------------------------------------------===//

// -----

exec.entry @unknown outputs [] {
  %a = exec.alloc : memref<4xf32>
  %b = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.call' op unknown routine 'gemm'}}
  exec.call "gemm" ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
  exec.return
}

// -----

exec.entry @fixed_arity outputs [] {
  %a = exec.alloc : memref<4xf32>
  %b = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.call' op 'copy' takes 1 inputs and 1 output, got 2 and 1}}
  exec.call "copy" ins(%a, %a : memref<4xf32>, memref<4xf32>) outs(%b : memref<4xf32>)
  exec.return
}

// -----

exec.entry @optional_output outputs [] {
  %x = exec.alloc : memref<2x4x4x2xf32>
  %dy = exec.alloc : memref<2x4x4x3xf32>
  %dw = exec.alloc : memref<3x2x3x3xf32>
  %db = exec.alloc : memref<3xf32>
  // The bias gradient is an optional second output; a third is an error.
  exec.call "conv2d_backward_filter" ins(%x, %dy : memref<2x4x4x2xf32>, memref<2x4x4x3xf32>) outs(%dw, %db : memref<3x2x3x3xf32>, memref<3xf32>) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, channels_last = true}
  // expected-error @+1 {{'exec.call' op 'conv2d_backward_filter' takes 2 inputs and 1 or 2 outputs, got 2 and 3}}
  exec.call "conv2d_backward_filter" ins(%x, %dy : memref<2x4x4x2xf32>, memref<2x4x4x3xf32>) outs(%dw, %db, %db : memref<3x2x3x3xf32>, memref<3xf32>, memref<3xf32>) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>, channels_last = true}
  exec.return
}

// -----

exec.entry @relu_mask_average outputs [] {
  %x = exec.alloc : memref<2x3x4x4xf32>
  %dy = exec.alloc : memref<2x3x2x2xf32>
  %dx = exec.alloc : memref<2x3x4x4xf32>
  exec.call "pool2d_backward" ins(%x, %dy : memref<2x3x4x4xf32>, memref<2x3x2x2xf32>) outs(%dx : memref<2x3x4x4xf32>) {kernel = array<i64: 2, 2>, kind = "max", padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>, relu_mask = true}
  // expected-error @+1 {{'exec.call' op 'pool2d_backward' applies relu_mask to max pooling only}}
  exec.call "pool2d_backward" ins(%x, %dy : memref<2x3x4x4xf32>, memref<2x3x2x2xf32>) outs(%dx : memref<2x3x4x4xf32>) {kernel = array<i64: 2, 2>, kind = "average", padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>, relu_mask = true}
  exec.return
}

// -----

exec.entry @optional_bias outputs [] {
  %a = exec.alloc : memref<4x4xf32>
  %b = exec.alloc : memref<4x4xf32>
  // expected-error @+1 {{'exec.call' op 'matmul' takes 2 or 3 inputs and 1 output, got 1 and 1}}
  exec.call "matmul" ins(%a : memref<4x4xf32>) outs(%b : memref<4x4xf32>)
  exec.return
}

// -----

exec.entry @variadic outputs [] {
  %a = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.call' op 'concat' takes 1 or more inputs and 1 output, got 0 and 1}}
  exec.call "concat" ins() outs(%a : memref<4xf32>) {axis = 0}
  exec.return
}

// -----

exec.entry @copy_size outputs [] {
  %a = exec.alloc : memref<4xf32>
  %b = exec.alloc : memref<8xf32>
  // expected-error @+1 {{'exec.call' op cannot copy 'memref<4xf32>' to 'memref<8xf32>'}}
  exec.call "copy" ins(%a : memref<4xf32>) outs(%b : memref<8xf32>)
  exec.return
}

// -----

exec.entry @missing_attribute outputs [] {
  %x = exec.alloc : memref<1x1x4x4xf32>
  %w = exec.alloc : memref<1x1x3x3xf32>
  %y = exec.alloc : memref<1x1x2x2xf32>
  // expected-error @+1 {{'exec.call' op 'conv2d' needs attribute 'stride', an array<i64>}}
  exec.call "conv2d" ins(%x, %w : memref<1x1x4x4xf32>, memref<1x1x3x3xf32>) outs(%y : memref<1x1x2x2xf32>) {padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1}
  exec.return
}

// -----

exec.entry @wrong_attribute_type outputs [] {
  %x = exec.alloc : memref<4x8xf32>
  %y = exec.alloc : memref<4x8xf32>
  // expected-error @+1 {{'exec.call' op 'softmax' needs attribute 'axis', an i64 integer}}
  exec.call "softmax" ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>) {axis = 1 : i32}
  exec.return
}

// -----

exec.entry @optional_bool_type outputs [] {
  %a = exec.alloc : memref<4x4xf32>
  %c = exec.alloc : memref<4x4xf32>
  // expected-error @+1 {{'exec.call' op 'matmul' needs attribute 'transpose_b', a bool}}
  exec.call "matmul" ins(%a, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>) {transpose_b = 1 : i64}
  exec.return
}

// -----

exec.entry @float_attribute outputs [] {
  %x = exec.alloc : memref<4x8xf32>
  %y = exec.alloc : memref<4x8xf32>
  // expected-error @+1 {{'exec.call' op 'dropout' needs attribute 'rate', a float}}
  exec.call "dropout" ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>) {rate = 1, seed = 0}
  exec.return
}

// -----

exec.entry @string_attribute outputs [] {
  %x = exec.alloc : memref<4x8xf32>
  %y = exec.alloc : memref<f32>
  // expected-error @+1 {{'exec.call' op 'mse_loss' needs attribute 'reduction', a string}}
  exec.call "mse_loss" ins(%x, %x : memref<4x8xf32>, memref<4x8xf32>) outs(%y : memref<f32>) {reduction = 0}
  exec.return
}

// -----

exec.entry @choice outputs [] {
  %x = exec.alloc : memref<1x1x4x4xf32>
  %y = exec.alloc : memref<1x1x2x2xf32>
  // expected-error @+1 {{'exec.call' op 'pool2d' attribute 'kind' is "min"; expected one of "max" "average" "average_include_pad"}}
  exec.call "pool2d" ins(%x : memref<1x1x4x4xf32>) outs(%y : memref<1x1x2x2xf32>) {kind = "min", kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
  exec.return
}

//===----------------------------------------------------------------------===//
// exec.kernel and exec.yield
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{'exec.kernel' op must end with exec.yield}}
exec.kernel @foreign_terminator {
  "test.terminator"() : () -> ()
}

// -----

// expected-error @+1 {{'exec.kernel' op must yield at least one result}}
exec.kernel @empty {
  "exec.yield"() : () -> ()
}

// -----

// expected-error @+1 {{'exec.kernel' op yields results of different shapes: 'tensor<4xf32>' and 'tensor<2x4xf32>'}}
exec.kernel @shapes {
^bb0(%a: tensor<4xf32>, %b: tensor<2x4xf32>):
  exec.yield %a, %b : tensor<4xf32>, tensor<2x4xf32>
}

// -----

exec.entry @e outputs [] {
  %c = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.yield' op expects parent op 'exec.kernel'}}
  "exec.yield"() : () -> ()
}

//===----------------------------------------------------------------------===//
// exec.launch
//===----------------------------------------------------------------------===//

// -----

dl.param @k : tensor<4xf32> = #dl.zeros

exec.entry @not_a_kernel outputs [] {
  %a = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.launch' op launches @k, which is not an exec.kernel}}
  exec.launch @k ins() outs(%a : memref<4xf32>)
  exec.return
}

// -----

exec.kernel @relu {
^bb0(%x: tensor<4xf32>):
  %y = dl.relu %x : tensor<4xf32>
  exec.yield %y : tensor<4xf32>
}

exec.entry @arity outputs [] {
  %a = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.launch' op passes 0 inputs and 1 outputs to a kernel of 1 and 1}}
  exec.launch @relu ins() outs(%a : memref<4xf32>)
  exec.return
}

// -----

exec.kernel @relu {
^bb0(%x: tensor<4xf32>):
  %y = dl.relu %x : tensor<4xf32>
  exec.yield %y : tensor<4xf32>
}

exec.entry @input_type outputs [] {
  %a = exec.alloc : memref<2x2xf32>
  %b = exec.alloc : memref<4xf32>
  // expected-error @+1 {{'exec.launch' op input #0 'memref<2x2xf32>' does not match the kernel's 'tensor<4xf32>'}}
  exec.launch @relu ins(%a : memref<2x2xf32>) outs(%b : memref<4xf32>)
  exec.return
}

// -----

exec.kernel @relu {
^bb0(%x: tensor<4xf32>):
  %y = dl.relu %x : tensor<4xf32>
  exec.yield %y : tensor<4xf32>
}

exec.entry @output_type outputs [] {
  %a = exec.alloc : memref<4xf32>
  %b = exec.alloc : memref<4xf64>
  // expected-error @+1 {{'exec.launch' op output #0 'memref<4xf64>' does not match the kernel's 'tensor<4xf32>'}}
  exec.launch @relu ins(%a : memref<4xf32>) outs(%b : memref<4xf64>)
  exec.return
}
