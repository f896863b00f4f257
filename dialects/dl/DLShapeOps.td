#ifndef DL_SHAPE_OPS_TD
#define DL_SHAPE_OPS_TD

// Shape ops and reductions. Verifiers and inference are in DLShapeOps.cpp.

include "dialects/dl/DLTypes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

def DL_ReshapeOp : DL_Op<"reshape", [Pure, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Same elements, new shape";
  let description = [{
    The elements in row-major (C) order are the same before and after:
    element `k` of the input in row-major order is element `k` of the result.
    Both types have the same number of elements and element type.

    ```mlir
    %f = dl.reshape %x : tensor<128x28x28xf32> -> tensor<128x784xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def DL_TransposeOp : DL_Op<"transpose", [
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Permutes dimensions";
  let description = [{
    Result dimension `i` is input dimension `perm[i]`:
    `y[i_0, ..., i_(r-1)] = x[j_0, ..., j_(r-1)]` with `j_perm[k] = i_k`.

    ```mlir
    %t = dl.transpose %x perm = [1, 0] : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$input `perm` `=` $perm attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def DL_BroadcastToOp : DL_Op<"broadcast_to", [Pure, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "NumPy broadcast to a larger shape";
  let description = [{
    Shapes align on the right; a dimension of 1, or a missing leading one,
    repeats to the result's size. The result never has fewer dimensions than
    the input.

    ```mlir
    %b = dl.broadcast_to %bias : tensor<10xf32> -> tensor<64x10xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def DL_ConcatOp : DL_Op<"concat", [
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Joins tensors along an axis";
  let description = [{
    The inputs, in operand order, one after another along `axis`; all other
    dimensions and the element type agree.

    ```mlir
    %c = dl.concat %a, %b axis = 1 : tensor<4x3xf32>, tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Variadic<DL_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$inputs `axis` `=` $axis attr-dict `:` type($inputs)";
}

def DL_SliceOp : DL_Op<"slice", [
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Strided window of a tensor";
  let description = [{
    Along dimension `d`, result element `j` is input element
    `starts[d] + j * strides[d]`, for every such index below `limits[d]`:
    `ceil((limits[d] - starts[d]) / strides[d])` elements, at least one.
    `strides` defaults to all ones.

    ```mlir
    %s = dl.slice %x starts = [0, 2] limits = [4, 8] strides = [1, 2] : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$limits,
                       OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = [{
    $input `starts` `=` $starts `limits` `=` $limits (`strides` `=` $strides^)?
    attr-dict `:` type($input)
  }];
}

def DL_PadOp : DL_Op<"pad", [
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Pads each dimension with a constant";
  let description = [{
    `low[i]` and `high[i]` elements are added before and after dimension `i`,
    all holding `value` (default 0). The value must fit the element type: a
    whole number in range for an integer type (0 or 1 for `i1`), a value that
    stays finite when rounded to a float type.

    ```mlir
    %p = dl.pad %x low = [0, 1] high = [0, 1] value = -1.0 : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input, DenseI64ArrayAttr:$low,
                       DenseI64ArrayAttr:$high, OptionalAttr<F64Attr>:$value);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = [{
    $input `low` `=` $low `high` `=` $high (`value` `=` $value^)? attr-dict
    `:` type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

// `rule` says what the reduction computes, in Markdown.
class DL_ReduceOp<string mnemonic, Type tensorType, string summaryText, string rule>
    : DL_Op<mnemonic, [Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = summaryText;
  let description = [{
    }] # rule # [{

    Reduces over the listed axes; `keepdims` keeps them as size 1.

    ```mlir
    %s = dl.}] # mnemonic # [{ %x axes = [1] keepdims : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins tensorType:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keepdims);
  let results = (outs tensorType:$result);
  let assemblyFormat = [{
    $input `axes` `=` $axes (`keepdims` $keepdims^)? attr-dict `:` type($input)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *,
        ::std::optional<::mlir::Location> loc, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &results) {
      return ::dlc::dl::inferReductionResult(getOperationName(), loc,
          adaptor.getInput().getType(), adaptor.getAxes(),
          static_cast<bool>(adaptor.getKeepdims()), results);
    }
  }];
}

def DL_ReduceSumOp : DL_ReduceOp<"reduce_sum", DL_NumericTensor, "Sum over axes",
    "The sum of the elements. Integers wrap in two's complement. `f16` and "
    "`bf16` accumulate in f32 and round once at the end; the order of a float "
    "sum is not specified, so backends may differ in the last bits.">;
def DL_ReduceMeanOp : DL_ReduceOp<"reduce_mean", DL_FloatTensor, "Mean over axes",
    "The sum of the elements, as `dl.reduce_sum` computes it, divided by their "
    "count.">;
def DL_ReduceMaxOp : DL_ReduceOp<"reduce_max", DL_NumericTensor, "Maximum over axes",
    "The largest element, as `dl.maximum` orders them: NaN propagates (a NaN "
    "anywhere in the reduced elements gives NaN) and -0.0 is less than +0.0.">;

def DL_ArgmaxOp : DL_Op<"argmax", [Pure]> {
  let summary = "Index of the largest element along an axis";
  let description = [{
    The result drops the axis and holds the index of the largest element
    along it. The first index wins ties; NaN counts as larger than any number,
    so the first NaN wins. The element type is i32 or i64; i32 needs an axis
    of at most 2^31 - 1 elements.

    ```mlir
    %i = dl.argmax %logits axis = 1 : tensor<64x10xf32> -> tensor<64xi32>
    ```
  }];
  let arguments = (ins DL_NumericTensor:$input, I64Attr:$axis);
  let results = (outs DL_IndexTensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // DL_SHAPE_OPS_TD
