// RUN: dlc-opt %s --exec-outline-gpu-kernels --split-input-file | FileCheck %s

// Library calls stay as they are: no gpu_kernels. A fused elementwise
// kernel becomes one linalg.generic over its buffers (inputs, then
// outputs): a broadcast input is read through a map with the constant 0 for
// its unit dims, a splat constant is an immediate, the dl ops become arith
// and math ops, and the launch names its kernel.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[BCAST:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: exec.entry @fused
// CHECK: exec.launch @k0_add_exp {{.*}} {gpu_kernels = [{kernel = "k0_add_exp"}]}
// CHECK-NEXT: exec.alloc
// CHECK-NEXT: exec.call "matmul" {{.*}} {transpose_a = false, transpose_b = false}
// CHECK: module @gpu_kernels {
// CHECK: func.func @k0_add_exp(%[[X:.*]]: memref<4x5xf32>, %[[B:.*]]: memref<1x5xf32>, %[[Y:.*]]: memref<4x5xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[BCAST]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[B]] : memref<4x5xf32>, memref<1x5xf32>) outs(%[[Y]] : memref<4x5xf32>)
// CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[BE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[XE]], %[[BE]] : f32
// CHECK-NEXT: %[[C:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[S]], %[[C]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[M]] : f32
// CHECK-NEXT: linalg.yield %[[E]] : f32
module {
  exec.entry @fused outputs ["y", "z"] {
    %x = exec.input "x" : memref<4x5xf32>
    %b = exec.input "b" : memref<1x5xf32>
    %w = exec.input "w" : memref<5x5xf32>
    %y = exec.alloc : memref<4x5xf32>
    exec.launch @k0_add_exp ins(%x, %b : memref<4x5xf32>, memref<1x5xf32>) outs(%y : memref<4x5xf32>)
    %z = exec.alloc : memref<4x5xf32>
    exec.call "matmul" ins(%y, %w : memref<4x5xf32>, memref<5x5xf32>) outs(%z : memref<4x5xf32>) {transpose_a = false, transpose_b = false}
    exec.return %y, %z : memref<4x5xf32>, memref<4x5xf32>
  }
  exec.kernel @k0_add_exp {
  ^bb0(%a: tensor<4x5xf32>, %c: tensor<1x5xf32>):
    %s = dl.add %a, %c : tensor<4x5xf32>, tensor<1x5xf32>
    %two = dl.constant dense<2.0> : tensor<f32>
    %m = dl.mul %s, %two : tensor<4x5xf32>, tensor<f32>
    %e = dl.exp %m : tensor<4x5xf32>
    exec.yield %e : tensor<4x5xf32>
  }
}


// -----

// Booleans are bytes in memory: loaded as i8 and truncated to i1, stored
// extended; a u8 input is signless i8 read as unsigned.
// CHECK-LABEL: func.func @k1_cast_compare(%{{.*}}: memref<6xi8>, %{{.*}}: memref<6xf32>, %{{.*}}: memref<6xi8>)
// CHECK: ^bb0(%[[U:.*]]: i8, %[[F:.*]]: f32, %{{.*}}: i8):
// CHECK-NEXT: %[[UF:.*]] = arith.uitofp %[[U]] : i8 to f32
// CHECK-NEXT: %[[LT:.*]] = arith.cmpf olt, %[[UF]], %[[F]] : f32
// CHECK-NEXT: %[[BYTE:.*]] = arith.extui %[[LT]] : i1 to i8
// CHECK-NEXT: linalg.yield %[[BYTE]] : i8
module {
  exec.entry @bools outputs ["m"] {
    %u = exec.input "u" : memref<6xui8>
    %f = exec.input "f" : memref<6xf32>
    %m = exec.alloc : memref<6xi1>
    exec.launch @k1_cast_compare ins(%u, %f : memref<6xui8>, memref<6xf32>) outs(%m : memref<6xi1>)
    exec.return %m : memref<6xi1>
  }
  exec.kernel @k1_cast_compare {
  ^bb0(%a: tensor<6xui8>, %b: tensor<6xf32>):
    %c = dl.cast %a : tensor<6xui8> -> tensor<6xf32>
    %l = dl.compare lt, %c, %b : tensor<6xf32>, tensor<6xf32>
    exec.yield %l : tensor<6xi1>
  }
}

// -----

