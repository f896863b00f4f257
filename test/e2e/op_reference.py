"""Every dl op's forward result against NumPy.

For each case: write a one-op model, compile it with `dlc compile`, run its
`forward` with `dlrun` on fixed random inputs (.npy), and compare every
output with a NumPy implementation of the op written independently here.
Tolerances: f32 rtol 1e-5 / atol 1e-6 unless a case states more (transcendental
functions and long reductions accumulate rounding differently); f64 1e-12.

With --cuda-form, each case runs the CUDA form of its file instead (and a few
cases only the GPU form computes are added: 16-bit float reductions): its
library calls on the CPU and its generated kernels from a host build, after
ptxas has assembled its PTX: the kernels before their mapping to blocks and
threads (`--cuda-form` or `--cuda-form unmapped`), or as mapped, each GPU
thread a host thread (`--cuda-form mapped`; see commands.cuda_form).

With --bundle nothing runs: each case's compiled file (both targets), its
inputs, the NumPy result, its tolerances (case.json) and the host build of
its kernels are written to DIR/NAME, for scripts/gpu-check.sh to run on a
GPU machine that has no compiler.

Usage: op_reference.py --bin BUILD/bin --workdir DIR [--only NAME] [--bundle]
                       [--cuda-form [unmapped|mapped]]
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from commands import case_arguments, cuda_form, run, run_cases  # noqa: E402

RNG = np.random.default_rng(1234)


def rand(*shape, dtype=np.float32, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype(dtype)


def mlir_type(a):
    names = {np.float32: "f32", np.float64: "f64", np.int32: "i32", np.int64: "i64",
             np.uint8: "ui8", np.bool_: "i1", np.float16: "f16"}
    element = names[a.dtype.type]
    return "tensor<" + "".join(f"{d}x" for d in a.shape) + element + ">"


def erf(x):
    return np.vectorize(math.erf)(x).astype(x.dtype)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def conv2d(x, w, b, stride, pad, dilation, groups):
    """Direct NCHW convolution; pad is (top, left, bottom, right)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[2]), (pad[1], pad[3])))
    oh = (h + pad[0] + pad[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + pad[1] + pad[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow), dtype=np.float64)
    og = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * dilation[0]:i * dilation[0] + stride[0] * oh:stride[0],
                           j * dilation[1]:j * dilation[1] + stride[1] * ow:stride[1]]
                out[:, g * og:(g + 1) * og] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out.astype(x.dtype)


def batch_norm_training(x, g, o, eps, channel):
    """Training-form batch norm in float64 (batch statistics, biased var)."""
    axes = tuple(a for a in range(x.ndim) if a != channel)
    shape = [1] * x.ndim
    shape[channel] = -1
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g.reshape(shape) + o.reshape(shape)


def vjp_by_differences(f, args, dy, wrt, h=1e-6):
    """<dy, df/d args[wrt]> by central differences of f in float64: a
    reference for a gradient op from its forward definition alone."""
    args = [a.astype(np.float64) for a in args]
    out = np.zeros_like(args[wrt])
    for index in np.ndindex(out.shape):
        plus = [a.copy() for a in args]
        minus = [a.copy() for a in args]
        plus[wrt][index] += h
        minus[wrt][index] -= h
        out[index] = np.sum(dy * (f(*plus) - f(*minus))) / (2 * h)
    return out


def derivative_by_differences(f, x, h=1e-6):
    """f'(x) of an elementwise f by central differences in float64."""
    x = x.astype(np.float64)
    return (f(x + h) - f(x - h)) / (2 * h)


def pool2d(x, kernel, stride, pad, kind):
    n, c, h, w = x.shape
    oh = (h + pad[0] + pad[2] - kernel[0]) // stride[0] + 1
    ow = (w + pad[1] + pad[3] - kernel[1]) // stride[1] + 1
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad[0], pad[2]), (pad[1], pad[3])),
                constant_values=fill)
    ones = np.pad(np.ones((h, w)), ((pad[0], pad[2]), (pad[1], pad[3])))
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * stride[0]:i * stride[0] + kernel[0],
                        j * stride[1]:j * stride[1] + kernel[1]]
            if kind == "max":
                out[:, :, i, j] = window.max(axis=(2, 3))
            elif kind == "avg_include_pad":
                out[:, :, i, j] = window.mean(axis=(2, 3))
            else:
                count = ones[i * stride[0]:i * stride[0] + kernel[0],
                             j * stride[1]:j * stride[1] + kernel[1]].sum()
                out[:, :, i, j] = window.sum(axis=(2, 3)) / count
    return out.astype(x.dtype)


def gelu(x):
    return (0.5 * x * (1 + erf(x / np.sqrt(2)))).astype(x.dtype)


def gelu_tanh(x):
    return (0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))).astype(x.dtype)


class Case:
    """One op: `op` is its MLIR line producing %y from the inputs' names."""

    def __init__(self, name, inputs, op, result, reference, params=(), rtol=1e-5, atol=1e-6):
        self.name, self.inputs, self.op, self.result = name, inputs, op, result
        self.reference, self.params, self.rtol, self.atol = reference, params, rtol, atol

    def dtype(self):
        """The NumPy dtype of the declared result type."""
        element = self.result[self.result.rfind("x") + 1 if "x" in self.result else 7:-1]
        return np.dtype({"f32": np.float32, "f64": np.float64, "f16": np.float16,
                         "i32": np.int32, "i64": np.int64, "ui8": np.uint8,
                         "i1": np.bool_}[element.replace("tensor<", "")])

    def model(self):
        args = ", ".join(f"%{k}: {mlir_type(v)}" for k, v in self.inputs.items())
        lines = [f"module @{self.name} {{"]
        for name, value in self.params:
            data = np.array2string(value.reshape(-1), separator=", ", floatmode="unique",
                                   threshold=1 << 30).replace("\n", "")
            lines.append(f"  dl.param state @{name} : {mlir_type(value)} = "
                         f"dense<{data}> : {mlir_type(value)}")
        lines.append(f"  func.func @forward({args}) -> {self.result} {{")
        for name, value in self.params:
            lines.append(f"    %{name} = dl.param.get @{name} : {mlir_type(value)}")
        lines.append(f"    {self.op}")
        lines.append(f"    return %y : {self.result}")
        lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"


