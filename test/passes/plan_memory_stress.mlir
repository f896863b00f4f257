// RUN: dlc-opt %s --exec-plan-memory --exec-check-memory-plan | FileCheck %s
// RUN: dlc-opt %s --exec-plan-memory=alignment=8 --exec-check-memory-plan | FileCheck %s --check-prefix=ALIGN8

// A larger entry for the planner's own overlap check (and
// exec-check-memory-plan after it): 3 inputs and 24 temporaries of 1-D sizes
// from 12 to 944 bytes, each made from one or two earlier buffers picked at
// random (mostly recent ones, sometimes far back), with views that extend
// their source's life, dead temporaries and 3 outputs. Generated once with a
// fixed seed; the routines' shapes agree (concat adds sizes, slice shrinks,
// transpose of a 1xN view gives Nx1).
//
// One slot per buffer would take 6728 bytes; the plan takes 3136 (alignment
// 64) or 2960 (alignment 8), and no two buffers live at the same time share
// a byte, or the passes would fail.
// CHECK: exec.entry @stress outputs ["y0", "y1", "y2"] arena_size = 3136 {
// CHECK-COUNT-24: exec.alloc offset =
// ALIGN8: exec.entry @stress outputs ["y0", "y1", "y2"] arena_size = 2960 {

exec.entry @stress outputs ["y0", "y1", "y2"] {
  %in0 = exec.input "in0" : memref<16x1xf32>
  %in1 = exec.input "in1" : memref<40x1xf32>
  %in2 = exec.input "in2" : memref<100x1xf32>
  %t0 = exec.alloc : memref<56x1xf32>
  exec.call "concat" ins(%in1, %in0 : memref<40x1xf32>, memref<16x1xf32>) outs(%t0 : memref<56x1xf32>) {axis = 0 : i64}
  %v0 = exec.view %in1 : memref<40x1xf32> -> memref<1x40xf32>
  %t1 = exec.alloc : memref<40x1xf32>
  exec.call "transpose" ins(%v0 : memref<1x40xf32>) outs(%t1 : memref<40x1xf32>) {perm = array<i64: 1, 0>}
  %t2 = exec.alloc : memref<16x1xf32>
  exec.call "slice" ins(%in0 : memref<16x1xf32>) outs(%t2 : memref<16x1xf32>) {starts = array<i64: 0, 0>, strides = array<i64: 1, 1>}
  %t3 = exec.alloc : memref<116x1xf32>
  exec.call "concat" ins(%in2, %t2 : memref<100x1xf32>, memref<16x1xf32>) outs(%t3 : memref<116x1xf32>) {axis = 0 : i64}
  %v1 = exec.view %t1 : memref<40x1xf32> -> memref<1x40xf32>
  %t4 = exec.alloc : memref<40x1xf32>
  exec.call "transpose" ins(%v1 : memref<1x40xf32>) outs(%t4 : memref<40x1xf32>) {perm = array<i64: 1, 0>}
  %t5 = exec.alloc : memref<80x1xf32>
  exec.call "concat" ins(%t4, %t4 : memref<40x1xf32>, memref<40x1xf32>) outs(%t5 : memref<80x1xf32>) {axis = 0 : i64}
  %v2 = exec.view %t5 : memref<80x1xf32> -> memref<1x80xf32>
  %t6 = exec.alloc : memref<80x1xf32>
  exec.call "transpose" ins(%v2 : memref<1x80xf32>) outs(%t6 : memref<80x1xf32>) {perm = array<i64: 1, 0>}
  %t7 = exec.alloc : memref<196x1xf32>
  exec.call "concat" ins(%t5, %t3 : memref<80x1xf32>, memref<116x1xf32>) outs(%t7 : memref<196x1xf32>) {axis = 0 : i64}
  %t8 = exec.alloc : memref<6x1xf32>
  exec.call "slice" ins(%t6 : memref<80x1xf32>) outs(%t8 : memref<6x1xf32>) {starts = array<i64: 44, 0>, strides = array<i64: 1, 1>}
  %v3 = exec.view %t0 : memref<56x1xf32> -> memref<1x56xf32>
  %t9 = exec.alloc : memref<56x1xf32>
  exec.call "transpose" ins(%v3 : memref<1x56xf32>) outs(%t9 : memref<56x1xf32>) {perm = array<i64: 1, 0>}
  %t10 = exec.alloc : memref<96x1xf32>
  exec.call "concat" ins(%in0, %t5 : memref<16x1xf32>, memref<80x1xf32>) outs(%t10 : memref<96x1xf32>) {axis = 0 : i64}
  %t11 = exec.alloc : memref<3x1xf32>
  exec.call "slice" ins(%t2 : memref<16x1xf32>) outs(%t11 : memref<3x1xf32>) {starts = array<i64: 11, 0>, strides = array<i64: 1, 1>}
  %v4 = exec.view %t1 : memref<40x1xf32> -> memref<1x40xf32>
  %t12 = exec.alloc : memref<40x1xf32>
  exec.call "transpose" ins(%v4 : memref<1x40xf32>) outs(%t12 : memref<40x1xf32>) {perm = array<i64: 1, 0>}
  %t13 = exec.alloc : memref<40x1xf32>
  exec.call "copy" ins(%in1 : memref<40x1xf32>) outs(%t13 : memref<40x1xf32>)
  %t14 = exec.alloc : memref<40x1xf32>
  exec.call "copy" ins(%t1 : memref<40x1xf32>) outs(%t14 : memref<40x1xf32>)
  %t15 = exec.alloc : memref<21x1xf32>
  exec.call "slice" ins(%t14 : memref<40x1xf32>) outs(%t15 : memref<21x1xf32>) {starts = array<i64: 15, 0>, strides = array<i64: 1, 1>}
  %t16 = exec.alloc : memref<8x1xf32>
  exec.call "slice" ins(%t15 : memref<21x1xf32>) outs(%t16 : memref<8x1xf32>) {starts = array<i64: 3, 0>, strides = array<i64: 1, 1>}
  %t17 = exec.alloc : memref<96x1xf32>
  exec.call "copy" ins(%t10 : memref<96x1xf32>) outs(%t17 : memref<96x1xf32>)
  %t18 = exec.alloc : memref<40x1xf32>
  exec.call "copy" ins(%t14 : memref<40x1xf32>) outs(%t18 : memref<40x1xf32>)
  %t19 = exec.alloc : memref<4x1xf32>
  exec.call "slice" ins(%t16 : memref<8x1xf32>) outs(%t19 : memref<4x1xf32>) {starts = array<i64: 4, 0>, strides = array<i64: 1, 1>}
  %t20 = exec.alloc : memref<236x1xf32>
  exec.call "concat" ins(%t7, %t18 : memref<196x1xf32>, memref<40x1xf32>) outs(%t20 : memref<236x1xf32>) {axis = 0 : i64}
  %t21 = exec.alloc : memref<4x1xf32>
  exec.call "slice" ins(%t19 : memref<4x1xf32>) outs(%t21 : memref<4x1xf32>) {starts = array<i64: 0, 0>, strides = array<i64: 1, 1>}
  %t22 = exec.alloc : memref<116x1xf32>
  exec.call "copy" ins(%t3 : memref<116x1xf32>) outs(%t22 : memref<116x1xf32>)
  %t23 = exec.alloc : memref<96x1xf32>
  exec.call "copy" ins(%t10 : memref<96x1xf32>) outs(%t23 : memref<96x1xf32>)
  exec.return %t23, %t3, %t10 : memref<96x1xf32>, memref<116x1xf32>, memref<96x1xf32>
}
