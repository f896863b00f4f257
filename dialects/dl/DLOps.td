#ifndef DL_OPS_TD
#define DL_OPS_TD

include "dialects/dl/DLDialect.td"
include "dialects/dl/DLAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints. Shapes are static: the batch size is part of the type.
//===----------------------------------------------------------------------===//

def DL_Float : AnyTypeOf<[F16, BF16, F32, F64], "floating-point">;
def DL_Castable : AnyTypeOf<[F64, F32, F16, BF16, I64, I32, UI8, I1],
                            "f64, f32, f16, bf16, i64, i32, ui8 or i1">;

def DL_Tensor : StaticShapeTensorOf<[DL_Castable]>;
def DL_FloatTensor : StaticShapeTensorOf<[DL_Float]>;
def DL_NumericTensor : StaticShapeTensorOf<[DL_Float, I32, I64, UI8]>;
def DL_SignedTensor : StaticShapeTensorOf<[DL_Float, I32, I64]>;
def DL_BoolTensor : StaticShapeTensorOf<[I1]>;
def DL_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def DL_ScalarFloat : 0DTensorOf<[DL_Float]>;

//===----------------------------------------------------------------------===//
// Model structure
//===----------------------------------------------------------------------===//

def DL_ParamOp : DL_Op<"param", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "A model parameter or piece of model state.";
  let description = [{
    Declares a module-level tensor that persists across steps, with the
    initializer that fills it before training:

    ```mlir
    dl.param @w1 : tensor<784x256xf32> = #dl.he_normal
    dl.param @b1 : tensor<256xf32> = #dl.zeros
    dl.param @table : tensor<2x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
    dl.param state @bn1_mean : tensor<32xf32> = #dl.zeros
    ```

    The initializer is an initializer attribute (`#dl.zeros`, `#dl.he_normal`,
    ...) or constant data of the parameter's type. `state` marks a tensor the
    optimizer does not train (batch-norm running statistics).
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
  let summary = "Reads a parameter's current value.";
  let description = [{
    ```mlir
    %w = dl.param.get @w1 : tensor<784x256xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def DL_ConstantOp : DL_Op<"constant", [
    ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor.";
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

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class DL_UnaryOp<string mnemonic, Type tensorType, string desc,
                 list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType], traits)> {
  let summary = desc;
  let description = "Elementwise: `%y = dl." # mnemonic # " %x : tensor<4x8xf32>`.";
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_NegOp : DL_UnaryOp<"neg", DL_SignedTensor, "-x"> { let hasFolder = 1; }
def DL_AbsOp : DL_UnaryOp<"abs", DL_SignedTensor, "|x|">;
def DL_ExpOp : DL_UnaryOp<"exp", DL_FloatTensor, "e^x">;
def DL_LogOp : DL_UnaryOp<"log", DL_FloatTensor, "natural logarithm">;
def DL_SqrtOp : DL_UnaryOp<"sqrt", DL_FloatTensor, "square root">;
def DL_RsqrtOp : DL_UnaryOp<"rsqrt", DL_FloatTensor, "1 / sqrt(x)">;
def DL_TanhOp : DL_UnaryOp<"tanh", DL_FloatTensor, "hyperbolic tangent">;
def DL_SigmoidOp : DL_UnaryOp<"sigmoid", DL_FloatTensor, "1 / (1 + e^-x)">;
def DL_ReluOp : DL_UnaryOp<"relu", DL_FloatTensor, "max(x, 0)">;
def DL_GeluOp : DL_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `x * Phi(x)` with the exact normal CDF; with `approximate`, the tanh form
    `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.

    ```mlir
    %y = dl.gelu %x approximate : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, UnitAttr:$approximate);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input (`approximate` $approximate^)? attr-dict `:` type($input)";
}

class DL_BinaryOp<string mnemonic, Type tensorType, string desc>
    : DL_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = desc;
  let description = [{
    Elementwise with NumPy broadcasting; both operands have the same element
    type. The type list names both operand types, or one when they agree:

    ```mlir
    %y = dl.}] # mnemonic # [{ %a, %b : tensor<64x10xf32>, tensor<10xf32>
    %z = dl.}] # mnemonic # [{ %a, %a : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins tensorType:$lhs, tensorType:$rhs);
  let results = (outs tensorType:$result);
  let hasFolder = 1;
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` custom<OperandTypes>(type($lhs), type($rhs))
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *,
        ::std::optional<::mlir::Location> loc, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &results) {
      return ::dlc::dl::inferBroadcastResult(getOperationName(), loc,
          adaptor.getLhs().getType(), adaptor.getRhs().getType(), {}, results);
    }
  }];
}

def DL_AddOp : DL_BinaryOp<"add", DL_NumericTensor, "a + b">;
def DL_SubOp : DL_BinaryOp<"sub", DL_NumericTensor, "a - b">;
def DL_MulOp : DL_BinaryOp<"mul", DL_NumericTensor, "a * b">;
def DL_DivOp : DL_BinaryOp<"div", DL_NumericTensor, "a / b">;
def DL_PowOp : DL_BinaryOp<"pow", DL_FloatTensor, "a ^ b">;
def DL_MaximumOp : DL_BinaryOp<"maximum", DL_NumericTensor, "max(a, b)">;
def DL_MinimumOp : DL_BinaryOp<"minimum", DL_NumericTensor, "min(a, b)">;

def DL_CompareOp : DL_Op<"compare", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "Elementwise comparison to an i1 tensor";
  let description = [{
    Compares with NumPy broadcasting; the direction is one of eq, ne, lt, le,
    gt, ge.

    ```mlir
    %m = dl.compare gt, %x, %zero : tensor<4x8xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_CompareDirection:$direction,
                       DL_NumericTensor:$lhs, DL_NumericTensor:$rhs);
  let results = (outs DL_BoolTensor:$result);
  let assemblyFormat = [{
    $direction `,` $lhs `,` $rhs attr-dict `:`
    custom<OperandTypes>(type($lhs), type($rhs))
  }];
}