def cases():
    x = rand(3, 5)
    b = rand(5)
    xd = rand(3, 5, dtype=np.float64)
    pos = rand(3, 5, low=0.1, high=3.0)
    c = []
    unary = {
        "neg": (lambda a: -a, x), "abs": (np.abs, x), "exp": (np.exp, x),
        "log": (np.log, pos), "sqrt": (np.sqrt, pos), "rsqrt": (lambda a: 1 / np.sqrt(a), pos),
        "sin": (np.sin, x), "cos": (np.cos, x),
        "tanh": (np.tanh, x), "sigmoid": (lambda a: 1 / (1 + np.exp(-a)), x),
        "relu": (lambda a: np.maximum(a, 0), x), "gelu": (gelu, x),
    }
    for op, (fn, a) in unary.items():
        c.append(Case(op, {"a": a}, f"%y = dl.{op} %a : {mlir_type(a)}", mlir_type(a),
                      lambda i, fn=fn: fn(i["a"]), rtol=1e-5, atol=1e-6))
    c.append(Case("gelu_tanh", {"a": x}, f"%y = dl.gelu %a approximate : {mlir_type(x)}",
                  mlir_type(x), lambda i: gelu_tanh(i["a"])))
    # GELU's gradient (both forms) against central differences of the NumPy
    # forward, elementwise: f32 and f64, x through both tails and across the
    # exact form's pieces (|x| = sqrt 2), more elements than one kernel tile.
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        tol = dict(rtol=1e-5, atol=1e-6) if tag == "f32" else dict(rtol=1e-7, atol=1e-9)
        gx = rand(9, 257, dtype=dtype, low=-7.0, high=7.0)
        gdy = rand(9, 257, dtype=dtype)
        for form, fn in (("", gelu), (" approximate", gelu_tanh)):
            name = "gelu_backward" + ("_tanh" if form else "") + f"_{tag}"
            c.append(Case(name, {"x": gx, "dy": gdy},
                          f"%y = dl.gelu_backward %x, %dy{form} : {mlir_type(gx)}", mlir_type(gx),
                          lambda i, fn=fn: i["dy"].astype(np.float64) * derivative_by_differences(
                              fn, i["x"]), **tol))
    c.append(Case("exp_f64", {"a": xd}, f"%y = dl.exp %a : {mlir_type(xd)}", mlir_type(xd),
                  lambda i: np.exp(i["a"]), rtol=1e-12, atol=1e-14))
    c.append(Case("neg_i32", {"a": np.arange(-6, 6, dtype=np.int32).reshape(3, 4)},
                  "%y = dl.neg %a : tensor<3x4xi32>", "tensor<3x4xi32>", lambda i: -i["a"]))
    binary = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
              "maximum": np.maximum, "minimum": np.minimum}
    for op, fn in binary.items():
        c.append(Case(op, {"a": x, "b": b},
                      f"%y = dl.{op} %a, %b : {mlir_type(x)}, {mlir_type(b)}", mlir_type(x),
                      lambda i, fn=fn: fn(i["a"], i["b"])))
    c.append(Case("pow", {"a": pos, "b": rand(5)},
                  f"%y = dl.pow %a, %b : {mlir_type(pos)}, tensor<5xf32>", mlir_type(pos),
                  lambda i: np.power(i["a"], i["b"]), rtol=2e-5))
    c.append(Case("add_broadcast_both", {"a": rand(3, 1), "b": rand(1, 4)},
                  "%y = dl.add %a, %b : tensor<3x1xf32>, tensor<1x4xf32>", "tensor<3x4xf32>",
                  lambda i: i["a"] + i["b"]))
    c.append(Case("add_i64", {"a": np.arange(12, dtype=np.int64).reshape(3, 4) * 1000003,
                              "b": np.arange(4, dtype=np.int64)},
                  "%y = dl.add %a, %b : tensor<3x4xi64>, tensor<4xi64>", "tensor<3x4xi64>",
                  lambda i: i["a"] + i["b"]))
    for direction, fn in {"eq": np.equal, "ne": np.not_equal, "lt": np.less,
                          "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}.items():
        a = np.round(rand(3, 5)).astype(np.float32)
        bb = np.round(rand(5)).astype(np.float32)
        c.append(Case(f"compare_{direction}", {"a": a, "b": bb},
                      f"%y = dl.compare {direction}, %a, %b : tensor<3x5xf32>, tensor<5xf32>",
                      "tensor<3x5xi1>", lambda i, fn=fn: fn(i["a"], i["b"])))
    cond = RNG.integers(0, 2, size=(3, 5)).astype(np.bool_)
    c.append(Case("select", {"m": cond, "a": x, "b": b},
                  "%y = dl.select %m, %a, %b : tensor<3x5xi1>, tensor<3x5xf32>, tensor<5xf32>",
                  "tensor<3x5xf32>", lambda i: np.where(i["m"], i["a"], i["b"])))
    casts = [(np.uint8, np.float32, RNG.integers(0, 256, size=(4, 6)).astype(np.uint8)),
             (np.float32, np.int32, rand(4, 6, low=-100, high=100)),
             (np.float32, np.uint8, rand(4, 6, low=0, high=255)),
             (np.int32, np.float64, RNG.integers(-1000, 1000, size=(4, 6)).astype(np.int32)),
             (np.float32, np.bool_, np.round(rand(4, 6))),
             (np.float64, np.float32, rand(4, 6, dtype=np.float64)),
             (np.float32, np.float16, rand(4, 6)),
             (np.int64, np.int32, RNG.integers(-1000, 1000, size=(4, 6)).astype(np.int64))]
    for src, dst, a in casts:
        out = np.zeros((4, 6), dtype=dst)
        name = f"cast_{np.dtype(src).name}_{np.dtype(dst).name}"
        c.append(Case(name, {"a": a},
                      f"%y = dl.cast %a : {mlir_type(a)} -> {mlir_type(out)}", mlir_type(out),
                      lambda i, dst=dst: (i["a"] != 0) if dst == np.bool_
                      else np.trunc(i["a"]).astype(dst) if np.issubdtype(dst, np.integer)
                      else i["a"].astype(dst)))
    t = rand(2, 3, 4)
    c.append(Case("reshape", {"a": t}, "%y = dl.reshape %a : tensor<2x3x4xf32> -> tensor<6x4xf32>",
                  "tensor<6x4xf32>", lambda i: i["a"].reshape(6, 4)))
    c.append(Case("transpose", {"a": t}, "%y = dl.transpose %a perm = [2, 0, 1] : tensor<2x3x4xf32>",
                  "tensor<4x2x3xf32>", lambda i: i["a"].transpose(2, 0, 1)))
    c.append(Case("broadcast_to", {"a": b}, "%y = dl.broadcast_to %a : tensor<5xf32> -> tensor<3x5xf32>",
                  "tensor<3x5xf32>", lambda i: np.broadcast_to(i["a"], (3, 5))))
    c.append(Case("concat", {"a": rand(2, 3), "b": rand(2, 4)},
                  "%y = dl.concat %a, %b axis = 1 : tensor<2x3xf32>, tensor<2x4xf32>",
                  "tensor<2x7xf32>", lambda i: np.concatenate([i["a"], i["b"]], axis=1)))
    big = rand(6, 9)
    c.append(Case("slice", {"a": big},
                  "%y = dl.slice %a starts = [1, 2] limits = [6, 9] strides = [2, 3] : tensor<6x9xf32>",
                  "tensor<3x3xf32>", lambda i: i["a"][1:6:2, 2:9:3]))
    c.append(Case("pad", {"a": x},
                  "%y = dl.pad %a low = [1, 0] high = [0, 2] value = -1.5 : tensor<3x5xf32>",
                  "tensor<4x7xf32>",
                  lambda i: np.pad(i["a"], ((1, 0), (0, 2)), constant_values=-1.5)))
    r = rand(4, 6, 5)
    for op, fn in {"reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max}.items():
        c.append(Case(op, {"a": r}, f"%y = dl.{op} %a axes = [0, 2] : tensor<4x6x5xf32>",
                      "tensor<6xf32>", lambda i, fn=fn: fn(i["a"], axis=(0, 2))))
        c.append(Case(op + "_keepdims", {"a": r},
                      f"%y = dl.{op} %a axes = [1] keepdims : tensor<4x6x5xf32>",
                      "tensor<4x1x5xf32>", lambda i, fn=fn: fn(i["a"], axis=1, keepdims=True)))
    ties = np.array([[1, 3, 3, 0], [2, 2, 1, 2], [0, 0, 0, 0]], dtype=np.float32)
    c.append(Case("argmax", {"a": ties}, "%y = dl.argmax %a axis = 1 : tensor<3x4xf32> -> tensor<3xi32>",
                  "tensor<3xi32>", lambda i: np.argmax(i["a"], axis=1).astype(np.int32)))
    c.append(Case("matmul", {"a": rand(7, 13), "b": rand(13, 5)},
                  "%y = dl.matmul %a, %b : tensor<7x13xf32>, tensor<13x5xf32>", "tensor<7x5xf32>",
                  lambda i: i["a"] @ i["b"], rtol=1e-5, atol=1e-5))
    c.append(Case("matmul_transposed", {"a": rand(13, 7), "b": rand(5, 13)},
                  "%y = dl.matmul %a, %b transpose_a transpose_b : tensor<13x7xf32>, tensor<5x13xf32>",
                  "tensor<7x5xf32>", lambda i: i["a"].T @ i["b"].T, atol=1e-5))
    c.append(Case("matmul_batched", {"a": rand(2, 1, 4, 6), "b": rand(3, 6, 5)},
                  "%y = dl.matmul %a, %b : tensor<2x1x4x6xf32>, tensor<3x6x5xf32>",
                  "tensor<2x3x4x5xf32>", lambda i: np.matmul(i["a"], i["b"]), atol=1e-5))
    c.append(Case("matmul_f64", {"a": rand(7, 13, dtype=np.float64), "b": rand(13, 5, dtype=np.float64)},
                  "%y = dl.matmul %a, %b : tensor<7x13xf64>, tensor<13x5xf64>", "tensor<7x5xf64>",
                  lambda i: i["a"] @ i["b"], rtol=1e-12, atol=1e-12))
    img = rand(2, 4, 9, 8)
    c.append(Case("conv2d", {"x": img, "w": rand(6, 4, 3, 3), "b": rand(6)},
                  "%y = dl.conv2d %x, %w, %b padding = [1, 1] : tensor<2x4x9x8xf32>, "
                  "tensor<6x4x3x3xf32>, tensor<6xf32>", "tensor<2x6x9x8xf32>",
                  lambda i: conv2d(i["x"], i["w"], i["b"], (1, 1), (1, 1, 1, 1), (1, 1), 1),
                  atol=1e-4))
    c.append(Case("conv2d_strided_grouped", {"x": img, "w": rand(6, 2, 3, 2)},
                  "%y = dl.conv2d %x, %w stride = [2, 1] padding = [0, 1, 2, 0] dilation = [2, 1] "
                  "groups = 2 : tensor<2x4x9x8xf32>, tensor<6x2x3x2xf32>", "tensor<2x6x4x8xf32>",
                  lambda i: conv2d(i["x"], i["w"], None, (2, 1), (0, 1, 2, 0), (2, 1), 2),
                  atol=1e-4))
    c.append(Case("max_pool2d", {"x": img}, "%y = dl.max_pool2d %x kernel = [3, 2] stride = [2, 2] "
                  "padding = [1, 1] : tensor<2x4x9x8xf32>", "tensor<2x4x5x5xf32>",
                  lambda i: pool2d(i["x"], (3, 2), (2, 2), (1, 1, 1, 1), "max")))
    c.append(Case("avg_pool2d", {"x": img}, "%y = dl.avg_pool2d %x kernel = [2, 2] padding = [1, 1] "
                  ": tensor<2x4x9x8xf32>", "tensor<2x4x5x5xf32>",
                  lambda i: pool2d(i["x"], (2, 2), (2, 2), (1, 1, 1, 1), "avg")))
    c.append(Case("avg_pool2d_include_pad", {"x": img}, "%y = dl.avg_pool2d %x kernel = [2, 2] "
                  "padding = [1, 1] count_include_pad : tensor<2x4x9x8xf32>", "tensor<2x4x5x5xf32>",
                  lambda i: pool2d(i["x"], (2, 2), (2, 2), (1, 1, 1, 1), "avg_include_pad")))
    # Max pooling propagates NaN (the runtime's own loops in f32 and f64,
    # NCHW here, NHWC below).
    nan_img = rand(1, 2, 4, 4, dtype=np.float64)
    nan_img[0, 1, 2, 3] = np.nan
    c.append(Case("max_pool2d_nan_f64", {"x": nan_img},
                  "%y = dl.max_pool2d %x kernel = [2, 2] : tensor<1x2x4x4xf64>",
                  "tensor<1x2x2x2xf64>", lambda i: pool2d(i["x"], (2, 2), (2, 2), (0, 0, 0, 0),
                                                          "max"), rtol=1e-12, atol=1e-12))
    c.append(Case("max_pool2d_nan_f32", {"x": nan_img.astype(np.float32)},
                  "%y = dl.max_pool2d %x kernel = [2, 2] : tensor<1x2x4x4xf32>",
                  "tensor<1x2x2x2xf32>", lambda i: pool2d(i["x"], (2, 2), (2, 2), (0, 0, 0, 0),
                                                          "max")))
    # Channels-last (NHWC) convolution and pooling, f32 (oneDNN) and f64.
    nchw, nhwc = (0, 3, 1, 2), (0, 2, 3, 1)
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        xl, wl = img.transpose(nhwc).astype(dtype), rand(6, 2, 3, 2, dtype=dtype)
        bl = rand(6, dtype=dtype)
        tol = dict(atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
        c.append(Case(f"conv2d_nhwc_{tag}", {"x": xl, "w": wl, "b": bl},
                      "%y = dl.conv2d %x, %w, %b stride = [2, 1] padding = [0, 1, 2, 0] "
                      f"dilation = [2, 1] groups = 2 layout = nhwc : {mlir_type(xl)}, "
                      f"{mlir_type(wl)}, {mlir_type(bl)}", f"tensor<2x4x8x6x{tag}>",
                      lambda i: conv2d(i["x"].transpose(nchw), i["w"], i["b"], (2, 1),
                                       (0, 1, 2, 0), (2, 1), 2).transpose(nhwc), **tol))
        c.append(Case(f"max_pool2d_nhwc_{tag}", {"x": xl},
                      "%y = dl.max_pool2d %x kernel = [3, 2] stride = [2, 2] padding = [1, 1] "
                      f"layout = nhwc : {mlir_type(xl)}", f"tensor<2x5x5x4x{tag}>",
                      lambda i: pool2d(i["x"].transpose(nchw), (3, 2), (2, 2), (1, 1, 1, 1),
                                       "max").transpose(nhwc), **tol))
        c.append(Case(f"avg_pool2d_nhwc_{tag}", {"x": xl},
                      "%y = dl.avg_pool2d %x kernel = [2, 2] padding = [1, 1] layout = nhwc "
                      f": {mlir_type(xl)}", f"tensor<2x5x5x4x{tag}>",
                      lambda i: pool2d(i["x"].transpose(nchw), (2, 2), (2, 2), (1, 1, 1, 1),
                                       "avg").transpose(nhwc), **tol))
        # NaN wins its NHWC windows too (a channel that has one, not its
        # neighbours).
        nan_nhwc = nan_img.transpose(nhwc).astype(dtype)
        c.append(Case(f"max_pool2d_nhwc_nan_{tag}", {"x": nan_nhwc},
                      f"%y = dl.max_pool2d %x kernel = [2, 2] layout = nhwc : {mlir_type(nan_nhwc)}",
                      f"tensor<1x2x2x2x{tag}>",
                      lambda i: pool2d(i["x"].transpose(nchw), (2, 2), (2, 2), (0, 0, 0, 0),
                                       "max").transpose(nhwc), **tol))
    # Epilogues the compiler folds into library calls, and the NHWC chain it
    # builds around NCHW convolutions (dl-channels-last).
    mx, mw, mb = rand(6, 9), rand(9, 5), rand(5)
    c.append(Case("matmul_bias_relu", {"a": mx, "w": mw, "b": mb},
                  "%m = dl.matmul %a, %w : tensor<6x9xf32>, tensor<9x5xf32>\n"
                  "    %s = dl.add %m, %b : tensor<6x5xf32>, tensor<5xf32>\n"
                  "    %y = dl.relu %s : tensor<6x5xf32>", "tensor<6x5xf32>",
                  lambda i: np.maximum(i["a"] @ i["w"] + i["b"], 0), atol=1e-5))
    cw1, cb1, cw2 = rand(5, 4, 3, 3), rand(5), rand(3, 5, 2, 2)
    c.append(Case("conv_relu_pool_conv", {"x": img, "w1": cw1, "b1": cb1, "w2": cw2},
                  "%c = dl.conv2d %x, %w1, %b1 padding = [1, 1] : tensor<2x4x9x8xf32>, "
                  "tensor<5x4x3x3xf32>, tensor<5xf32>\n"
                  "    %r = dl.relu %c : tensor<2x5x9x8xf32>\n"
                  "    %p = dl.max_pool2d %r kernel = [2, 2] : tensor<2x5x9x8xf32>\n"
                  "    %y = dl.conv2d %p, %w2 : tensor<2x5x4x4xf32>, tensor<3x5x2x2xf32>",
                  "tensor<2x3x3x3xf32>",
                  lambda i: conv2d(pool2d(np.maximum(conv2d(i["x"], i["w1"], i["b1"], (1, 1),
                                                            (1, 1, 1, 1), (1, 1), 1), 0),
                                          (2, 2), (2, 2), (0, 0, 0, 0), "max"),
                                   i["w2"], None, (1, 1), (0, 0, 0, 0), (1, 1), 1),
                  atol=1e-4))
    # Narrow convolutions (few output channels per group), which the CPU
    # runs on its direct kernel, and cases of its edges: tiles past the row's
    # end (widths 37 and 7), a last block of 3 of 11 channels, strides and dilations split into
    # phases, groups; with a ReLU or tanh epilogue. op-reference-conv.test
    # runs these on the direct kernel and on oneDNN, in each ISA.
    nx, nw, nb = rand(3, 1, 20, 37), rand(6, 1, 5, 5), rand(6)
    c.append(Case("conv2d_narrow_tanh", {"x": nx, "w": nw, "b": nb},
                  "%c = dl.conv2d %x, %w, %b padding = [2, 2] : tensor<3x1x20x37xf32>, "
                  "tensor<6x1x5x5xf32>, tensor<6xf32>\n"
                  "    %y = dl.tanh %c : tensor<3x6x20x37xf32>", "tensor<3x6x20x37xf32>",
                  lambda i: np.tanh(conv2d(i["x"], i["w"], i["b"], (1, 1), (2, 2, 2, 2), (1, 1),
                                           1)), atol=1e-5))
    sx, sw, sb = rand(2, 13, 19, 3), rand(11, 3, 3, 3), rand(11)
    c.append(Case("conv2d_narrow_nhwc_relu", {"x": sx, "w": sw, "b": sb},
                  "%c = dl.conv2d %x, %w, %b stride = [2, 3] padding = [1, 2, 0, 1] "
                  "dilation = [2, 1] layout = nhwc : tensor<2x13x19x3xf32>, "
                  "tensor<11x3x3x3xf32>, tensor<11xf32>\n"
                  "    %y = dl.relu %c : tensor<2x5x7x11xf32>", "tensor<2x5x7x11xf32>",
                  lambda i: np.maximum(conv2d(i["x"].transpose(nchw), i["w"], i["b"], (2, 3),
                                              (1, 2, 0, 1), (2, 1), 1), 0).transpose(nhwc),
                  atol=1e-4))
    gx, gw = rand(2, 6, 9, 17), rand(9, 2, 2, 4)
    c.append(Case("conv2d_narrow_grouped", {"x": gx, "w": gw},
                  "%y = dl.conv2d %x, %w stride = [1, 2] padding = [0, 3, 1, 0] dilation = [1, 2] "
                  "groups = 3 : tensor<2x6x9x17xf32>, tensor<9x2x2x4xf32>", "tensor<2x9x9x7xf32>",
                  lambda i: conv2d(i["x"], i["w"], None, (1, 2), (0, 3, 1, 0), (1, 2), 3),
                  atol=1e-4))
    wx, ww, wb = rand(2, 7, 9, 4), rand(18, 2, 3, 3), rand(18)
    c.append(Case("conv2d_narrow_nhwc_grouped", {"x": wx, "w": ww, "b": wb},
                  "%y = dl.conv2d %x, %w, %b stride = [1, 2] padding = [1, 1] groups = 2 "
                  "layout = nhwc : tensor<2x7x9x4xf32>, tensor<18x2x3x3xf32>, tensor<18xf32>",
                  "tensor<2x7x5x18xf32>",
                  lambda i: conv2d(i["x"].transpose(nchw), i["w"], i["b"], (1, 2), (1, 1, 1, 1),
                                   (1, 1), 2).transpose(nhwc), atol=1e-5))
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        tol = dict(atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
        tx, tw, tb = (img.transpose(nhwc).astype(dtype), rand(20, 4, 3, 3, dtype=dtype),
                      rand(20, dtype=dtype))
        c.append(Case(f"conv2d_tanh_nhwc_{tag}", {"x": tx, "w": tw, "b": tb},
                      f"%c = dl.conv2d %x, %w, %b padding = [1, 1] layout = nhwc : {mlir_type(tx)}, "
                      f"{mlir_type(tw)}, {mlir_type(tb)}\n"
                      f"    %y = dl.tanh %c : tensor<2x9x8x20x{tag}>", f"tensor<2x9x8x20x{tag}>",
                      lambda i: np.tanh(conv2d(i["x"].transpose(nchw), i["w"], i["b"], (1, 1),
                                               (1, 1, 1, 1), (1, 1), 1)).transpose(nhwc), **tol))
    mean, var = rand(4), rand(4, low=0.5, high=2.0)
    c.append(Case("batch_norm", {"x": img, "g": rand(4), "o": rand(4)},
                  "%y = dl.batch_norm %x, %g, %o running = (@mean, @var) epsilon = 1.0e-3 "
                  ": tensor<2x4x9x8xf32>, tensor<4xf32>", "tensor<2x4x9x8xf32>",
                  lambda i: ((i["x"] - mean.reshape(1, 4, 1, 1)) /
                             np.sqrt(var.reshape(1, 4, 1, 1) + 1e-3) * i["g"].reshape(1, 4, 1, 1)
                             + i["o"].reshape(1, 4, 1, 1)),
                  params=[("mean", mean), ("var", var)]))
    # Batch norm channels-last, and the training-form gradient in both
    # layouts against central differences of the forward definition.
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        tol = dict(rtol=1e-4, atol=1e-5) if tag == "f32" else dict(rtol=1e-7, atol=1e-9)
        xl = img.transpose(0, 2, 3, 1).astype(dtype)  # 2x9x8x4
        gl, ol = rand(4, dtype=dtype), rand(4, dtype=dtype)
        c.append(Case(f"batch_norm_nhwc_{tag}", {"x": xl, "g": gl, "o": ol},
                      "%y = dl.batch_norm %x, %g, %o running = (@mean, @var) epsilon = 1.0e-3 "
                      f"layout = nhwc : {mlir_type(xl)}, {mlir_type(gl)}", mlir_type(xl),
                      lambda i: ((i["x"] - mean.astype(np.float64))
                                 / np.sqrt(var.astype(np.float64) + 1e-3) * i["g"] + i["o"]),
                      params=[("mean", mean.astype(dtype)), ("var", var.astype(dtype))], **tol))
        for layout, shape, channel in (("", (2, 3, 4, 5), 1), (" layout = nhwc", (2, 4, 5, 3), 3),
                                       ("", (6, 3), 1)):
            bx, bdy, bg = rand(*shape, dtype=dtype), rand(*shape, dtype=dtype), rand(3, dtype=dtype)
            zero = np.zeros(3)
            for k, result in enumerate(("dx", "dscale", "doffset")):
                names = ["%y" if j == k else f"%unused{j}" for j in range(3)]
                wrt = [0, 1, 2][k]
                c.append(Case(
                    f"batch_norm_backward{'_nhwc' if layout else ''}"
                    f"{'_rank2' if len(shape) == 2 else ''}_{result}_{tag}",
                    {"x": bx, "dy": bdy, "g": bg},
                    f"{', '.join(names)} = dl.batch_norm_backward %x, %dy, %g epsilon = 1.0e-3"
                    f"{layout} : {mlir_type(bx)}, {mlir_type(bg)}",
                    mlir_type(bx) if k == 0 else mlir_type(bg),
                    lambda i, wrt=wrt, channel=channel: vjp_by_differences(
                        lambda x, g, o: batch_norm_training(x, g, o, 1e-3, channel),
                        [i["x"], i["g"], zero], i["dy"].astype(np.float64), wrt),
                    **(dict(rtol=1e-4, atol=1e-4) if tag == "f32" else dict(rtol=1e-6, atol=1e-8))))
    # Large enough that the channels-last sums run on both threads: dscale
    # and doffset by central differences (cheap: 8 channels), dx by the
    # closed form those differences confirm on the small cases above.
    big_x, big_dy = rand(8, 16, 16, 8, dtype=np.float64), rand(8, 16, 16, 8, dtype=np.float64)
    big_g = rand(8, dtype=np.float64)

    def big_dx(i):
        x, dy = i["x"], i["dy"]
        mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
        rstd = 1 / np.sqrt(var + 1e-3)
        xhat, m = (x - mean) * rstd, x.size / 8
        return i["g"] * rstd * (dy - dy.sum((0, 1, 2)) / m - xhat * (dy * xhat).sum((0, 1, 2)) / m)

    for k, result in enumerate(("dx", "dscale", "doffset")):
        names = ["%y" if j == k else f"%unused{j}" for j in range(3)]
        c.append(Case(
            f"batch_norm_backward_nhwc_parallel_{result}", {"x": big_x, "dy": big_dy, "g": big_g},
            f"{', '.join(names)} = dl.batch_norm_backward %x, %dy, %g epsilon = 1.0e-3 "
            f"layout = nhwc : {mlir_type(big_x)}, {mlir_type(big_g)}",
            mlir_type(big_x) if k == 0 else mlir_type(big_g),
            big_dx if k == 0 else (lambda i, wrt=k: vjp_by_differences(
                lambda x, g, o: batch_norm_training(x, g, o, 1e-3, 3),
                [i["x"], i["g"], np.zeros(8)], i["dy"], wrt)),
            rtol=1e-6, atol=1e-8))
    c.append(Case("dropout_inference", {"a": x}, "%y = dl.dropout %a rate = 0.5 : tensor<3x5xf32>",
                  "tensor<3x5xf32>", lambda i: i["a"]))
    for op, fn in {"softmax": lambda a: softmax(a, 1),
                   "log_softmax": lambda a: np.log(softmax(a.astype(np.float64), 1))}.items():
        c.append(Case(op, {"a": x}, f"%y = dl.{op} %a : tensor<3x5xf32>", "tensor<3x5xf32>",
                      lambda i, fn=fn: fn(i["a"])))
    c.append(Case("softmax_axis0", {"a": x}, "%y = dl.softmax %a axis = 0 : tensor<3x5xf32>",
                  "tensor<3x5xf32>", lambda i: softmax(i["a"], 0)))
    # softmax's and log-softmax's gradients from the forward's output, against
    # central differences of the NumPy forward: f32 and f64, a short row,
    # rows long enough (72) for the lanes and their tail with more rows than
    # a thread's block, and a middle axis (strided slices).
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        # (f64: the differences' own error, eps |f| / h summed over a row)
        tol = dict(rtol=1e-4, atol=1e-6) if tag == "f32" else dict(rtol=1e-6, atol=1e-8)
        for name, shape, axis in (("", (3, 5), 1), ("_long_rows", (70, 72), 1),
                                  ("_axis1", (4, 6, 5), 1)):
            sx, sdy = rand(*shape, dtype=dtype), rand(*shape, dtype=dtype)
            for log, forward in ((False, lambda a, axis=axis: softmax(a, axis)),
                                 (True, lambda a, axis=axis: np.log(softmax(a, axis)))):
                sy = forward(sx.astype(np.float64)).astype(dtype)
                attrs = f" axis = {axis}" + (" log" if log else "")
                c.append(Case(
                    f"{'log_' if log else ''}softmax_backward{name}_{tag}", {"s": sy, "dy": sdy},
                    f"%y = dl.softmax_backward %s, %dy{attrs} : {mlir_type(sy)}", mlir_type(sy),
                    lambda i, x=sx, forward=forward: vjp_by_differences(
                        forward, [x], i["dy"].astype(np.float64), 0), **tol))
    ln = rand(2, 3, 8)

    def layer_norm(i):
        a = i["a"].astype(np.float64)
        m = a.mean(axis=(1, 2), keepdims=True)
        v = a.var(axis=(1, 2), keepdims=True)
        return (a - m) / np.sqrt(v + 1e-5) * i["g"] + i["o"]
    c.append(Case("layer_norm", {"a": ln, "g": rand(3, 8), "o": rand(3, 8)},
                  "%y = dl.layer_norm %a, %g, %o axis = 1 : tensor<2x3x8xf32>, tensor<3x8xf32>",
                  "tensor<2x3x8xf32>", layer_norm, atol=1e-5))
    # Its gradient against central differences of the forward above (dx),
    # and the normalized input against its definition; f32 and f64, with
    # rows long enough (72) for the lanes and their tail, and more rows
    # than a thread's block.
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        tol = dict(rtol=1e-4, atol=1e-5) if tag == "f32" else dict(rtol=1e-6, atol=1e-8)
        for name, shape, axis in (("", (2, 3, 8), 1), ("_long_rows", (70, 72), 1)):
            lx, ldy = rand(*shape, dtype=dtype), rand(*shape, dtype=dtype)
            lg = rand(*shape[axis:], dtype=dtype)
            axes = tuple(range(axis, len(shape)))

            def normalize(x, axes=axes):
                x = x.astype(np.float64)
                return (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
            for k, result in enumerate(("dx", "normalized")):
                names = ["%y" if j == k else f"%unused{j}" for j in range(2)]
                c.append(Case(
                    f"layer_norm_backward{name}_{result}_{tag}", {"x": lx, "dy": ldy, "g": lg},
                    f"{', '.join(names)} = dl.layer_norm_backward %x, %dy, %g axis = {axis} : "
                    f"{mlir_type(lx)}, {mlir_type(lg)}", mlir_type(lx),
                    (lambda i, normalize=normalize: vjp_by_differences(
                        lambda x, g: normalize(x) * g, [i["x"], i["g"]],
                        i["dy"].astype(np.float64), 0)) if k == 0
                    else (lambda i, normalize=normalize: normalize(i["x"])), **tol))
    ids = np.array([[0, 4, 2], [4, 1, 1]], dtype=np.int32)
    c.append(Case("embedding", {"t": rand(5, 3), "i": ids},
                  "%y = dl.embedding %t, %i : tensor<5x3xf32>, tensor<2x3xi32>", "tensor<2x3x3xf32>",
                  lambda i: i["t"][i["i"]]))
    logits = rand(6, 4)
    labels = np.array([0, 3, 1, 1, 2, 3], dtype=np.int32)
    c.append(Case("softmax_cross_entropy", {"l": logits, "t": labels},
                  "%y = dl.softmax_cross_entropy %l, %t : tensor<6x4xf32>, tensor<6xi32>", "tensor<f32>",
                  lambda i: np.float32(-np.mean(np.log(softmax(i["l"].astype(np.float64), 1))
                                                [np.arange(6), i["t"]]))))
    c.append(Case("accuracy", {"l": logits, "t": labels},
                  "%y = dl.accuracy %l, %t : tensor<6x4xf32>, tensor<6xi32>", "tensor<f32>",
                  lambda i: np.float32(np.mean(np.argmax(i["l"], 1) == i["t"]))))

    # NaN logits: accuracy's argmax is dl.argmax's, the first NaN counting
    # as the maximum, as NumPy's.
    nan_logits = logits.copy()
    nan_logits[1, 0] = np.nan
    nan_logits[2, 2] = np.nan  # the row's maximum otherwise (3)
    nan_labels = labels.copy()
    nan_labels[2] = 2  # a hit only if the NaN wins
    c.append(Case("accuracy_nan", {"l": nan_logits, "t": nan_labels},
                  "%y = dl.accuracy %l, %t : tensor<6x4xf32>, tensor<6xi32>", "tensor<f32>",
                  lambda i: np.float32(np.mean(np.argmax(i["l"], 1) == i["t"]))))
    c.append(Case("argmax_nan", {"a": nan_logits},
                  "%y = dl.argmax %a axis = 1 : tensor<6x4xf32> -> tensor<6xi32>", "tensor<6xi32>",
                  lambda i: np.argmax(i["a"], axis=1).astype(np.int32)))
    p, q = rand(6, 4), rand(6, 4)
    for reduction, fn in {"mean": lambda d: np.mean(d * d), "sum": lambda d: np.sum(d * d),
                          "batch_mean": lambda d: np.sum(d * d) / d.shape[0]}.items():
        c.append(Case(f"mse_loss_{reduction}", {"p": p, "q": q},
                      f"%y = dl.mse_loss %p, %q reduction = {reduction} : tensor<6x4xf32>",
                      "tensor<f32>", lambda i, fn=fn: np.float32(fn(i["p"].astype(np.float64) - i["q"]))))
    return c


def compile_case(args, case):
    """Writes the case's model to WORKDIR/NAME/model.mlir and compiles it to
    model.fb there; returns the folder and the model's path."""
    d = os.path.join(args.workdir, case.name)
    os.makedirs(d, exist_ok=True)
    model = os.path.join(d, "model.mlir")
    with open(model, "w") as f:
        f.write(case.model())
    run([os.path.join(args.bin, "dlc"), "compile", model, "-o", os.path.join(d, "model.fb")])
    return d, model


def check(args, case):
    """Compiles the case's model, runs it on its inputs and compares y with
    the reference: shape, dtype and values."""
    d, model = compile_case(args, case)
    inputs = []
    for name, value in case.inputs.items():
        path = os.path.join(d, name + ".npy")
        np.save(path, value)
        inputs += ["--input", f"{name}={path}"]
    out = os.path.join(d, "y.npy")
    device = (["--device", cuda_form(args.bin, model, d, form=args.cuda_form)]
              if args.cuda_form else [])
    run([os.path.join(args.bin, "dlrun"), os.path.join(d, "model.fb"), *inputs, "--output", out,
         *device])
    got = np.load(out)
    want = np.asarray(case.reference(case.inputs))
    if got.shape != want.shape:
        raise AssertionError(f"shape {got.shape}, expected {want.shape}")
    if got.dtype != case.dtype():
        raise AssertionError(f"dtype {got.dtype}, expected {case.dtype()}")
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_allclose(got64, want64, rtol=case.rtol, atol=case.atol)
    with np.errstate(invalid="ignore"):
        both = np.isfinite(got64) & np.isfinite(want64)
        worst = np.abs(got64 - want64)[both].max(initial=0.0)
    return f" (max abs error {worst:.1e})"


def bundle(args, case):
    """Writes what scripts/gpu_check.py needs to run the case on a GPU and
    compare it with NumPy: model.fb, NAME.npy inputs, expected.npy,
    case.json, and kernels.so (the host build, for the no-GPU path)."""
    d, model = compile_case(args, case)
    cuda_form(args.bin, model, d)
    for name, value in case.inputs.items():
        np.save(os.path.join(d, name + ".npy"), value)
    np.save(os.path.join(d, "expected.npy"),
            np.asarray(case.reference(case.inputs)).astype(case.dtype()))
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump({"inputs": list(case.inputs), "rtol": case.rtol, "atol": case.atol}, f)
    return ""


def gpu_form_cases():
    """Cases only the GPU form computes (the CPU backend reduces and
    normalizes in f32 and f64 only): 16-bit floats, which the GPU kernels
    widen to f32 and round back."""
    h = rand(4, 6, 5).astype(np.float16)
    return [
        Case("reduce_sum_f16", {"a": h}, "%y = dl.reduce_sum %a axes = [0, 2] : tensor<4x6x5xf16>",
             "tensor<6xf16>", lambda i: i["a"].astype(np.float64).sum(axis=(0, 2)).astype(np.float16),
             rtol=2e-3, atol=2e-3),
        Case("reduce_max_f16", {"a": h}, "%y = dl.reduce_max %a axes = [1] : tensor<4x6x5xf16>",
             "tensor<4x5xf16>", lambda i: i["a"].max(axis=1), rtol=0, atol=0),
        Case("softmax_f16", {"a": h}, "%y = dl.softmax %a axis = 2 : tensor<4x6x5xf16>",
             "tensor<4x6x5xf16>",
             lambda i: softmax(i["a"].astype(np.float64), 2).astype(np.float16), rtol=2e-3,
             atol=1e-3),
    ]


def main():
    args = case_arguments()
    selected = cases() + (gpu_form_cases() if args.cuda_form or args.bundle else [])
    return run_cases(selected, args.only,
                     lambda case: (bundle if args.bundle else check)(args, case))


if __name__ == "__main__":
    sys.exit(main())
