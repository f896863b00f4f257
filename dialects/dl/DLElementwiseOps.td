#ifndef DL_ELEMENTWISE_OPS_TD
#define DL_ELEMENTWISE_OPS_TD

// Elementwise ops: unary math, broadcasting binary ops, compare, select,
// cast. Verifiers and inference are in DLElementwiseOps.cpp.

include "dialects/dl/DLTypes.td"
include "dialects/dl/DLAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

// `rule` is the op's formula and edge cases, in Markdown.
class DL_UnaryOp<string mnemonic, Type tensorType, string summaryText, string rule,
                 list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType,
                                   DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>], traits)> {
  let summary = summaryText;
  let description = [{
    Elementwise }] # rule # [{

    ```mlir
    %y = dl.}] # mnemonic # [{ %x : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_NegOp : DL_UnaryOp<"neg", DL_SignedTensor, "Elementwise negation",
    "`y = -x`. Integers wrap in two's complement: the negation of the most "
    "negative value is itself."> {
  let hasFolder = 1;
}
def DL_AbsOp : DL_UnaryOp<"abs", DL_SignedTensor, "Elementwise absolute value",
    "`y = |x|`. Integers wrap in two's complement: the absolute value of the "
    "most negative value is itself.">;
def DL_ExpOp : DL_UnaryOp<"exp", DL_FloatTensor, "Natural exponential",
    "`y = e^x`, as IEEE 754 and C's `exp` define it.">;
def DL_LogOp : DL_UnaryOp<"log", DL_FloatTensor, "Natural logarithm",
    "`y = ln(x)`: `log(0) = -inf`, and a negative `x` gives NaN.">;
def DL_SqrtOp : DL_UnaryOp<"sqrt", DL_FloatTensor, "Square root",
    "`y = sqrt(x)`, correctly rounded; `sqrt(-0.0) = -0.0` and a negative `x` "
    "gives NaN.">;
def DL_RsqrtOp : DL_UnaryOp<"rsqrt", DL_FloatTensor, "Reciprocal square root",
    "`y = 1 / sqrt(x)`: `rsqrt(0) = +inf`, and a negative `x` gives NaN.">;
def DL_SinOp : DL_UnaryOp<"sin", DL_FloatTensor, "Sine",
    "`y = sin(x)`, x in radians.">;
def DL_CosOp : DL_UnaryOp<"cos", DL_FloatTensor, "Cosine",
    "`y = cos(x)`, x in radians.">;
def DL_TanhOp : DL_UnaryOp<"tanh", DL_FloatTensor, "Hyperbolic tangent",
    "`y = tanh(x)`.">;
def DL_SigmoidOp : DL_UnaryOp<"sigmoid", DL_FloatTensor, "Logistic sigmoid",
    "`y = 1 / (1 + e^(-x))`.">;
def DL_ReluOp : DL_UnaryOp<"relu", DL_FloatTensor, "Rectified linear unit",
    "`y = x > 0 ? x : 0`, except that NaN stays NaN: `relu(NaN) = NaN`.">;

def DL_GeluOp : DL_Op<"gelu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    Elementwise `y = x * Phi(x)` with the exact normal CDF
    `Phi(x) = (1 + erf(x / sqrt(2))) / 2`; with `approximate`, the tanh form
    `y = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`.

    ```mlir
    %y = dl.gelu %x approximate : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, UnitAttr:$approximate);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input (`approximate` $approximate^)? attr-dict `:` type($input)";
}