// A transpose reads its input through the inverse permutation; a slice
// copies a strided memref.subview; a copy views both buffers flat.
// CHECK: #[[PERM:.*]] = affine_map<(d0, d1, d2) -> (d1, d2, d0)>
// CHECK-LABEL: exec.entry @moves
// CHECK: exec.call "transpose" {{.*}}gpu_kernels = [{kernel = "transpose"}]
// CHECK: exec.call "slice" {{.*}}gpu_kernels = [{kernel = "slice"}]
// CHECK: exec.call "copy" {{.*}}gpu_kernels = [{kernel = "copy"}]
// CHECK: func.func @transpose(%[[IN:.*]]: memref<2x3x4xf32>, %[[OUT:.*]]: memref<4x2x3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[PERM]], #{{.*}}], {{.*}} ins(%[[IN]] : memref<2x3x4xf32>) outs(%[[OUT]] : memref<4x2x3xf32>)
// CHECK: func.func @slice(%[[SIN:.*]]: memref<6x9xf32>, %[[SOUT:.*]]: memref<3x3xf32>)
// CHECK: %[[WINDOW:.*]] = memref.subview %[[SIN]][1, 2] [3, 3] [2, 3] : memref<6x9xf32> to memref<3x3xf32, strided<[18, 3], offset: 11>>
// CHECK: linalg.generic {{.*}} ins(%[[WINDOW]] : memref<3x3xf32, strided<[18, 3], offset: 11>>) outs(%[[SOUT]] : memref<3x3xf32>)
// CHECK: func.func @copy(%[[CIN:.*]]: memref<2x6xf32>, %[[COUT:.*]]: memref<12xf32>)
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %[[CIN]] to offset: [0], sizes: [12], strides: [1] : memref<2x6xf32> to memref<12xf32>
// CHECK: linalg.generic {{.*}} ins(%[[FLAT]] : memref<12xf32>) outs(%[[COUT]] : memref<12xf32>)
module {
  exec.entry @moves outputs ["t", "s", "c"] {
    %a = exec.input "a" : memref<2x3x4xf32>
    %t = exec.alloc : memref<4x2x3xf32>
    exec.call "transpose" ins(%a : memref<2x3x4xf32>) outs(%t : memref<4x2x3xf32>) {perm = array<i64: 2, 0, 1>}
    %b = exec.input "b" : memref<6x9xf32>
    %s = exec.alloc : memref<3x3xf32>
    exec.call "slice" ins(%b : memref<6x9xf32>) outs(%s : memref<3x3xf32>) {starts = array<i64: 1, 2>, strides = array<i64: 2, 3>}
    %p = exec.param @p : memref<2x6xf32>
    %c = exec.alloc : memref<12xf32>
    exec.call "copy" ins(%p : memref<2x6xf32>) outs(%c : memref<12xf32>)
    exec.return %t, %s, %c : memref<4x2x3xf32>, memref<3x3xf32>, memref<12xf32>
  }
  dl.param @p : tensor<2x6xf32> = #dl.zeros
}

// -----

// A reduction: one item per output element, its reduced elements a loop
// marked with the combining op (max from -inf, NaN propagating).
// CHECK-LABEL: func.func @reduce_max(%{{.*}}: memref<4x6x5xf32>, %{{.*}}: memref<6xf32>)
// CHECK: scf.parallel (%[[ITEM:.*]]) = (%{{.*}}) to (%[[C6:.*]]) step
// CHECK: %[[MAX:.*]] = scf.for %{{.*}} = %{{.*}} to %[[C20:.*]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// CHECK: %[[V:.*]] = memref.load
// CHECK: arith.maximumf %[[ACC]], %[[V]] : f32
// CHECK: } {dlc.combine = "maximumf"}
// CHECK: memref.store %[[MAX]], %{{.*}}[%[[ITEM]]] : memref<6xf32>
module {
  exec.entry @reduce outputs ["m"] {
    %a = exec.input "a" : memref<4x6x5xf32>
    %m = exec.alloc : memref<6xf32>
    exec.call "reduce" ins(%a : memref<4x6x5xf32>) outs(%m : memref<6xf32>) {axes = array<i64: 0, 2>, kind = "max"}
    exec.return %m : memref<6xf32>
  }
}

// -----

