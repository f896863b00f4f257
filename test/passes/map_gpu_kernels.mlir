// RUN: dlc-opt %s --exec-outline-gpu-kernels --exec-map-gpu-kernels --split-input-file | FileCheck %s
// RUN: dlc-opt %S/Inputs/map_gpu_kernels_invalid.mlir --exec-map-gpu-kernels --split-input-file --verify-diagnostics

// A flat kernel (no row loops): its items go to threads, 256 a block, as
// many blocks as cover them (4 x 5 x 30 = 600 items: 3 blocks); thread
// block_id * block_dim + thread_id takes the first, the grid strides over
// the rest. The launch gets its shape.
// CHECK-LABEL: exec.entry @flat
// CHECK: exec.launch @k0_add {{.*}}gpu_kernels = [{block = array<i64: 256, 1, 1>, grid = array<i64: 3, 1, 1>, kernel = "k0_add", shared_memory = 0 : i64}]
// CHECK: gpu.module @gpu_kernels {
// CHECK: gpu.func @k0_add(%[[A:.*]]: memref<4x5x30xf32>, %[[B:.*]]: memref<30xf32>, %[[Y:.*]]: memref<4x5x30xf32>) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// Operands read as the iteration space are read at the flat index of
// 1-D views made before the loop.
// CHECK: %[[FLAT_A:.*]] = memref.reinterpret_cast %[[A]] to offset: [0], sizes: [600], strides: [1]
// CHECK: %[[FLAT_Y:.*]] = memref.reinterpret_cast %[[Y]] to offset: [0], sizes: [600], strides: [1]
// CHECK: %[[BDIM:.*]] = gpu.block_dim x
// CHECK: %[[BID:.*]] = gpu.block_id x
// CHECK: %[[BASE:.*]] = arith.muli %[[BID]], %[[BDIM]] : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[FIRST:.*]] = arith.addi %[[BASE]], %[[TID]] : index
// CHECK: %[[GDIM:.*]] = gpu.grid_dim x
// CHECK: %[[STRIDE:.*]] = arith.muli %[[GDIM]], %[[BDIM]] : index
// CHECK: scf.for %[[I:.*]] = %[[FIRST]] to %{{.*}} step %[[STRIDE]] {
// CHECK: %[[X:.*]] = memref.load %[[FLAT_A]][%[[I]]] : memref<600xf32>
// The broadcast input is read at the last of the item's coordinates.
// CHECK: %[[K:.*]] = arith.remui %[[I]], %{{.*}} : index
// CHECK: %[[BV:.*]] = memref.load %[[B]][%[[K]]] : memref<30xf32>
// CHECK: %[[S:.*]] = arith.addf %[[X]], %[[BV]] : f32
// CHECK: memref.store %[[S]], %[[FLAT_Y]][%[[I]]] : memref<600xf32>
// CHECK: gpu.return
module {
  exec.entry @flat outputs ["y"] {
    %a = exec.input "a" : memref<4x5x30xf32>
    %b = exec.input "b" : memref<30xf32>
    %y = exec.alloc : memref<4x5x30xf32>
    exec.launch @k0_add ins(%a, %b : memref<4x5x30xf32>, memref<30xf32>) outs(%y : memref<4x5x30xf32>)
    exec.return %y : memref<4x5x30xf32>
  }
  exec.kernel @k0_add {
  ^bb0(%x: tensor<4x5x30xf32>, %c: tensor<30xf32>):
    %s = dl.add %x, %c : tensor<4x5x30xf32>, tensor<30xf32>
    exec.yield %s : tensor<4x5x30xf32>
  }
}

// -----

// A kernel with row loops: items go to blocks (3 lines: 3 blocks), whose
// threads share each line (64 threads for lines of 40: the power of two at
// or above the longest row loop, at least a warp). Each thread reduces a
// strided share (from thread_id in steps of block_dim) and gpu.all_reduce
// joins the shares; the row loop is strided the same way.
// CHECK-LABEL: exec.entry @softmax
// CHECK: gpu_kernels = [{block = array<i64: 64, 1, 1>, grid = array<i64: 3, 1, 1>, kernel = "log_softmax", shared_memory = 0 : i64}]
// CHECK: gpu.func @log_softmax({{.*}}) kernel attributes {known_block_size = array<i32: 64, 1, 1>}
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[BDIM:.*]] = gpu.block_dim x
// CHECK: %[[GDIM:.*]] = gpu.grid_dim x
// CHECK: %[[BID:.*]] = gpu.block_id x
// CHECK: scf.for %{{.*}} = %[[BID]] to %{{.*}} step %[[GDIM]] {
// CHECK: %[[PMAX:.*]] = scf.for %{{.*}} = %[[TID]] to %{{.*}} step %[[BDIM]] iter_args
// CHECK: %[[MAX:.*]] = gpu.all_reduce maximumf %[[PMAX]] uniform
// CHECK: %[[PSUM:.*]] = scf.for %{{.*}} = %[[TID]] to %{{.*}} step %[[BDIM]] iter_args
// CHECK: %[[SUM:.*]] = gpu.all_reduce add %[[PSUM]] uniform
// CHECK: math.log %[[SUM]]
// CHECK: scf.for %{{.*}} = %[[TID]] to %{{.*}} step %[[BDIM]] {
// CHECK: memref.store
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return
module {
  exec.entry @softmax outputs ["y"] {
    %a = exec.input "a" : memref<3x40xf32>
    %y = exec.alloc : memref<3x40xf32>
    exec.call "softmax" ins(%a : memref<3x40xf32>) outs(%y : memref<3x40xf32>) {axis = 1 : i64, log = true}
    exec.return %y : memref<3x40xf32>
  }
}

// -----

// A loss: one item, one block; the item's scalar store runs on thread 0.
// CHECK-LABEL: exec.entry @loss
// CHECK: gpu_kernels = [{block = array<i64: 32, 1, 1>, grid = array<i64: 1, 1, 1>, kernel = "mse_loss", shared_memory = 0 : i64}]
// CHECK: gpu.func @mse_loss
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %{{.*}} : index
// CHECK: %[[TOTAL:.*]] = gpu.all_reduce add
// CHECK: %[[MEAN:.*]] = arith.divf %[[TOTAL]]
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: memref.store %[[MEAN]]
module {
  exec.entry @loss outputs ["l"] {
    %p = exec.input "p" : memref<4x6xf32>
    %t = exec.input "t" : memref<4x6xf32>
    %l = exec.alloc : memref<f32>
    exec.call "mse_loss" ins(%p, %t : memref<4x6xf32>, memref<4x6xf32>) outs(%l : memref<f32>) {reduction = "mean"}
    exec.return %l : memref<f32>
  }
}

// -----

// More items than blocks (70000 sums, at most 65535 blocks): each block
// takes several, and waits at the end of each until all its threads have
// read the sum, which the next item's all_reduce overwrites.
// CHECK-LABEL: exec.entry @many_rows
// CHECK: grid = array<i64: 65535, 1, 1>
// CHECK: gpu.func @reduce_sum
// CHECK: gpu.all_reduce add
// CHECK: scf.if
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: }
module {
  exec.entry @many_rows outputs ["s"] {
    %a = exec.input "a" : memref<70000x2xf32>
    %s = exec.alloc : memref<70000xf32>
    exec.call "reduce" ins(%a : memref<70000x2xf32>) outs(%s : memref<70000xf32>) {axes = array<i64: 1>, kind = "sum"}
    exec.return %s : memref<70000xf32>
  }
}