def DL_GeluBackwardOp : DL_Op<"gelu_backward", [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient of the Gaussian error linear unit with respect to its input";
  let description = [{
    For `y = dl.gelu x` (with the same `approximate`), `grad` is the gradient
    of the loss with respect to `y`; the result is elementwise
    `grad * gelu'(x)`. Exact: `gelu'(x) = Phi(x) + x phi(x)`, with the normal
    density `phi(x) = exp(-x^2 / 2) / sqrt(2 pi)`. With `approximate`, with
    `u = sqrt(2 / pi) (x + 0.044715 x^3)` and `t = tanh(u)`:
    `gelu'(x) = (1 + t) / 2 + x (1 - t^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2) / 2`.
    One elementwise operation where the composite took about ten (and read
    `y` besides). dl-autodiff builds it; models need not write it.

    ```mlir
    %dx = dl.gelu_backward %x, %dy : tensor<2048x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad, UnitAttr:$approximate);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad (`approximate` $approximate^)? attr-dict `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// Binary, with NumPy broadcasting
//===----------------------------------------------------------------------===//

// `rule` is the op's formula and edge cases, in Markdown.
class DL_BinaryOp<string mnemonic, Type tensorType, string summaryText, string rule>
    : DL_Op<mnemonic, [Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = summaryText;
  let description = [{
    }] # rule # [{

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

def DL_AddOp : DL_BinaryOp<"add", DL_NumericTensor, "Elementwise sum",
    "`y = a + b`. Floats round as IEEE 754 does; integers wrap in two's "
    "complement (ui8: modulo 256).">;
def DL_SubOp : DL_BinaryOp<"sub", DL_NumericTensor, "Elementwise difference",
    "`y = a - b`. Floats round as IEEE 754 does; integers wrap in two's "
    "complement (ui8: modulo 256).">;
def DL_MulOp : DL_BinaryOp<"mul", DL_NumericTensor, "Elementwise product",
    "`y = a * b`. Floats round as IEEE 754 does; integers wrap in two's "
    "complement (the low bits of the exact product).">;
def DL_DivOp : DL_BinaryOp<"div", DL_NumericTensor, "Elementwise quotient",
    "`y = a / b`. Floats follow IEEE 754 (a nonzero value divided by zero is "
    "an infinity, `0 / 0` is NaN). Integer division truncates toward zero "
    "(`-7 / 2 = -3`); dividing the most negative value by -1 wraps to itself; "
    "an integer division by zero is a run-time error naming the op's line.">;
def DL_PowOp : DL_BinaryOp<"pow", DL_FloatTensor, "Elementwise power",
    "`y = a^b`, as C's `pow` defines it: `pow(a, 0) = 1` for every `a` "
    "(NaN included), and a negative `a` with a non-integer `b` gives NaN.">;
def DL_MaximumOp : DL_BinaryOp<"maximum", DL_NumericTensor, "Elementwise maximum",
    "`y = max(a, b)`. NaN propagates: if either operand is NaN, so is the "
    "result. -0.0 counts as less than +0.0 (IEEE 754-2019 `maximum`).">;
def DL_MinimumOp : DL_BinaryOp<"minimum", DL_NumericTensor, "Elementwise minimum",
    "`y = min(a, b)`. NaN propagates: if either operand is NaN, so is the "
    "result. -0.0 counts as less than +0.0 (IEEE 754-2019 `minimum`).">;

def DL_CompareOp : DL_Op<"compare", [
    Pure, InferTypeOpAdaptor]> {
  let summary = "Elementwise comparison to an i1 tensor";
  let description = [{
    Compares with NumPy broadcasting; the direction is one of eq, ne, lt, le,
    gt, ge. Floats compare as IEEE 754 does: a comparison with NaN is false,
    except `ne`, which is true; -0.0 equals +0.0. `i32` and `i64` compare as
    signed, `ui8` as unsigned.

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
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Elementwise choice between two values";
  let description = [{
    `y = condition ? on_true : on_false`, with the three operands broadcast
    together as in NumPy. The type list names the condition's type, then the
    two value types (one when they agree).

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

def DL_CastOp : DL_Op<"cast", [Pure, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Element type conversion";
  let description = [{
    Converts between f64, f32, f16, bf16, i64, i32, ui8 and i1; the shape
    stays. Every conversion is defined (none is an error at run time):

    | from | to | result |
    |---|---|---|
    | float | a float that holds all its values (f16 or bf16 to f32 or f64, f32 to f64) | exact |
    | float | any other float (narrower, or between f16 and bf16) | rounded to nearest, ties to even; beyond the range: ±inf; NaN stays NaN |
    | float | i64, i32, ui8 | truncated toward zero, then saturated to the integer's range (a negative value to `ui8` gives 0, -inf the smallest value, +inf the largest); NaN gives 0 |
    | i64, i32, ui8 | float | rounded to nearest, ties to even; beyond the range: ±inf |
    | i32, ui8 | a wider integer | `i32` sign-extends, `ui8` zero-extends |
    | i64, i32 | a narrower integer (`i64` to `i32`, `i64` or `i32` to `ui8`) | two's complement wrap: the low bits are kept (`i32` 300 to `ui8` is 44, `i32` -1 to `ui8` is 255) |
    | any | i1 | `x != 0` (NaN gives 1) |
    | i1 | any | 0 or 1 |

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

#endif // DL_ELEMENTWISE_OPS_TD