// Softmax along the last axis: per line, a max and a sum (combine loops),
// then a row loop writing exp(x - max) / sum.
// CHECK-LABEL: func.func @softmax(%{{.*}}: memref<3x5xf32>, %{{.*}}: memref<3x5xf32>)
// CHECK: scf.parallel
// CHECK: %[[MAX:.*]] = scf.for
// CHECK: } {dlc.combine = "maximumf"}
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: arith.subf %{{.*}}, %[[MAX]] : f32
// CHECK: math.exp
// CHECK: } {dlc.combine = "add"}
// CHECK: scf.for
// CHECK: %[[E:.*]] = math.exp
// CHECK: arith.divf %[[E]], %[[SUM]] : f32
// CHECK: memref.store
// CHECK: } {dlc.row}
module {
  exec.entry @softmax outputs ["y"] {
    %a = exec.input "a" : memref<3x5xf32>
    %y = exec.alloc : memref<3x5xf32>
    exec.call "softmax" ins(%a : memref<3x5xf32>) outs(%y : memref<3x5xf32>) {axis = 1 : i64, log = false}
    exec.return %y : memref<3x5xf32>
  }
}

// -----

// The losses reduce over the whole batch: one item, rows shared by a
// combine loop. A label outside [0, classes) gives NaN.
// CHECK-LABEL: func.func @softmax_cross_entropy(%{{.*}}: memref<6x4xf32>, %{{.*}}: memref<6xi32>, %{{.*}}: memref<f32>)
// CHECK: scf.parallel (%{{.*}}) = (%[[C0:.*]]) to (%[[C1:.*]]) step (%[[C1]])
// CHECK: scf.for {{.*}} -> (f32) {
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: math.log
// CHECK: } else {
// CHECK: arith.constant 0x7FC00000 : f32
// CHECK: } {dlc.combine = "add"}
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: memref.store
module {
  exec.entry @loss outputs ["l"] {
    %a = exec.input "a" : memref<6x4xf32>
    %t = exec.input "t" : memref<6xi32>
    %l = exec.alloc : memref<f32>
    exec.call "softmax_cross_entropy" ins(%a, %t : memref<6x4xf32>, memref<6xi32>) outs(%l : memref<f32>)
    exec.return %l : memref<f32>
  }
}

// -----

// Training-form dropout: one item per group of four elements, whose mask
// words come from one Philox4x32-10 block (ten rounds of two 32-bit
// multiplies), keyed by the seed, counted by the group and the step.
// CHECK-LABEL: func.func @dropout(
// CHECK-SAME: %{{.*}}: memref<3x5xf32>, %[[STEP:.*]]: memref<i64>, %{{.*}}: memref<3x5xf32>)
// CHECK: memref.load %[[STEP]][] : memref<i64>
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[GROUPS:.*]]) step
// CHECK-COUNT-20: arith.mului_extended
// CHECK-NOT: arith.mului_extended
// CHECK: arith.cmpf olt
module {
  exec.entry @dropout outputs ["y"] {
    %a = exec.input "a" : memref<3x5xf32>
    %s = exec.param @step : memref<i64>
    %y = exec.alloc : memref<3x5xf32>
    exec.call "dropout" ins(%a, %s : memref<3x5xf32>, memref<i64>) outs(%y : memref<3x5xf32>) {rate = 0.5 : f64, seed = 7 : i64, training = true}
    exec.return %y : memref<3x5xf32>
  }
  dl.param state @step : tensor<i64> = #dl.zeros
}

// -----

// cuDNN's pooling gradient has no ReLU mask: the call stays a library call
// and a kernel applies the mask to its output afterwards.
// CHECK-LABEL: exec.entry @pool_grad
// CHECK: exec.call "pool2d_backward" {{.*}}gpu_kernels = [{kernel = "pool2d_backward_relu_mask"}]{{.*}}relu_mask = true
// CHECK: func.func @pool2d_backward_relu_mask(%[[X:.*]]: memref<1x2x4x4xf32>, %[[G:.*]]: memref<1x2x4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]] : memref<1x2x4x4xf32>) outs(%[[G]] : memref<1x2x4x4xf32>)
// CHECK: ^bb0(%[[XE:.*]]: f32, %[[GE:.*]]: f32):
// CHECK: %[[POS:.*]] = arith.cmpf ogt, %[[XE]], %{{.*}} : f32
// CHECK: arith.select %[[POS]], %[[GE]], %{{.*}} : f32
module {
  exec.entry @pool_grad outputs ["g"] {
    %x = exec.input "x" : memref<1x2x4x4xf32>
    %dy = exec.input "dy" : memref<1x2x2x2xf32>
    %g = exec.alloc : memref<1x2x4x4xf32>
    exec.call "pool2d_backward" ins(%x, %dy : memref<1x2x4x4xf32>, memref<1x2x2x2xf32>) outs(%g : memref<1x2x4x4xf32>) {kernel = array<i64: 2, 2>, kind = "max", padding = array<i64: 0, 0, 0, 0>, relu_mask = true, stride = array<i64: 2, 2>}
    exec.return %g : memref<1x2x4x4xf32>
  }
}
