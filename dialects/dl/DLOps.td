#ifndef DL_OPS_TD
#define DL_OPS_TD

// The dl ops: model structure here, the op families in the files included at
// the end (one per DL*Ops.cpp).

include "dialects/dl/DLTypes.td"
include "dialects/dl/DLAttrs.td"
include "dialects/dl/DLInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Model structure
//===----------------------------------------------------------------------===//

def DL_ParamOp : DL_Op<"param", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "A model parameter or piece of model state";
  let description = [{
    Declares a module-level tensor that persists across steps, with the
    initializer that fills it before training:

    ```mlir
    dl.param @w1 : tensor<784x256xf32> = #dl.he_normal
    dl.param @b1 : tensor<256xf32> = #dl.zeros
    dl.param @table : tensor<2x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
    dl.param state @bn1_mean : tensor<32xf32> = #dl.zeros
    dl.param state @steps : tensor<i64> = #dl.zeros
    ```

    The initializer is an initializer attribute (`#dl.zeros`, `#dl.he_normal`,
    ...) or constant data of the parameter's type. A value an initializer
    names (`#dl.constant`'s value, `#dl.uniform`'s bounds, `#dl.normal`'s
    mean and standard deviation) must fit the element type: for an integer
    type a whole number in its range (0 or 1 for `i1`), for a float type a
    value that stays finite when rounded to it.

    `state` marks a tensor the optimizer does not train (batch-norm running
    statistics, counters). Every other parameter is trainable and must have a
    floating-point element type.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<DL_Tensor>:$type,
                       AnyAttr:$init,
                       UnitAttr:$state);
  let assemblyFormat = [{
    (`state` $state^)? $sym_name `:` $type `=` $init attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def DL_ParamGetOp : DL_Op<"param.get", [
    MemoryEffects<[MemRead]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reads a parameter's current value";
  let description = [{
    ```mlir
    %w = dl.param.get @w1 : tensor<784x256xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def DL_ParamSetOp : DL_Op<"param.set", [
    MemoryEffects<[MemWrite]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Writes a parameter's new value";
  let description = [{
    The training step the compiler builds ends by writing the updated
    parameters, optimizer state and step counter with it; reads before the
    write see the old value. Models do not write it: `dlc check` rejects a
    model that does.

    ```mlir
    dl.param.set @w1, %w1_new : tensor<784x256xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name, DL_Tensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` type($value)";
}

def DL_ConstantOp : DL_Op<"constant", [
    ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor";
  let description = [{
    ```mlir
    %c = dl.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

include "dialects/dl/DLElementwiseOps.td"
include "dialects/dl/DLShapeOps.td"
include "dialects/dl/DLNNOps.td"

#endif // DL_OPS_TD
