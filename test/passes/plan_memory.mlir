// RUN: dlc-opt %s --exec-plan-memory --split-input-file | FileCheck %s
// RUN: dlc-opt %s --exec-plan-memory=alignment=16 --split-input-file | FileCheck %s --check-prefix=ALIGN16
// RUN: not dlc-opt %s --exec-plan-memory=alignment=12 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-ALIGN

// The planner numbers the entry's ops 0, 1, ... (exec.return is the last; the
// end is one past it). A buffer is live from its exec.alloc (an exec.input:
// from 0) to its last reader, through views (an output: to the end). Buffers
// are placed largest first (ties in block order), each at the lowest offset,
// a multiple of the alignment (64 by default), that overlaps no buffer placed
// before it and live at the same time. arena_size is the highest end,
// aligned.

// BAD-ALIGN: error: exec-plan-memory: alignment 12 is not a power of two of at least 8

// A chain x -> a -> b -> c -> d of 256-byte buffers: each dies once the copy
// after it has read it, so two slots alternate.
//   x [0, 2] -> 0
//   a [1, 4] overlaps x           -> 256
//   b [3, 6] overlaps a only      -> 0 (x's slot)
//   c [5, 8] overlaps b only      -> 256
//   d [7, 10] overlaps c only     -> 0
// arena 512 for 5 x 256 bytes.
// CHECK-LABEL: exec.entry @chain outputs ["d"] arena_size = 512 {
// CHECK-NEXT: exec.input "x" offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.alloc offset = 256 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 256 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 0 : memref<64xf32>
// ALIGN16-LABEL: exec.entry @chain outputs ["d"] arena_size = 512 {
exec.entry @chain outputs ["d"] {
  %x = exec.input "x" : memref<64xf32>
  %a = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%a : memref<64xf32>)
  %b = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
  %c = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%b : memref<64xf32>) outs(%c : memref<64xf32>)
  %d = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%c : memref<64xf32>) outs(%d : memref<64xf32>)
  exec.return %d : memref<64xf32>
}

// -----

// A diamond: a and b both read x and are both read by the add, so they are
// live together and must not share; c may take x's slot once x is dead.
//   x [0, 4] -> 0
//   a [1, 6] overlaps x           -> 256
//   b [3, 6] overlaps x and a     -> 512
//   c [5, 8] overlaps a and b     -> 0
// CHECK-LABEL: exec.entry @diamond outputs ["c"] arena_size = 768 {
// CHECK-NEXT: exec.input "x" offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.alloc offset = 256 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 512 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 0 : memref<64xf32>
exec.kernel @add {
^bb0(%a: tensor<64xf32>, %b: tensor<64xf32>):
  %c = dl.add %a, %b : tensor<64xf32>
  exec.yield %c : tensor<64xf32>
}

exec.entry @diamond outputs ["c"] {
  %x = exec.input "x" : memref<64xf32>
  %a = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%a : memref<64xf32>)
  %b = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%b : memref<64xf32>)
  %c = exec.alloc : memref<64xf32>
  exec.launch @add ins(%a, %b : memref<64xf32>, memref<64xf32>) outs(%c : memref<64xf32>)
  exec.return %c : memref<64xf32>
}

// -----

// Largest first: the 1024-byte buffer takes offset 0 although x comes first.
//   big [1, 4] -> 0
//   x   [0, 2] overlaps big       -> 1024
//   s   [3, 6] overlaps big       -> 1024 (x is dead)
// CHECK-LABEL: exec.entry @largest_first outputs ["s"] arena_size = 1088 {
// CHECK-NEXT: exec.input "x" offset = 1024 : memref<16xf32>
// CHECK-NEXT: exec.alloc offset = 0 : memref<16x16xf32>
// CHECK-NEXT: exec.launch @broadcast
// CHECK-NEXT: exec.alloc offset = 1024 : memref<16xf32>
exec.kernel @broadcast {
^bb0(%x: tensor<16xf32>):
  %b = dl.broadcast_to %x : tensor<16xf32> -> tensor<16x16xf32>
  exec.yield %b : tensor<16x16xf32>
}

exec.entry @largest_first outputs ["s"] {
  %x = exec.input "x" : memref<16xf32>
  %big = exec.alloc : memref<16x16xf32>
  exec.launch @broadcast ins(%x : memref<16xf32>) outs(%big : memref<16x16xf32>)
  %s = exec.alloc : memref<16xf32>
  exec.call "reduce" ins(%big : memref<16x16xf32>) outs(%s : memref<16xf32>) {axes = array<i64: 0>, kind = "sum"}
  exec.return %s : memref<16xf32>
}

// -----

// Inputs are live from the start: t is dead before x is first read, but the
// caller writes x before the run, so t must not take x's bytes.
//   t [0, 1] -> 0
//   x [0, 4] overlaps t           -> 256
//   y [3, 6] overlaps x           -> 0 (t is dead)
// CHECK-LABEL: exec.entry @input_from_start outputs ["y"] arena_size = 512 {
// CHECK-NEXT: exec.alloc offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.launch @fill
// CHECK-NEXT: exec.input "x" offset = 256 : memref<64xf32>
// CHECK-NEXT: exec.alloc offset = 0 : memref<64xf32>
exec.kernel @fill {
  %one = dl.constant dense<1.0> : tensor<64xf32>
  exec.yield %one : tensor<64xf32>
}