def DL_SelectOp : DL_Op<"select", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "cond ? a : b, elementwise with broadcasting";
  let description = [{
    The type list names the condition's type, then the two value types (one
    when they agree).

    ```mlir
    %y = dl.select %m, %x, %zero : tensor<4x8xi1>, tensor<4x8xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_BoolTensor:$condition,
                       DL_Tensor:$on_true, DL_Tensor:$on_false);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,`
    custom<OperandTypes>(type($on_true), type($on_false))
  }];
}

def DL_CastOp : DL_Op<"cast", [Pure]> {
  let summary = "Element type conversion";
  let description = [{
    Converts between f64, f32, f16, bf16, i64, i32, ui8 and i1; the shape
    stays. Float to integer truncates toward zero; anything to i1 is `x != 0`.

    ```mlir
    %x = dl.cast %img : tensor<128x28x28xui8> -> tensor<128x28x28xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$input);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

def DL_ReshapeOp : DL_Op<"reshape", [Pure]> {
  let summary = "Same elements, new shape";
  let description = [{
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
    Pure, InferTypeOpAdaptor]> {
  let summary = "Permutes dimensions";
  let description = [{
    Result dimension `i` is input dimension `perm[i]`.

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

def DL_BroadcastToOp : DL_Op<"broadcast_to", [Pure]> {
  let summary = "NumPy broadcast to a larger shape";
  let description = [{
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
    Pure, InferTypeOpAdaptor]> {
  let summary = "Joins tensors along an axis";
  let description = [{
    ```mlir
    %c = dl.concat %a, %b axis = 1 : tensor<4x3xf32>, tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Variadic<DL_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$inputs `axis` `=` $axis attr-dict `:` type($inputs)";
}

def DL_SliceOp : DL_Op<"slice", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "Strided window [start, limit) per dimension";
  let description = [{
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
    Pure, InferTypeOpAdaptor]> {
  let summary = "Pads each dimension with a constant";
  let description = [{
    `low[i]` and `high[i]` elements are added before and after dimension `i`;
    `value` defaults to 0.

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
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class DL_ReduceOp<string mnemonic, Type tensorType, string desc>
    : DL_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = desc;
  let description = [{
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

def DL_ReduceSumOp : DL_ReduceOp<"reduce_sum", DL_NumericTensor, "Sum over axes">;
def DL_ReduceMeanOp : DL_ReduceOp<"reduce_mean", DL_FloatTensor, "Mean over axes">;
def DL_ReduceMaxOp : DL_ReduceOp<"reduce_max", DL_NumericTensor, "Maximum over axes">;

def DL_ArgmaxOp : DL_Op<"argmax", [Pure]> {
  let summary = "Index of the largest element along an axis";
  let description = [{
    The first index wins ties. The result drops the axis; its element type is
    i32 or i64.

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

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def DL_MatmulOp : DL_Op<"matmul", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "Matrix product, 2-D or batched";
  let description = [{
    Multiplies the last two dimensions; leading (batch) dimensions broadcast as
    in NumPy. `transpose_a` / `transpose_b` swap the last two dimensions of an
    operand first.

    ```mlir
    %h = dl.matmul %x, %w : tensor<64x784xf32>, tensor<784x256xf32>
    %s = dl.matmul %q, %k transpose_b : tensor<8x16x64xf32>, tensor<8x16x64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$lhs, DL_FloatTensor:$rhs,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_a` $transpose_a^)? (`transpose_b` $transpose_b^)?
    attr-dict `:` type($lhs) `,` type($rhs)
  }];
}

//===----------------------------------------------------------------------===//
// Neural network
//===----------------------------------------------------------------------===//

def DL_Conv2DOp : DL_Op<"conv2d", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "2-D convolution, NCHW input, OIHW filter";
  let description = [{
    Input `N x C x H x W`, filter `O x C/groups x KH x KW`, optional bias `O`.
    `stride` and `dilation` are `[h, w]` (default 1); `padding` is `[h, w]`
    (both sides) or `[top, left, bottom, right]` (default 0); `groups`
    defaults to 1.

    ```mlir
    %y = dl.conv2d %x, %w, %b padding = [2, 2]
        : tensor<128x1x28x28xf32>, tensor<32x1x5x5xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$filter,
                       Optional<DL_FloatTensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       OptionalAttr<DenseI64ArrayAttr>:$dilation,
                       OptionalAttr<I64Attr>:$groups);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? (`stride` `=` $stride^)?
    (`padding` `=` $padding^)? (`dilation` `=` $dilation^)?
    (`groups` `=` $groups^)? attr-dict `:` type($input) `,` type($filter)
    (`,` type($bias)^)?
  }];
  let extraClassDeclaration = [{
    /// Stride, padding as [top, left, bottom, right], dilation, groups, with
    /// defaults filled in.
    ::llvm::SmallVector<int64_t, 2> getStrideOrDefault();
    ::llvm::SmallVector<int64_t, 4> getPaddingOrDefault();
    ::llvm::SmallVector<int64_t, 2> getDilationOrDefault();
    int64_t getGroupsOrDefault() { return static_cast<int64_t>(getGroups().value_or(1)); }
  }];
}

class DL_Pool2DOp<string mnemonic, string desc>
    : DL_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = desc;
  let description = [{
    NCHW. `stride` defaults to the kernel; `padding` is `[h, w]` or
    `[top, left, bottom, right]` (default 0).

    ```mlir
    %p = dl.}] # mnemonic # [{ %x kernel = [2, 2] : tensor<128x32x28x28xf32>
    ```
  }];
  let results = (outs DL_FloatTensor:$result);
  code poolClassDecl = [{
    ::llvm::SmallVector<int64_t, 2> getStrideOrDefault();
    ::llvm::SmallVector<int64_t, 4> getPaddingOrDefault();
  }];
}

def DL_MaxPool2DOp : DL_Pool2DOp<"max_pool2d", "2-D max pooling"> {
  let arguments = (ins DL_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel (`stride` `=` $stride^)?
    (`padding` `=` $padding^)? attr-dict `:` type($input)
  }];
  let extraClassDeclaration = poolClassDecl;
}

def DL_AvgPool2DOp : DL_Pool2DOp<"avg_pool2d", "2-D average pooling"> {
  let description = [{
    NCHW. `stride` defaults to the kernel; `padding` is `[h, w]` or
    `[top, left, bottom, right]` (default 0). Padded positions are left out of
    the average unless `count_include_pad` is given.

    ```mlir
    %p = dl.avg_pool2d %x kernel = [2, 2] : tensor<128x32x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       UnitAttr:$count_include_pad);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel (`stride` `=` $stride^)?
    (`padding` `=` $padding^)? (`count_include_pad` $count_include_pad^)?
    attr-dict `:` type($input)
  }];
  let extraClassDeclaration = poolClassDecl;
}

def DL_BatchNormOp : DL_Op<"batch_norm", [
    MemoryEffects<[MemRead, MemWrite]>,
    AllTypesMatch<["input", "result"]>, AllTypesMatch<["scale", "offset"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Batch normalization over the channel axis (axis 1)";
  let description = [{
    Normalizes `N x C` or `N x C x H x W` input per channel, then scales and
    shifts: `y = scale * (x - mean) / sqrt(var + epsilon) + offset`.
    `running` names two `state` parameters of shape `C` holding the running
    mean and variance.

    Inference form (no `training`): mean and var are the running statistics.
    Training form (`training`): mean and var are the batch's (biased
    variance), and the running statistics are updated in place:
    `running = (1 - momentum) * running + momentum * batch` (the running
    variance takes the unbiased batch variance). Write the op without
    `training` in a model; the training step marks its own copy.

    ```mlir
    %y = dl.batch_norm %x, %gamma, %beta running = (@bn1_mean, @bn1_var)
        : tensor<128x32x28x28xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$scale,
                       DL_FloatTensor:$offset,
                       FlatSymbolRefAttr:$running_mean,
                       FlatSymbolRefAttr:$running_var,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum,
                       UnitAttr:$training);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $offset `running` `=` `(` $running_mean `,`
    $running_var `)` (`epsilon` `=` $epsilon^)? (`momentum` `=` $momentum^)?
    (`training` $training^)? attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def DL_DropoutOp : DL_Op<"dropout", [Pure, SameOperandsAndResultType]> {
  let summary = "Randomly zeroes elements while training";
  let description = [{
    Training form (`training`): each element is zeroed with probability `rate`
    and the rest are scaled by `1 / (1 - rate)`; the mask comes from a
    counter-based generator keyed by `seed` and the step, so a run is
    reproducible. Without `training` it is the identity. Write the op without
    `training` in a model; the training step marks its own copy.

    ```mlir
    %d = dl.dropout %h rate = 0.5 seed = 7 : tensor<128x1024xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, F64Attr:$rate,
                       DefaultValuedAttr<I64Attr, "0">:$seed,
                       UnitAttr:$training);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `rate` `=` $rate (`seed` `=` $seed^)? (`training` $training^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

class DL_SoftmaxLikeOp<string mnemonic, string desc>
    : DL_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = desc;
  let description = [{
    Along `axis` (default: the last axis).

    ```mlir
    %p = dl.}] # mnemonic # [{ %logits axis = 1 : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, OptionalAttr<I64Attr>:$axis);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input (`axis` `=` $axis^)? attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getAxisOrDefault() {
      return getAxis().value_or(getInput().getType().getRank() - 1);
    }
  }];
}

def DL_SoftmaxOp : DL_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def DL_LogSoftmaxOp : DL_SoftmaxLikeOp<"log_softmax", "x - log(sum(exp(x)))">;

def DL_LayerNormOp : DL_Op<"layer_norm", [
    Pure, AllTypesMatch<["input", "result"]>, AllTypesMatch<["scale", "offset"]>]> {
  let summary = "Layer normalization over the trailing dimensions";
  let description = [{
    Normalizes over dimensions `axis ..< rank` (default: the last), then
    scales and shifts elementwise; `scale` and `offset` have the shape of
    those dimensions.

    ```mlir
    %y = dl.layer_norm %x, %g, %b epsilon = 1.0e-5 : tensor<8x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$scale,
                       DL_FloatTensor:$offset, OptionalAttr<I64Attr>:$axis,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $offset (`axis` `=` $axis^)?
    (`epsilon` `=` $epsilon^)? attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getAxisOrDefault() {
      return getAxis().value_or(getInput().getType().getRank() - 1);
    }
  }];
}

def DL_EmbeddingOp : DL_Op<"embedding", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "Looks up rows of a table";
  let description = [{
    Table `V x D`, integer indices of any shape `S`; the result is `S x D`.

    ```mlir
    %e = dl.embedding %table, %ids : tensor<1000x64xf32>, tensor<8x16xi32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$table, DL_IndexTensor:$indices);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $table `,` $indices attr-dict `:` type($table) `,` type($indices)
  }];
}

//===----------------------------------------------------------------------===//
// Losses and metrics: scalar results.
//===----------------------------------------------------------------------===//

def DL_SoftmaxCrossEntropyOp : DL_Op<"softmax_cross_entropy", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "Mean cross-entropy of softmax(logits) against integer labels";
  let description = [{
    Logits `N x K`, labels `N` (i32 or i64, each in `[0, K)`).

    ```mlir
    %l = dl.softmax_cross_entropy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$logits, DL_IndexTensor:$labels);
  let results = (outs DL_ScalarFloat:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels)
  }];
}

def DL_MseLossOp : DL_Op<"mse_loss", [
    Pure, AllTypesMatch<["prediction", "target"]>,
    InferTypeOpAdaptor]> {
  let summary = "Squared-error loss";
  let description = [{
    `reduction` is `mean` (over all elements, the default), `sum`, or
    `batch_mean` (summed over all but the first axis, averaged over the first:
    the sum of squares per sample, mean over the batch).

    ```mlir
    %l = dl.mse_loss %pred, %y reduction = batch_mean : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$prediction, DL_FloatTensor:$target,
                       DefaultValuedAttr<DL_LossReduction,
                                         "::dlc::dl::LossReduction::mean">:$reduction);
  let results = (outs DL_ScalarFloat:$result);
  let assemblyFormat = [{
    $prediction `,` $target (`reduction` `=` $reduction^)? attr-dict `:`
    type($prediction)
  }];
}

def DL_AccuracyOp : DL_Op<"accuracy", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "Fraction of rows whose argmax equals the label";
  let description = [{
    ```mlir
    %a = dl.accuracy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$logits, DL_IndexTensor:$labels);
  let results = (outs DL_ScalarFloat:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels)
  }];
}

#endif // DL_OPS_TD
