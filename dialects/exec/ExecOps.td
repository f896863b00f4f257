#ifndef EXEC_OPS_TD
#define EXEC_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Exec_Dialect : Dialect {
  let name = "exec";
  let cppNamespace = "::dlc::exec";
  let summary = "The executable: buffers, library calls and kernel launches.";
  let description = [{
    `exec` is what the runtime runs, one op per FlatBuffer object. An entry
    point is an ordered list of commands over buffers (memrefs with static
    shapes): inputs, temporaries, parameters and constants. Temporaries and
    inputs live in the entry point's arena at the offsets memory planning
    assigns; `exec.view` reinterprets a buffer's bytes with another shape.
    Kernels hold the `dl` elementwise ops a launch computes.
  }];
}

class Exec_Op<string mnemonic, list<Trait> traits = []>
    : Op<Exec_Dialect, mnemonic, traits>;

def Exec_Buffer : MemRefRankOf<[AnyType], [0, 1, 2, 3, 4, 5, 6, 7, 8]>;

def Exec_EntryOp : Exec_Op<"entry", [
    Symbol, IsolatedFromAbove, HasParent<"::mlir::ModuleOp">]> {
  let summary = "An entry point: commands in order";
  let description = [{
    ```mlir
    exec.entry @forward outputs ["logits"] {
      %x = exec.input "images" : memref<128x28x28xui8>
      ...
      exec.return %logits : memref<128x10xf32>
    }
    ```
    `arena_size` (bytes) is set by memory planning. Each output is an
    `exec.alloc` of its own (or a view of one), so the caller reads it from
    the arena after the run; inputs and outputs have distinct names.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$outputs,
                       OptionalAttr<I64Attr>:$arena_size);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `outputs` $outputs (`arena_size` `=` $arena_size^)? attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
}

def Exec_InputOp : Exec_Op<"input", [MemoryEffects<[MemAlloc]>]> {
  let summary = "An input the caller binds, in the entry point's arena";
  let arguments = (ins StrAttr:$name, OptionalAttr<I64Attr>:$offset);
  let results = (outs Exec_Buffer:$buffer);
  let assemblyFormat = "$name (`offset` `=` $offset^)? attr-dict `:` type($buffer)";
}

def Exec_AllocOp : Exec_Op<"alloc", [MemoryEffects<[MemAlloc]>]> {
  let summary = "A temporary in the entry point's arena";
  let arguments = (ins OptionalAttr<I64Attr>:$offset);
  let results = (outs Exec_Buffer:$buffer);
  let assemblyFormat = "(`offset` `=` $offset^)? attr-dict `:` type($buffer)";
}

def Exec_ParamOp : Exec_Op<"param", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "A persistent buffer declared by a dl.param";
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Exec_Buffer:$buffer);
  let assemblyFormat = "$name attr-dict `:` type($buffer)";
}

def Exec_ConstantOp : Exec_Op<"constant", [Pure]> {
  let summary = "Read-only data stored in the executable";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Exec_Buffer:$buffer);
  let assemblyFormat = "$value attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Exec_ViewOp : Exec_Op<"view", [Pure]> {
  let summary = "The same bytes with another shape";
  let arguments = (ins Exec_Buffer:$source);
  let results = (outs Exec_Buffer:$buffer);
  let assemblyFormat = "$source attr-dict `:` type($source) `->` type($buffer)";
  let hasVerifier = 1;
}

def Exec_CallOp : Exec_Op<"call", [AttrSizedOperandSegments]> {
  let summary = "A library routine: matmul, conv2d, softmax, ...";
  let description = [{
    Reads `ins`, writes `outs`. The attributes are the routine's parameters,
    as the executable schema's table of the same name defines them; the
    verifier checks that each is present with the type the emitter reads.

    ```mlir
    exec.call "matmul" ins(%x, %w : memref<128x784xf32>, memref<784x256xf32>)
        outs(%h : memref<128x256xf32>) {transpose_b = false}
    ```
  }];
  let arguments = (ins StrAttr:$callee, Variadic<Exec_Buffer>:$ins,
                       Variadic<Exec_Buffer>:$outs);
  let assemblyFormat = [{
    $callee `ins` `(` ($ins^ `:` type($ins))? `)` `outs` `(` $outs `:` type($outs) `)` attr-dict
  }];
  let hasVerifier = 1;
}

def Exec_KernelOp : Exec_Op<"kernel", [
    Symbol, IsolatedFromAbove, HasParent<"::mlir::ModuleOp">]> {
  let summary = "A kernel: dl elementwise ops on tensors";
  let description = [{
    The block's arguments are the kernel's inputs (each broadcast to the
    iteration space, the results' common shape); `exec.yield` names the
    results.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
}

def Exec_YieldOp : Exec_Op<"yield", [Pure, Terminator, HasParent<"KernelOp">]> {
  let summary = "A kernel's results";
  let arguments = (ins Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = "$results attr-dict `:` type($results)";
}

def Exec_LaunchOp : Exec_Op<"launch", [
    AttrSizedOperandSegments, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Runs a kernel";
  let arguments = (ins FlatSymbolRefAttr:$kernel, Variadic<Exec_Buffer>:$ins,
                       Variadic<Exec_Buffer>:$outs);
  let assemblyFormat = [{
    $kernel `ins` `(` ($ins^ `:` type($ins))? `)` `outs` `(` $outs `:` type($outs) `)` attr-dict
  }];
}

def Exec_ReturnOp : Exec_Op<"return", [Pure, Terminator, HasParent<"EntryOp">]> {
  let summary = "The entry point's outputs";
  let arguments = (ins Variadic<Exec_Buffer>:$results);
  let assemblyFormat = "($results^ `:` type($results))? attr-dict";
}

#endif // EXEC_OPS_TD