exec.entry @input_from_start outputs ["y"] {
  %t = exec.alloc : memref<64xf32>
  exec.launch @fill ins() outs(%t : memref<64xf32>)
  %x = exec.input "x" : memref<64xf32>
  %y = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%y : memref<64xf32>)
  exec.return %y : memref<64xf32>
}

// -----

// Outputs are live to the end: y's last command reads it at op 4, but the
// caller reads it after the run, so u may not take its bytes.
//   x [0, 2] -> 0
//   y [1, 8] overlaps x           -> 256
//   t [3, 6] overlaps y           -> 0
//   u [5, 6] overlaps y and t     -> 512 (256 if y died at op 4)
// CHECK-LABEL: exec.entry @output_to_end outputs ["y"] arena_size = 768 {
// CHECK-NEXT: exec.input "x" offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.alloc offset = 256 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 512 : memref<64xf32>
exec.entry @output_to_end outputs ["y"] {
  %x = exec.input "x" : memref<64xf32>
  %y = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%y : memref<64xf32>)
  %t = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%y : memref<64xf32>) outs(%t : memref<64xf32>)
  %u = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%t : memref<64xf32>) outs(%u : memref<64xf32>)
  exec.return %y : memref<64xf32>
}

// -----

// A view's readers keep its source alive: a is read through v at op 7.
//   x [0, 5] -> 0
//   a [1, 7] overlaps x           -> 256
//   b [4, 5] overlaps x and a     -> 512 (256 if a died at op 3)
//   c [6, 9] overlaps a           -> 0
// CHECK-LABEL: exec.entry @view_extends outputs ["c"] arena_size = 768 {
// CHECK-NEXT: exec.input "x" offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.alloc offset = 256 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.view
// CHECK-NEXT: exec.alloc offset = 512 : memref<64xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 0 : memref<8x8xf32>
exec.entry @view_extends outputs ["c"] {
  %x = exec.input "x" : memref<64xf32>
  %a = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%a : memref<64xf32>)
  %v = exec.view %a : memref<64xf32> -> memref<8x8xf32>
  %b = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%b : memref<64xf32>)
  %c = exec.alloc : memref<8x8xf32>
  exec.call "copy" ins(%v : memref<8x8xf32>) outs(%c : memref<8x8xf32>)
  exec.return %c : memref<8x8xf32>
}

// -----

// 20-byte buffers, all live together at the add: each starts at the next
// multiple of the alignment past the one before.
//   default 64: x 0, a 64, b 128, c 192; end 212 -> arena 256
//   alignment 16: x 0, a 32, b 64, c 96; end 116 -> arena 128
// CHECK-LABEL: exec.entry @alignment outputs ["c"] arena_size = 256 {
// CHECK-NEXT: exec.input "x" offset = 0 : memref<5xf32>
// CHECK-NEXT: exec.alloc offset = 64 : memref<5xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 128 : memref<5xf32>
// CHECK-NEXT: exec.call "copy"
// CHECK-NEXT: exec.alloc offset = 192 : memref<5xf32>
// ALIGN16-LABEL: exec.entry @alignment outputs ["c"] arena_size = 128 {
// ALIGN16-NEXT: exec.input "x" offset = 0 : memref<5xf32>
// ALIGN16-NEXT: exec.alloc offset = 32 : memref<5xf32>
// ALIGN16-NEXT: exec.call "copy"
// ALIGN16-NEXT: exec.alloc offset = 64 : memref<5xf32>
// ALIGN16-NEXT: exec.call "copy"
// ALIGN16-NEXT: exec.alloc offset = 96 : memref<5xf32>
exec.kernel @add3 {
^bb0(%x: tensor<5xf32>, %a: tensor<5xf32>, %b: tensor<5xf32>):
  %t = dl.add %x, %a : tensor<5xf32>
  %u = dl.add %t, %b : tensor<5xf32>
  exec.yield %u : tensor<5xf32>
}

exec.entry @alignment outputs ["c"] {
  %x = exec.input "x" : memref<5xf32>
  %a = exec.alloc : memref<5xf32>
  exec.call "copy" ins(%x : memref<5xf32>) outs(%a : memref<5xf32>)
  %b = exec.alloc : memref<5xf32>
  exec.call "copy" ins(%x : memref<5xf32>) outs(%b : memref<5xf32>)
  %c = exec.alloc : memref<5xf32>
  exec.launch @add3 ins(%x, %a, %b : memref<5xf32>, memref<5xf32>, memref<5xf32>) outs(%c : memref<5xf32>)
  exec.return %c : memref<5xf32>
}

// -----

// Parameters, constants and views take no arena bytes; an entry point with
// no arena buffers has an empty arena. Each entry point is planned on its own.
// CHECK-LABEL: exec.entry @no_arena outputs [] arena_size = 0 {
// CHECK-LABEL: exec.entry @second outputs ["y"] arena_size = 64 {
// CHECK-NEXT: exec.param @w
// CHECK-NEXT: exec.alloc offset = 0 : memref<4xf32>
dl.param @w : tensor<4xf32> = #dl.zeros

exec.entry @no_arena outputs [] {
  %w = exec.param @w : memref<4xf32>
  %c = exec.constant dense<1.0> : tensor<4xf32> : memref<4xf32>
  %v = exec.view %c : memref<4xf32> -> memref<2x2xf32>
  exec.return
}

exec.entry @second outputs ["y"] {
  %w = exec.param @w : memref<4xf32>
  %y = exec.alloc : memref<4xf32>
  exec.call "copy" ins(%w : memref<4xf32>) outs(%y : memref<4xf32>)
  exec.return %y : memref<4xf32>
}
