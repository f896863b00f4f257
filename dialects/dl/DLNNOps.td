#ifndef DL_NN_OPS_TD
#define DL_NN_OPS_TD

// Linear algebra, neural-network layers, losses and metrics. Verifiers and
// inference are in DLNNOps.cpp. Where the element type is f16 or bf16, sums
// (matmul, convolution, pooling, normalization statistics, losses) accumulate
// in f32 and round once to the element type.

include "dialects/dl/DLTypes.td"
include "dialects/dl/DLAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def DL_MatmulOp : DL_Op<"matmul", [
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Matrix product, 2-D or batched";
  let description = [{
    Multiplies the last two dimensions, `y[..., i, j] = sum_k a[..., i, k] *
    b[..., k, j]`; leading (batch) dimensions broadcast as in NumPy.
    `transpose_a` / `transpose_b` swap the last two dimensions of an operand
    first. f16 and bf16 accumulate in f32.

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
// Convolution and pooling
//===----------------------------------------------------------------------===//

def DL_Conv2DOp : DL_Op<"conv2d", [
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "2-D convolution, NCHW or NHWC input, OIHW filter";
  let description = [{
    Input `N x C x H x W`, filter `O x C/groups x KH x KW`, optional bias `O`.
    With `layout = nhwc` the input and result are channels-last,
    `N x H x W x C` (the formula below with their indices permuted); the
    filter stays OIHW. The compiler picks the layout it runs fastest in, so
    models need not write it.
    `stride` and `dilation` are `[h, w]` (default 1); `padding` is `[h, w]`
    (both sides) or `[top, left, bottom, right]` (default 0); `groups`
    defaults to 1.

    It is a cross-correlation (the filter is not flipped), with zeros outside
    the input:

    `y[n, o, i, j] = bias[o] + sum over c, p, q of
    x[n, g * C/groups + c, i * stride_h + p * dilation_h - top, j * stride_w + q * dilation_w - left]
    * w[o, c, p, q]`

    for `c < C/groups`, `p < KH`, `q < KW`, where `g = o / (O/groups)` is the
    output channel's group. The output is
    `floor((H + top + bottom - dilation_h * (KH - 1) - 1) / stride_h) + 1`
    high, and likewise wide; the dilated filter must fit the padded input.
    f16 and bf16 accumulate in f32.

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
                       OptionalAttr<I64Attr>:$groups,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? (`stride` `=` $stride^)?
    (`padding` `=` $padding^)? (`dilation` `=` $dilation^)?
    (`groups` `=` $groups^)? (`layout` `=` $layout^)? attr-dict `:` type($input) `,` type($filter)
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

// `rule` says what the pool computes over a window, in Markdown.
class DL_Pool2DOp<string mnemonic, string summaryText, string rule>
    : DL_Op<mnemonic, [Pure, InferTypeOpAdaptor,
                       DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = summaryText;
  let description = [{
    NCHW, or channels-last NHWC with `layout = nhwc`.
    Window `(i, j)` of channel `(n, c)` covers input rows
    `i * stride_h - top ..< i * stride_h - top + KH` and the like columns.
    `stride` defaults to the kernel; `padding` is `[h, w]` or
    `[top, left, bottom, right]` (default 0), each side at most half the
    kernel, so every window holds an input element. The output is
    `floor((H + top + bottom - KH) / stride_h) + 1` high, and likewise wide.

    }] # rule # [{

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

def DL_MaxPool2DOp : DL_Pool2DOp<"max_pool2d", "2-D max pooling",
    "Each output is the largest input element of its window, as "
    "`dl.reduce_max` orders them (NaN propagates); padded positions take no "
    "part."> {
  let arguments = (ins DL_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel (`stride` `=` $stride^)?
    (`padding` `=` $padding^)? (`layout` `=` $layout^)? attr-dict `:` type($input)
  }];
  let extraClassDeclaration = poolClassDecl;
}

def DL_AvgPool2DOp : DL_Pool2DOp<"avg_pool2d", "2-D average pooling",
    "Each output is the sum of the input elements of its window divided by "
    "their count; with `count_include_pad`, padded positions count as zeros "
    "and the divisor is always `KH * KW`. f16 and bf16 accumulate in f32."> {
  let arguments = (ins DL_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       UnitAttr:$count_include_pad,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel (`stride` `=` $stride^)?
    (`padding` `=` $padding^)? (`count_include_pad` $count_include_pad^)?
    (`layout` `=` $layout^)? attr-dict `:` type($input)
  }];
  let extraClassDeclaration = poolClassDecl;
}

//===----------------------------------------------------------------------===//
// Gradients of convolution and pooling (built by dl-autodiff)
//===----------------------------------------------------------------------===//

def DL_Conv2DBackwardDataOp : DL_Op<"conv2d_backward_data", [Pure]> {
  let summary = "Gradient of a 2-D convolution with respect to its input";
  let description = [{
    For `y = dl.conv2d x, w` with the same attributes, `grad` is the gradient
    of the loss with respect to `y` and the result the gradient with respect
    to `x` (whose type it has): the transposed convolution of `grad` with
    `w`. dl-autodiff builds it; models need not write it.

    ```mlir
    %dx = dl.conv2d_backward_data %dy, %w padding = [2, 2]
        : tensor<128x32x28x28xf32>, tensor<32x1x5x5xf32> -> tensor<128x1x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_FloatTensor:$filter,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       OptionalAttr<DenseI64ArrayAttr>:$dilation,
                       OptionalAttr<I64Attr>:$groups,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $filter (`stride` `=` $stride^)? (`padding` `=` $padding^)?
    (`dilation` `=` $dilation^)? (`groups` `=` $groups^)? (`layout` `=` $layout^)?
    attr-dict `:` type($grad) `,` type($filter) `->` type($result)
  }];
  let hasVerifier = 1;
}

def DL_Conv2DBackwardFilterOp : DL_Op<"conv2d_backward_filter", [Pure]> {
  let summary = "Gradient of a 2-D convolution with respect to its filter";
  let description = [{
    For `y = dl.conv2d x, w` with the same attributes, `grad` is the gradient
    of the loss with respect to `y` and the result the gradient with respect
    to `w` (whose type it has). dl-autodiff builds it; models need not write
    it.

    ```mlir
    %dw = dl.conv2d_backward_filter %x, %dy padding = [2, 2]
        : tensor<128x1x28x28xf32>, tensor<128x32x28x28xf32> -> tensor<32x1x5x5xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       OptionalAttr<DenseI64ArrayAttr>:$dilation,
                       OptionalAttr<I64Attr>:$groups,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad (`stride` `=` $stride^)? (`padding` `=` $padding^)?
    (`dilation` `=` $dilation^)? (`groups` `=` $groups^)? (`layout` `=` $layout^)?
    attr-dict `:` type($input) `,` type($grad) `->` type($result)
  }];
  let hasVerifier = 1;
}

def DL_Pool2DBackwardOp : DL_Op<"pool2d_backward", [
    Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Gradient of 2-D max or average pooling with respect to its input";
  let description = [{
    For `y = dl.max_pool2d x` (`kind = max`) or `dl.avg_pool2d x` (`kind =
    average`, or `average_include_pad` for `count_include_pad`) with the same
    attributes, `grad` is the gradient of the loss with respect to `y` and
    the result the gradient with respect to `x`. Max pooling sends each
    window's gradient to the first of its largest elements (row-major order
    within the window), average pooling spreads it evenly over the window's
    counted elements. `input` is the forward input (average pooling reads
    only its shape). dl-autodiff builds it; models need not write it.

    ```mlir
    %dx = dl.pool2d_backward max %x, %dy kernel = [2, 2]
        : tensor<128x32x28x28xf32>, tensor<128x32x14x14xf32>
    ```
  }];
  let arguments = (ins DL_PoolKind:$kind, DL_FloatTensor:$input, DL_FloatTensor:$grad,
                       DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<DenseI64ArrayAttr>:$padding,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $input `,` $grad `kernel` `=` $kernel (`stride` `=` $stride^)?
    (`padding` `=` $padding^)? (`layout` `=` $layout^)? attr-dict `:` type($input) `,`
    type($grad)
  }];
  let hasVerifier = 1;
}

def DL_BatchNormBackwardOp : DL_Op<"batch_norm_backward", [
    Pure, AllTypesMatch<["input", "grad", "input_grad"]>,
    AllTypesMatch<["scale", "scale_grad", "offset_grad"]>]> {
  let summary = "Gradient of training-form batch normalization";
  let description = [{
    For `y = dl.batch_norm x, scale, offset ... training` with the same
    `epsilon` and `layout`, `grad` is the gradient of the loss with respect to
    `y`; the results are the gradients with respect to `x`, `scale` and
    `offset`. With the batch statistics of `x` over the `M` values of each
    channel (`mean`, biased `var`), `rstd = 1 / sqrt(var + epsilon)` and
    `xhat = (x - mean) * rstd`:
    `offset_grad = sum(grad)`, `scale_grad = sum(grad * xhat)` and
    `input_grad = scale * rstd / M * (M * grad - offset_grad - xhat * scale_grad)`
    (sums per channel). dl-autodiff builds it; models need not write it.

    ```mlir
    %dx, %dscale, %doffset = dl.batch_norm_backward %x, %dy, %scale
        : tensor<128x32x28x28xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad, DL_FloatTensor:$scale,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let results = (outs DL_FloatTensor:$input_grad, DL_FloatTensor:$scale_grad,
                      DL_FloatTensor:$offset_grad);
  let assemblyFormat = [{
    $input `,` $grad `,` $scale (`epsilon` `=` $epsilon^)? (`layout` `=` $layout^)?
    attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def DL_LayerNormBackwardOp : DL_Op<"layer_norm_backward", [
    Pure, AllTypesMatch<["input", "grad", "input_grad", "normalized"]>]> {
  let summary = "Gradient of layer normalization with respect to its input";
  let description = [{
    For `y = dl.layer_norm x, scale, offset` with the same `axis` and
    `epsilon`, `grad` is the gradient of the loss with respect to `y`. Over
    the `K` normalized elements of each row, with the row's `mean`, biased
    `var`, `rstd = 1 / sqrt(var + epsilon)` and
    `normalized = (x - mean) * rstd`, and `h = grad * scale`:
    `input_grad = rstd * (h - mean(h) - normalized * mean(h * normalized))`.
    `normalized` is the second result, for the scale's gradient,
    `sum(grad * normalized)` over the leading dimensions. One pass per row
    where the composite form took about fifteen commands. dl-autodiff builds
    it; models need not write it.

    ```mlir
    %dx, %xhat = dl.layer_norm_backward %x, %dy, %scale epsilon = 1.0e-5
        : tensor<2048x128xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad, DL_FloatTensor:$scale,
                       OptionalAttr<I64Attr>:$axis,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs DL_FloatTensor:$input_grad, DL_FloatTensor:$normalized);
  let assemblyFormat = [{
    $input `,` $grad `,` $scale (`axis` `=` $axis^)? (`epsilon` `=` $epsilon^)? attr-dict
    `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getAxisOrDefault() {
      return getAxis().value_or(getInput().getType().getRank() - 1);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Normalization, dropout, softmax, embedding
//===----------------------------------------------------------------------===//

def DL_BatchNormOp : DL_Op<"batch_norm", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>,
    AllTypesMatch<["input", "result"]>, AllTypesMatch<["scale", "offset"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Batch normalization over the channel axis";
  let description = [{
    Normalizes `N x C` or `N x C x H x W` input (`N x H x W x C` with
    `layout = nhwc`) per channel `c`, then scales and shifts:
    `y = scale[c] * (x - mean[c]) / sqrt(var[c] + epsilon) + offset[c]`.
    `running` names two `state` parameters of shape `C` holding the running
    mean and variance.

    Inference form (no `training`): `mean` and `var` are the running
    statistics, which the op only reads.

    Training form (`training`): `mean` and `var` are the batch's, over the
    `M = N * H * W` values of each channel (`M = N` for rank 2), with the
    biased variance `var = sum((x - mean)^2) / M`; M must be at least 2.
    The op then updates the running statistics in place:
    `running_mean = (1 - momentum) * running_mean + momentum * mean` and
    `running_var = (1 - momentum) * running_var + momentum * var * M / (M - 1)`
    (the unbiased variance). f16 and bf16 accumulate in f32.

    Write the op without `training` in a model: the compiler marks its own
    copy in the training step, and rejects a model that sets it.

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
                       UnitAttr:$training,
                       DefaultValuedAttr<DL_Layout, "::dlc::dl::Layout::nchw">:$layout);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $offset `running` `=` `(` $running_mean `,`
    $running_var `)` (`epsilon` `=` $epsilon^)? (`momentum` `=` $momentum^)?
    (`training` $training^)? (`layout` `=` $layout^)? attr-dict `:` type($input) `,`
    type($scale)
  }];
  let hasVerifier = 1;
}

def DL_DropoutOp : DL_Op<"dropout", [Pure, AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Randomly zeroes elements while training";
  let description = [{
    Without `training` it is the identity.

    Training form (`training`): element `i` (in row-major order) at training
    step `t` (counted from 0) is dropped when `u < rate`, where `u` in
    `[0, 1)` comes from Philox4x32-10 (Salmon et al., SC 2011; Random123's
    `philox4x32` with 10 rounds):

    - key = (low 32 bits of `seed`, high 32 bits of `seed`),
    - counter = (low 32 bits of `i / 4`, high 32 bits of `i / 4`, low 32 bits
      of `t`, high 32 bits of `t`),
    - `w` = word `i % 4` of the output block, `u = (w >> 8) * 2^-24`.

    A dropped element is 0; a kept one is `x * s`, with `s = 1 / (1 - rate)`
    rounded to the element type. The mask depends only on `(seed, t, i)`, so
    a run is reproducible, and dropout ops with the same seed and shape drop
    the same elements: give each op its own seed.

    `t` is the value of the `step` operand (the training step counter) when
    given, else 0.

    Write the op without `training` in a model: the compiler marks its own
    copy in the training step (and gives it the step counter), and rejects a
    model that sets it.

    ```mlir
    %d = dl.dropout %h rate = 0.5 seed = 7 : tensor<128x1024xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, Optional<DL_StepCounter>:$step,
                       F64Attr:$rate, DefaultValuedAttr<I64Attr, "0">:$seed,
                       UnitAttr:$training);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input `rate` `=` $rate (`seed` `=` $seed^)? (`training` $training^)?
    (`step` `=` $step^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

// `rule` is the op's formula, in Markdown.
class DL_SoftmaxLikeOp<string mnemonic, string summaryText, string rule>
    : DL_Op<mnemonic, [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = summaryText;
  let description = [{
    }] # rule # [{

    Along `axis` (default: the last axis), with `m` the maximum along it
    (subtracted so that `exp` cannot overflow). NaN along the axis makes the
    whole slice NaN. f16 and bf16 accumulate in f32.

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

def DL_SoftmaxOp : DL_SoftmaxLikeOp<"softmax", "Softmax",
    "`y = exp(x - m) / sum(exp(x - m))`.">;
def DL_LogSoftmaxOp : DL_SoftmaxLikeOp<"log_softmax", "Logarithm of the softmax",
    "`y = x - m - log(sum(exp(x - m)))`.">;

def DL_SoftmaxBackwardOp : DL_Op<"softmax_backward", [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient of softmax or log-softmax with respect to its input";
  let description = [{
    For `y = dl.softmax x` (with `log`: `y = dl.log_softmax x`) along the
    same `axis`, `grad` is the gradient of the loss with respect to `y`.
    Softmax: `input_grad = y * (grad - sum(grad * y))`; log-softmax:
    `input_grad = grad - exp(y) * sum(grad)`, the sums along `axis`. One
    pass per slice where the composite took a product, a reduction and a
    second elementwise pass. dl-autodiff builds it; models need not write
    it.

    ```mlir
    %dx = dl.softmax_backward %y, %dy axis = 3 : tensor<32x4x64x64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$output, DL_FloatTensor:$grad, OptionalAttr<I64Attr>:$axis,
                       UnitAttr:$log);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $output `,` $grad (`axis` `=` $axis^)? (`log` $log^)? attr-dict `:` type($output)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getAxisOrDefault() {
      return getAxis().value_or(getOutput().getType().getRank() - 1);
    }
  }];
}

def DL_LayerNormOp : DL_Op<"layer_norm", [
    Pure, AllTypesMatch<["input", "result"]>, AllTypesMatch<["scale", "offset"]>,
    DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Layer normalization over the trailing dimensions";
  let description = [{
    Normalizes over dimensions `axis ..< rank` (default: the last), then
    scales and shifts elementwise; `scale` and `offset` have the shape of
    those dimensions. With `mean` and the biased variance
    `var = sum((x - mean)^2) / K` over the `K` normalized elements:
    `y = (x - mean) / sqrt(var + epsilon) * scale + offset`.
    f16 and bf16 accumulate in f32.

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
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Looks up rows of a table";
  let description = [{
    Table `V x D`, integer indices of any shape `S`; the result is `S x D`,
    `y[s, d] = table[indices[s], d]`. An index outside `[0, V)` is a run-time
    error naming the op's line.

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
    Pure, InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Mean cross-entropy of softmax(logits) against integer labels";
  let description = [{
    Logits `N x K`, labels `N` (i32 or i64):
    `loss = -(1/N) * sum_n log_softmax(logits[n])[labels[n]]`, with
    `log_softmax` as `dl.log_softmax` computes it. A label outside `[0, K)`
    is a run-time error naming the op's line.

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
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>]> {
  let summary = "Squared-error loss";
  let description = [{
    With `S = sum((prediction - target)^2)` over all elements, `reduction`
    is `mean` (`S` divided by the element count; the default), `sum` (`S`),
    or `batch_mean` (`S` divided by the size of the first axis: the sum of
    squares per sample, averaged over the batch).

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
    Logits `N x K`, labels `N`: the number of rows `n` whose
    `dl.argmax` (first maximum; the first NaN counts as the maximum) equals
    `labels[n]`, divided by `N`. A label outside `[0, K)` is a run-time error
    naming the op's line.

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

#endif // DL_NN_OPS_TD
