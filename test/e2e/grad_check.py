"""Every gradient rule against finite differences, in f64.

For each case: a model whose trainable parameters (f64, fixed random values)
feed one op (or a short chain), with `loss = sum(y * R)` for a fixed random
R (so each element's gradient differs). `dlc compile --gradients` builds the
`loss_grad` entry point; `dlrun` runs it for the gradients. The reference
is the central difference of the loss itself, computed by running `loss`
with perturbed parameters (loaded from safetensors files):

    (L(p + eps v) - L(p - eps v)) / (2 eps)  ~  <grad L(p), v>

for several random directions v per case (each v spans every parameter at
once, so a wrong element anywhere shows), eps = 1e-6. The check passes when
the two agree within 1e-7 relative (plus 1e-9 absolute).

With --cuda-form, every run uses the CUDA form of the file instead (see
op_reference.py): the gradients of the generated GPU kernels against the
finite differences of the same form's loss.

Usage: grad_check.py --bin BUILD/bin --workdir DIR [--only NAME] [--cuda-form [unmapped|mapped]]
"""
import os
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from op_reference import mlir_type  # noqa: E402
import safetensors_io  # noqa: E402
from commands import case_arguments, cuda_form, run, run_cases  # noqa: E402

RNG = np.random.default_rng(4321)
EPS = 1e-6
DIRECTIONS = 3
RTOL, ATOL = 1e-7, 1e-9


