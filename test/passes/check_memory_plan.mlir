// RUN: dlc-opt %s --exec-check-memory-plan --verify-diagnostics --split-input-file | FileCheck %s

// Hand-written plans: the check exec-plan-memory runs on its own result.
// Liveness is as the planner sees it (ops numbered from 0; inputs live from
// 0, outputs to the end, views extend their source).

// A correct plan passes unchanged: a and b alternate two slots, and x's
// slot is reused by b once x is dead.
// CHECK-LABEL: exec.entry @valid outputs ["c"] arena_size = 512 {
// CHECK-NEXT: exec.input "x" offset = 0 : memref<64xf32>
// CHECK-NEXT: exec.alloc offset = 256 : memref<64xf32>
exec.entry @valid outputs ["c"] arena_size = 512 {
  %x = exec.input "x" offset = 0 : memref<64xf32>
  %a = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%a : memref<64xf32>)
  %b = exec.alloc offset = 0 : memref<64xf32>
  exec.call "copy" ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
  %c = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%b : memref<64xf32>) outs(%c : memref<64xf32>)
  exec.return %c : memref<64xf32>
}

// -----

// a is read by the copy that writes b, so the two are live together.
exec.entry @overlap outputs ["b"] arena_size = 512 {
  %x = exec.input "x" offset = 256 : memref<64xf32>
  // expected-note @+1 {{the other buffer}}
  %a = exec.alloc offset = 0 : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%a : memref<64xf32>)
  // expected-error @+1 {{'exec.alloc' op shares arena bytes with a buffer live at the same time (ops 3 to 4 of the entry)}}
  %b = exec.alloc offset = 128 : memref<64xf32>
  exec.call "copy" ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
  exec.return %b : memref<64xf32>
}

// -----

// An input is live from the start, even where it is defined later.
exec.kernel @fill {
  %one = dl.constant dense<1.0> : tensor<64xf32>
  exec.yield %one : tensor<64xf32>
}

exec.entry @input_from_start outputs ["y"] arena_size = 512 {
  // expected-note @+1 {{the other buffer}}
  %t = exec.alloc offset = 0 : memref<64xf32>
  exec.launch @fill ins() outs(%t : memref<64xf32>)
  // expected-error @+1 {{'exec.input' op shares arena bytes with a buffer live at the same time (ops 0 to 1 of the entry)}}
  %x = exec.input "x" offset = 0 : memref<64xf32>
  %y = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%y : memref<64xf32>)
  exec.return %y : memref<64xf32>
}

// -----

// An output is live to the end, after its last reader.
exec.entry @output_to_end outputs ["y"] arena_size = 512 {
  %x = exec.input "x" offset = 0 : memref<64xf32>
  // expected-note @+1 {{the other buffer}}
  %y = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%y : memref<64xf32>)
  %t = exec.alloc offset = 0 : memref<64xf32>
  exec.call "copy" ins(%y : memref<64xf32>) outs(%t : memref<64xf32>)
  // expected-error @+1 {{'exec.alloc' op shares arena bytes with a buffer live at the same time (ops 5 to 6 of the entry)}}
  %u = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%t : memref<64xf32>) outs(%u : memref<64xf32>)
  exec.return %y : memref<64xf32>
}

// -----

// A view's reader keeps its source alive.
exec.entry @view outputs ["c"] arena_size = 768 {
  %x = exec.input "x" offset = 0 : memref<64xf32>
  // expected-note @+1 {{the other buffer}}
  %a = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%a : memref<64xf32>)
  %v = exec.view %a : memref<64xf32> -> memref<8x8xf32>
  // expected-error @+1 {{'exec.alloc' op shares arena bytes with a buffer live at the same time (ops 4 to 5 of the entry)}}
  %b = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%b : memref<64xf32>)
  %c = exec.alloc offset = 512 : memref<8x8xf32>
  exec.call "copy" ins(%v : memref<8x8xf32>) outs(%c : memref<8x8xf32>)
  exec.return %c : memref<8x8xf32>
}

// -----

exec.entry @past_the_end outputs ["y"] arena_size = 300 {
  %x = exec.input "x" offset = 0 : memref<64xf32>
  // expected-error @+1 {{'exec.alloc' op occupies bytes [256, 512) outside the arena of 300 bytes}}
  %y = exec.alloc offset = 256 : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%y : memref<64xf32>)
  exec.return %y : memref<64xf32>
}

// -----

exec.entry @negative outputs [] arena_size = 256 {
  // expected-error @+1 {{'exec.input' op occupies bytes [-64, 192) outside the arena of 256 bytes}}
  %x = exec.input "x" offset = -64 : memref<64xf32>
  exec.return
}

// -----

exec.entry @misaligned outputs [] arena_size = 256 {
  // expected-error @+1 {{'exec.input' op offset 6 is not a multiple of the element size 4}}
  %x = exec.input "x" offset = 6 : memref<4xf32>
  exec.return
}

// -----

exec.entry @no_offset outputs ["y"] arena_size = 512 {
  %x = exec.input "x" offset = 0 : memref<64xf32>
  // expected-error @+1 {{'exec.alloc' op has no offset: run exec-plan-memory first}}
  %y = exec.alloc : memref<64xf32>
  exec.call "copy" ins(%x : memref<64xf32>) outs(%y : memref<64xf32>)
  exec.return %y : memref<64xf32>
}

// -----

// expected-error @+1 {{'exec.entry' op has no arena_size: run exec-plan-memory first}}
exec.entry @no_arena_size outputs [] {
  %x = exec.input "x" offset = 0 : memref<64xf32>
  exec.return
}