def rand(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype(np.float64)


def literal(a):
    """Nested brackets, each float written so it reads back exactly."""
    if a.ndim == 0:
        item = a.item()
        return ("true" if item else "false") if a.dtype == np.bool_ else repr(item)
    return "[" + ", ".join(literal(row) for row in a) + "]"


def dense(a):
    return f"dense<{literal(a)}> : {mlir_type(a)}"


class Case:
    """`body` computes %y (of type `result`) from the parameters' names."""

    def __init__(self, name, params, body, result, eps=EPS, rtol=RTOL, twin=None):
        self.name, self.params, self.body, self.result = name, params, body, result
        self.eps, self.rtol, self.twin = eps, rtol, twin
        self.state = {}  # `dl.param state` tensors: not differentiated

    def model(self):
        lines = [f"module @{self.name} {{"]
        for name, value in self.params.items():
            lines.append(f"  dl.param @{name} : {mlir_type(value)} = {dense(value)}")
        for name, value in self.state.items():
            lines.append(f"  dl.param state @{name} : {mlir_type(value)} = {dense(value)}")
        lines.append("  func.func @loss() -> tensor<f64> {")
        for name, value in self.params.items():
            lines.append(f"    %{name} = dl.param.get @{name} : {mlir_type(value)}")
        lines += ["    " + line for line in self.body]
        result, y = self.result, "%y"
        if result.endswith("xf32>"):  # the loss is computed in f64 either way
            result = result.replace("xf32>", "xf64>")
            lines.append(f"    %check_y64 = dl.cast %y : {self.result} -> {result}")
            y = "%check_y64"
        shape = [int(d) for d in result[len("tensor<"):-1].split("x")[:-1]]
        # R depends only on the case (its twin's, for a twin), not on the order
        # cases run in.
        seed = zlib.crc32((self.twin or self.name).encode())
        weights = np.random.default_rng(seed).uniform(-2.0, 2.0, size=shape)
        # Names the cases' bodies do not use.
        lines.append(f"    %check_r = dl.constant {dense(weights)}")
        lines.append(f"    %check_m = dl.mul {y}, %check_r : {result}")
        if shape:
            axes = ", ".join(str(i) for i in range(len(shape)))
            lines.append(f"    %check_l = dl.reduce_sum %check_m axes = [{axes}] : {result}")
        else:
            lines.append("    %check_l = dl.add %check_m, %check_m : tensor<f64>")
        lines.append("    return %check_l : tensor<f64>")
        lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"


def unary(op, low=-2.0, high=2.0):
    return Case(op, {"p": rand(3, 4, low=low, high=high)},
                [f"%y = dl.{op} %p : tensor<3x4xf64>"], "tensor<3x4xf64>")


def cases():
    c = [unary(op) for op in ("neg", "exp", "sin", "cos", "tanh", "sigmoid")]
    # Away from the kinks at 0.
    c.append(Case("abs", {"p": np.sign(rand(3, 4)) * rand(3, 4, low=0.1, high=2.0)},
                  ["%y = dl.abs %p : tensor<3x4xf64>"], "tensor<3x4xf64>"))
    c.append(Case("relu", {"p": np.sign(rand(3, 4)) * rand(3, 4, low=0.1, high=2.0)},
                  ["%y = dl.relu %p : tensor<3x4xf64>"], "tensor<3x4xf64>"))
    c += [unary(op, 0.2, 3.0) for op in ("log", "sqrt", "rsqrt")]
    for op in ("add", "sub", "mul", "div", "maximum", "minimum"):
        low = 0.5 if op == "div" else -2.0
        c.append(Case(op, {"a": rand(3, 4), "b": rand(3, 4, low=low)},
                      [f"%y = dl.{op} %a, %b : tensor<3x4xf64>"], "tensor<3x4xf64>"))
        # Broadcasting both ways: [3, 1] against [2, 1, 4].
        c.append(Case(op + "_broadcast", {"a": rand(3, 1), "b": rand(2, 1, 4, low=low)},
                      [f"%y = dl.{op} %a, %b : tensor<3x1xf64>, tensor<2x1x4xf64>"],
                      "tensor<2x3x4xf64>"))
    c.append(Case("pow", {"a": rand(3, 4, low=0.2, high=2.0), "b": rand(4)},
                  ["%y = dl.pow %a, %b : tensor<3x4xf64>, tensor<4xf64>"], "tensor<3x4xf64>"))
    c.append(Case("mul_scalar", {"a": rand(3, 4), "s": rand()},
                  ["%y = dl.mul %a, %s : tensor<3x4xf64>, tensor<f64>"], "tensor<3x4xf64>"))
    c.append(Case("same_operand_twice", {"a": rand(3, 4)},
                  ["%y = dl.mul %a, %a : tensor<3x4xf64>"], "tensor<3x4xf64>"))
    mask = dense(RNG.integers(0, 2, size=(3, 4)).astype(np.bool_))
    c.append(Case("select", {"a": rand(3, 4), "b": rand(4)},
                  [f"%c = dl.constant {mask}",
                   "%y = dl.select %c, %a, %b : tensor<3x4xi1>, tensor<3x4xf64>, tensor<4xf64>"],
                  "tensor<3x4xf64>"))
    c.append(Case("reshape", {"p": rand(3, 4)},
                  ["%y = dl.reshape %p : tensor<3x4xf64> -> tensor<2x6xf64>"], "tensor<2x6xf64>"))
    c.append(Case("transpose", {"p": rand(2, 3, 4)},
                  ["%y = dl.transpose %p perm = [2, 0, 1] : tensor<2x3x4xf64>"],
                  "tensor<4x2x3xf64>"))
    c.append(Case("broadcast_to", {"p": rand(3, 1)},
                  ["%y = dl.broadcast_to %p : tensor<3x1xf64> -> tensor<2x3x4xf64>"],
                  "tensor<2x3x4xf64>"))
    c.append(Case("concat", {"a": rand(2, 3), "b": rand(2, 2)},
                  ["%y = dl.concat %a, %b axis = 1 : tensor<2x3xf64>, tensor<2x2xf64>"],
                  "tensor<2x5xf64>"))
    c.append(Case("slice", {"p": rand(4, 5)},
                  ["%y = dl.slice %p starts = [1, 0] limits = [3, 4] : tensor<4x5xf64>"],
                  "tensor<2x4xf64>"))
    c.append(Case("pad", {"p": rand(2, 3)},
                  ["%y = dl.pad %p low = [1, 0] high = [0, 2] value = 0.5 : tensor<2x3xf64>"],
                  "tensor<3x5xf64>"))
    for op in ("reduce_sum", "reduce_mean", "reduce_max"):
        c.append(Case(op, {"p": rand(3, 4, 5)},
                      [f"%y = dl.{op} %p axes = [0, 2] : tensor<3x4x5xf64>"], "tensor<4xf64>"))
        c.append(Case(op + "_keepdims", {"p": rand(3, 4)},
                      [f"%y = dl.{op} %p axes = [1] keepdims : tensor<3x4xf64>"],
                      "tensor<3x1xf64>"))
    c.append(Case("matmul", {"a": rand(3, 5), "b": rand(5, 4)},
                  ["%y = dl.matmul %a, %b : tensor<3x5xf64>, tensor<5x4xf64>"], "tensor<3x4xf64>"))
    c.append(Case("matmul_transposed", {"a": rand(5, 3), "b": rand(4, 5)},
                  ["%y = dl.matmul %a, %b transpose_a transpose_b : tensor<5x3xf64>, tensor<4x5xf64>"],
                  "tensor<3x4xf64>"))
    c.append(Case("matmul_transpose_a", {"a": rand(5, 3), "b": rand(5, 4)},
                  ["%y = dl.matmul %a, %b transpose_a : tensor<5x3xf64>, tensor<5x4xf64>"],
                  "tensor<3x4xf64>"))
    c.append(Case("matmul_transpose_b", {"a": rand(3, 5), "b": rand(4, 5)},
                  ["%y = dl.matmul %a, %b transpose_b : tensor<3x5xf64>, tensor<4x5xf64>"],
                  "tensor<3x4xf64>"))
    c.append(Case("matmul_batched_broadcast", {"a": rand(2, 3, 5), "b": rand(5, 4)},
                  ["%y = dl.matmul %a, %b : tensor<2x3x5xf64>, tensor<5x4xf64>"],
                  "tensor<2x3x4xf64>"))
    c.append(Case("softmax", {"p": rand(3, 4)},
                  ["%y = dl.softmax %p axis = 0 : tensor<3x4xf64>"], "tensor<3x4xf64>"))
    c.append(Case("log_softmax", {"p": rand(3, 4)},
                  ["%y = dl.log_softmax %p : tensor<3x4xf64>"], "tensor<3x4xf64>"))
    labels = dense(np.array([2, 0, 3, 3, 1], dtype=np.int32))
    c.append(Case("softmax_cross_entropy", {"p": rand(5, 4)},
                  [f"%labels = dl.constant {labels}",
                   "%y = dl.softmax_cross_entropy %p, %labels : tensor<5x4xf64>, tensor<5xi32>"],
                  "tensor<f64>"))
    for reduction in ("mean", "sum", "batch_mean"):
        c.append(Case("mse_loss_" + reduction, {"p": rand(3, 4), "t": rand(3, 4)},
                      [f"%y = dl.mse_loss %p, %t reduction = {reduction} : tensor<3x4xf64>"],
                      "tensor<f64>"))
    # Through f32 the loss is only f32-accurate: a larger step and tolerance.
    c.append(Case("cast_f32_round_trip", {"p": rand(3, 4)},
                  ["%h = dl.cast %p : tensor<3x4xf64> -> tensor<3x4xf32>",
                   "%e = dl.exp %h : tensor<3x4xf32>",
                   "%y = dl.cast %e : tensor<3x4xf32> -> tensor<3x4xf64>"], "tensor<3x4xf64>",
                  eps=1e-2, rtol=1e-3))
    # Convolution and pooling: f64 (the reference loops), then f32 (oneDNN's
    # gradient primitives; f32 losses only allow a coarse difference).
    for dtype, tag, extra in (("f64", "f64", {}), ("f32", "f32", dict(eps=1e-2, rtol=5e-3))):
        def t(shape, tag=tag):
            return "tensor<" + "x".join(str(d) for d in shape) + "x" + tag + ">"

        def params(**shapes):
            out = {k: rand(*v) for k, v in shapes.items()}
            return {k: v.astype(np.float32) if tag == "f32" else v for k, v in out.items()}

        c.append(Case(f"conv2d_{tag}", params(x=(2, 3, 7, 6), w=(4, 3, 3, 2), b=(4,)),
                      [f"%y = dl.conv2d %x, %w, %b padding = [1, 0, 2, 1] : {t((2, 3, 7, 6))}, "
                       f"{t((4, 3, 3, 2))}, {t((4,))}"], t((2, 4, 8, 6)), **extra))
        c.append(Case(f"conv2d_strided_dilated_grouped_{tag}", params(x=(2, 4, 9, 8), w=(6, 2, 3, 2)),
                      ["%y = dl.conv2d %x, %w stride = [2, 1] padding = [1, 1] dilation = [2, 1] "
                       f"groups = 2 : {t((2, 4, 9, 8))}, {t((6, 2, 3, 2))}"], t((2, 6, 4, 9)),
                      **extra))
        c.append(Case(f"conv2d_nhwc_{tag}", params(x=(2, 6, 5, 3), w=(4, 3, 3, 3)),
                      [f"%y = dl.conv2d %x, %w padding = [1, 1] layout = nhwc : {t((2, 6, 5, 3))}, "
                       f"{t((4, 3, 3, 3))}"], t((2, 6, 5, 4)), **extra))
        # Max pooling: distinct values 0.1 apart, so no step of the check
        # changes which element of a window is largest.
        spaced = (RNG.permutation(2 * 3 * 7 * 6) * 0.1 - 12.0).reshape(2, 3, 7, 6)
        c.append(Case(f"max_pool2d_{tag}",
                      {"x": spaced.astype(np.float32 if tag == "f32" else np.float64)},
                      [f"%y = dl.max_pool2d %x kernel = [3, 2] stride = [2, 2] padding = [1, 1] "
                       f": {t((2, 3, 7, 6))}"], t((2, 3, 4, 4)),
                      **(dict(eps=5e-3, rtol=5e-3) if tag == "f32" else {})))
        c.append(Case(f"max_pool2d_nhwc_{tag}",
                      {"x": spaced.transpose(0, 2, 3, 1).astype(
                          np.float32 if tag == "f32" else np.float64)},
                      [f"%y = dl.max_pool2d %x kernel = [3, 2] stride = [2, 2] padding = [1, 1] "
                       f"layout = nhwc : {t((2, 7, 6, 3))}"], t((2, 4, 4, 3)),
                      **(dict(eps=5e-3, rtol=5e-3) if tag == "f32" else {})))
        # ReLU then max pooling: the pool's gradient applies the ReLU mask as
        # it scatters (overlapping, padded windows: the accumulating paths).
        # Values 0.1 apart and 0.05 away from 0, so no step crosses a kink.
        for layout, shape, order in (("", (2, 3, 7, 6), (0, 1, 2, 3)),
                                     (" layout = nhwc", (2, 7, 6, 3), (0, 2, 3, 1))):
            name = f"relu_max_pool2d{'_nhwc' if layout else ''}_{tag}"
            out_shape = (2, 3, 4, 4) if not layout else (2, 4, 4, 3)
            c.append(Case(name,
                          {"x": (spaced + 0.05).transpose(order).astype(
                              np.float32 if tag == "f32" else np.float64)},
                          [f"%r = dl.relu %x : {t(shape)}",
                           f"%y = dl.max_pool2d %r kernel = [3, 2] stride = [2, 2] padding = [1, 1]"
                           f"{layout} : {t(shape)}"], t(out_shape),
                          **(dict(eps=5e-3, rtol=5e-3) if tag == "f32" else {})))
        c.append(Case(f"avg_pool2d_{tag}", params(x=(2, 3, 7, 6)),
                      [f"%y = dl.avg_pool2d %x kernel = [2, 2] padding = [1, 1] : {t((2, 3, 7, 6))}"],
                      t((2, 3, 4, 4)), **extra))
        c.append(Case(f"avg_pool2d_include_pad_nhwc_{tag}", params(x=(2, 7, 6, 3)),
                      ["%y = dl.avg_pool2d %x kernel = [3, 3] stride = [2, 2] padding = [1, 1] "
                       f"count_include_pad layout = nhwc : {t((2, 7, 6, 3))}"], t((2, 4, 3, 3)),
                      **extra))
        # The fashion_cnn pattern: conv, ReLU, max pool, conv. Through the
        # kinks of ReLU and max a coarse f32 difference is meaningless, so
        # the f32 case compares its gradients with the f64 case's (checked
        # against finite differences) at the same parameters.
        if tag == "f64":
            chain = params(x=(2, 1, 8, 8), w1=(4, 1, 3, 3), b1=(4,), w2=(3, 4, 2, 2))
        c.append(Case(f"conv_relu_pool_conv_{tag}",
                      chain if tag == "f64" else {k: v.astype(np.float32) for k, v in chain.items()},
                      [f"%c = dl.conv2d %x, %w1, %b1 padding = [1, 1] : {t((2, 1, 8, 8))}, "
                       f"{t((4, 1, 3, 3))}, {t((4,))}",
                       f"%r = dl.relu %c : {t((2, 4, 8, 8))}",
                       f"%p = dl.max_pool2d %r kernel = [2, 2] : {t((2, 4, 8, 8))}",
                       f"%y = dl.conv2d %p, %w2 : {t((2, 4, 4, 4))}, {t((3, 4, 2, 2))}"],
                      t((2, 3, 3, 3)),
                      **({} if tag == "f64" else dict(twin="conv_relu_pool_conv_f64"))))
    c.append(unary("gelu"))
    c.append(Case("gelu_tanh", {"p": rand(3, 4)}, ["%y = dl.gelu %p approximate : tensor<3x4xf64>"],
                  "tensor<3x4xf64>"))
    c.append(Case("layer_norm", {"x": rand(2, 3, 5), "g": rand(5), "o": rand(5)},
                  ["%y = dl.layer_norm %x, %g, %o epsilon = 1.0e-3 : tensor<2x3x5xf64>, "
                   "tensor<5xf64>"], "tensor<2x3x5xf64>"))
    c.append(Case("layer_norm_two_dims", {"x": rand(2, 3, 5), "g": rand(3, 5), "o": rand(3, 5)},
                  ["%y = dl.layer_norm %x, %g, %o axis = 1 : tensor<2x3x5xf64>, tensor<3x5xf64>"],
                  "tensor<2x3x5xf64>"))
    ids = dense(np.array([[3, 0, 3], [5, 1, 3]], dtype=np.int32))
    c.append(Case("embedding", {"t": rand(6, 4)},
                  [f"%ids = dl.constant {ids}",
                   "%y = dl.embedding %t, %ids : tensor<6x4xf64>, tensor<2x3xi32>"],
                  "tensor<2x3x4xf64>"))
    # Batch norm in inference form (running statistics as state).
    bn = Case("batch_norm_inference", {"x": rand(2, 3, 4, 5), "g": rand(3), "o": rand(3)},
              ["%y = dl.batch_norm %x, %g, %o running = (@mean, @var) epsilon = 1.0e-3 "
               ": tensor<2x3x4x5xf64>, tensor<3xf64>"], "tensor<2x3x4x5xf64>")
    bn.state = {"mean": rand(3), "var": rand(3, low=0.5, high=2.0)}
    c.append(bn)
    # A small network: dense, ReLU, dense, softmax cross-entropy, with one
    # parameter read twice.
    c.append(Case("mlp", {"w1": rand(6, 5), "b1": rand(5), "w2": rand(5, 3), "x": rand(4, 6)},
                  ["%h = dl.matmul %x, %w1 : tensor<4x6xf64>, tensor<6x5xf64>",
                   "%hb = dl.add %h, %b1 : tensor<4x5xf64>, tensor<5xf64>",
                   "%a = dl.relu %hb : tensor<4x5xf64>",
                   "%o = dl.matmul %a, %w2 : tensor<4x5xf64>, tensor<5x3xf64>",
                   "%w1again = dl.param.get @w1 : tensor<6x5xf64>",
                   "%sq = dl.mul %w1again, %w1again : tensor<6x5xf64>",
                   "%reg = dl.reduce_sum %sq axes = [0, 1] : tensor<6x5xf64>",
                   f"%labels = dl.constant {dense(np.array([0, 2, 1, 2], dtype=np.int32))}",
                   "%ce = dl.softmax_cross_entropy %o, %labels : tensor<4x3xf64>, tensor<4xi32>",
                   "%y = dl.add %ce, %reg : tensor<f64>"], "tensor<f64>"))
    # Slices that split a tensor (attention's q, k, v): their gradients are
    # joined by a concat (dl-autodiff); with a gap, the concat is padded.
    # (Last, so that the cases above keep their random draws.)
    c.append(Case("slice_split", {"p": rand(4, 6)},
                  ["%q = dl.slice %p starts = [0, 0] limits = [4, 2] : tensor<4x6xf64>",
                   "%k = dl.slice %p starts = [0, 2] limits = [4, 4] : tensor<4x6xf64>",
                   "%v = dl.slice %p starts = [0, 4] limits = [4, 6] : tensor<4x6xf64>",
                   "%qk = dl.mul %q, %k : tensor<4x2xf64>, tensor<4x2xf64>",
                   "%e = dl.exp %v : tensor<4x2xf64>",
                   "%y = dl.add %qk, %e : tensor<4x2xf64>, tensor<4x2xf64>"], "tensor<4x2xf64>"))
    c.append(Case("slice_split_gap", {"p": rand(6, 3)},
                  ["%a = dl.slice %p starts = [1, 0] limits = [2, 3] : tensor<6x3xf64>",
                   "%b = dl.slice %p starts = [2, 0] limits = [4, 3] : tensor<6x3xf64>",
                   "%bb = dl.reduce_sum %b axes = [0] keepdims : tensor<2x3xf64>",
                   "%y = dl.mul %a, %bb : tensor<1x3xf64>, tensor<1x3xf64>"], "tensor<1x3xf64>"))
    return c


def loss_at(args, d, fb, params, tag, state, device):
    path = os.path.join(d, f"params_{tag}.safetensors")
    safetensors_io.write(path, {**params, **state})
    out = os.path.join(d, f"loss_{tag}.npy")
    run([os.path.join(args.bin, "dlrun"), fb, "--entry", "loss", "--params", path,
         "--output", out, *device])
    return float(np.load(out))


def check(args, case):
    d = os.path.join(args.workdir, case.name)
    os.makedirs(d, exist_ok=True)
    model, fb = os.path.join(d, "model.mlir"), os.path.join(d, "model.fb")
    with open(model, "w") as f:
        f.write(case.model())
    run([os.path.join(args.bin, "dlc"), "compile", "--gradients", model, "-o", fb])
    device = (["--device", cuda_form(args.bin, model, d, extra=["--gradients"],
                                     form=args.cuda_form)]
              if args.cuda_form else [])
    out = os.path.join(d, "grads") + "/"
    os.makedirs(out, exist_ok=True)
    run([os.path.join(args.bin, "dlrun"), fb, "--entry", "loss_grad", "--output", out, *device])
    grads = {name: np.load(os.path.join(out, name + ".grad.npy")) for name in case.params}
    for name, g in grads.items():
        if g.shape != case.params[name].shape or g.dtype != case.params[name].dtype:
            raise AssertionError(f"gradient of {name} is {g.dtype}{g.shape}")
    if case.twin:
        twin = os.path.join(args.workdir, case.twin, "grads")
        worst = 0.0
        for name, g in grads.items():
            want = np.load(os.path.join(twin, name + ".grad.npy"))
            np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-4 * np.abs(want).max(),
                                       err_msg=f"gradient of {name} against {case.twin}")
            worst = max(worst, float(np.abs(g - want).max() / np.abs(want).max()))
        return worst
    worst = 0.0
    for k in range(DIRECTIONS):
        v = {name: RNG.standard_normal(p.shape) for name, p in case.params.items()}
        plus = {n: (p + case.eps * v[n]).astype(p.dtype) for n, p in case.params.items()}
        minus = {n: (p - case.eps * v[n]).astype(p.dtype) for n, p in case.params.items()}
        fd = (loss_at(args, d, fb, plus, f"{k}p", case.state, device) -
              loss_at(args, d, fb, minus, f"{k}m", case.state, device)) / (2 * case.eps)
        # The step actually taken (rounded to the parameter's precision).
        analytic = sum(float(np.sum(grads[n] * (plus[n].astype(np.float64) -
                                                minus[n].astype(np.float64)))) / (2 * case.eps)
                       for n in case.params)
        error = abs(fd - analytic)
        worst = max(worst, error / max(abs(fd), 1.0))
        if error > case.rtol * abs(fd) + ATOL:
            raise AssertionError(f"direction {k}: finite difference {fd!r}, gradient {analytic!r}")
    return worst


def main():
    args = case_arguments()
    return run_cases(cases(), args.only,
                     lambda case: f" (worst relative error {check(args, case):.1e})")


if __name__ == "__main__":
    sys.exit(main())
