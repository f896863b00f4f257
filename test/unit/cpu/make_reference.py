#!/usr/bin/python3
"""Reference values for the CPU backend's unit tests, computed with NumPy.

Run with Debian's Python and NumPy (apt-get install -y python3-numpy):

    /usr/bin/python3 test/unit/cpu/make_reference.py

It rewrites reference/cases.json and reference/arrays.bin next to this file;
both are committed, so the tests need no Python. Every case is one command:

    {"name": "matmul_f32_bias_relu", "op": "matmul", "attrs": {...},
     "inputs":   {"a": ARRAY, ...},    # buffers filled before the run
     "expected": {"c": ARRAY, ...}}    # buffers compared after it

where ARRAY = {"dtype": "f32", "shape": [37, 53], "offset": ..., "size": ...}
locates little-endian row-major bytes in arrays.bin (bf16 as its 16 bits).
A name in both maps is a buffer the command updates in place.

References are computed independently of the runtime's algorithms: in
float64 and rounded once at the end, except the kernel programs, which are
evaluated in their compute type as the instruction set defines.
"""

import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reference"))
from philox import dropout_mask  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference")
rng = np.random.default_rng(20240611)
cases = []
blob = bytearray()


class BF16:
    """A bfloat16 array, held as its bit patterns."""

    def __init__(self, bits):
        self.bits = np.asarray(bits, dtype=np.uint16)


DTYPES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
          np.dtype(np.float16): "f16", np.dtype(np.int64): "i64",
          np.dtype(np.int32): "i32", np.dtype(np.uint8): "ui8",
          np.dtype(np.bool_): "i1"}
NUMPY = {name: dtype for dtype, name in DTYPES.items()}


def store(array):
    if isinstance(array, BF16):
        dtype, data = "bf16", array.bits
    else:
        data = np.asarray(array)
        dtype = DTYPES[data.dtype]
    raw = np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<")).tobytes()
    while len(blob) % 8:
        blob.append(0)
    entry = {"dtype": dtype, "shape": list(data.shape), "offset": len(blob), "size": len(raw)}
    blob.extend(raw)
    return entry


def add(name, op, attrs, inputs, expected):
    cases.append({"name": name, "op": op, "attrs": attrs,
                  "inputs": {k: store(v) for k, v in inputs.items()},
                  "expected": {k: store(v) for k, v in expected.items()}})


def uniform(shape, dtype, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(dtype)


FLOATS = [("f32", np.float32), ("f64", np.float64)]

# ---------------------------------------------------------------------------
# bf16 by exact rounding: the significand (8 bits) rounded half to even.


def to_bf16(x):
    x = np.asarray(x, dtype=np.float64)
    mantissa, exponent = np.frexp(x)
    rounded = np.ldexp(np.rint(np.ldexp(mantissa, 8)), exponent - 8)
    bits = rounded.astype(np.float32).view(np.uint32) >> 16
    bits = np.where(np.isnan(x), 0x7FC0, bits)
    return BF16(bits.astype(np.uint16))


def from_bf16(bits):
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32)


# ---------------------------------------------------------------------------
# matmul: c = relu?(op(a) @ op(b) + bias)


def matmul_cases():
    shapes = [  # (a stored, b stored, transpose_a, transpose_b, bias shape, relu)
        ("bias_relu", (37, 53), (53, 29), False, False, (29,), True),
        ("transposed", (53, 37), (29, 53), True, True, None, False),
        ("batch_broadcast", (3, 1, 17, 9), (4, 9, 11), False, False, (4, 1, 11), False),
        ("batch_transposed", (5, 13, 7), (5, 19, 13), True, True, (19,), True),
        ("odd_blocks", (41, 131), (131, 45), False, False, (1, 45), False),
        ("vector_rows", (1, 300), (300, 3), False, False, (3,), True),
    ]
    for dname, dtype in FLOATS:
        for label, ashape, bshape, ta, tb, bias_shape, relu in shapes:
            a, b = uniform(ashape, dtype), uniform(bshape, dtype)
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            if ta:
                a64 = np.swapaxes(a64, -1, -2)
            if tb:
                b64 = np.swapaxes(b64, -1, -2)
            c = np.matmul(a64, b64)
            inputs = {"a": a, "b": b}
            if bias_shape:
                bias = uniform(bias_shape, dtype)
                inputs["bias"] = bias
                c = c + bias
            if relu:
                c = np.maximum(c, 0)
            add(f"matmul_{dname}_{label}", "matmul",
                {"transpose_a": ta, "transpose_b": tb, "relu": relu}, inputs,
                {"c": c.astype(dtype)})


# ---------------------------------------------------------------------------
# conv2d, NCHW / OIHW


def conv2d_ref(x, w, bias, stride, pad, dil, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad[0], pad[2]), (pad[1], pad[3])))
    oh = (h + pad[0] + pad[2] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + pad[1] + pad[3] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        xg = xp[:, g * cg:(g + 1) * cg]
        wg = w[g * og:(g + 1) * og].astype(np.float64)
        for ky in range(kh):
            for kx in range(kw):
                y0, x0 = ky * dil[0], kx * dil[1]
                patch = xg[:, :, y0:y0 + stride[0] * (oh - 1) + 1:stride[0],
                           x0:x0 + stride[1] * (ow - 1) + 1:stride[1]]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, wg[:, :, ky, kx])
    if bias is not None:
        out += bias.astype(np.float64)[None, :, None, None]
    return out


def conv_cases():
    configs = [  # (label, x, w, bias, stride, padding, dilation, groups, relu)
        ("same_bias_relu", (2, 3, 11, 13), (5, 3, 3, 3), True, [1, 1], [1, 1, 1, 1], [1, 1], 1,
         True),
        ("strided_dilated", (3, 4, 15, 9), (6, 4, 3, 2), False, [2, 2], [0, 1, 2, 1], [2, 1], 1,
         False),
        ("grouped", (2, 6, 9, 10), (4, 3, 3, 3), True, [1, 2], [1, 1, 1, 1], [1, 1], 2, False),
        ("depthwise", (1, 4, 7, 7), (4, 1, 3, 3), False, [1, 1], [0, 0, 0, 0], [1, 1], 4, True),
        ("pointwise", (4, 8, 5, 5), (16, 8, 1, 1), True, [1, 1], [0, 0, 0, 0], [1, 1], 1, True),
    ]
    for dname, dtype in FLOATS:
        for label, xs, ws, has_bias, stride, pad, dil, groups, relu in configs:
            x, w = uniform(xs, dtype), uniform(ws, dtype)
            inputs = {"input": x, "filter": w}
            bias = None
            if has_bias:
                bias = uniform((ws[0],), dtype)
                inputs["bias"] = bias
            y = conv2d_ref(x, w, bias, stride, pad, dil, groups)
            if relu:
                y = np.maximum(y, 0)
            add(f"conv2d_{dname}_{label}", "conv2d",
                {"stride": stride, "padding": pad, "dilation": dil, "groups": groups,
                 "relu": relu}, inputs, {"output": y.astype(dtype)})


# ---------------------------------------------------------------------------
# pool2d


def pool_ref(x, kind, kernel, stride, pad):
    n, c, h, w = x.shape
    oh = (h + pad[0] + pad[2] - kernel[0]) // stride[0] + 1
    ow = (w + pad[1] + pad[3] - kernel[1]) // stride[1] + 1
    out = np.zeros((n, c, oh, ow))
    x = x.astype(np.float64)
    for i in range(oh):
        for j in range(ow):
            y0, x0 = i * stride[0] - pad[0], j * stride[1] - pad[1]
            window = x[:, :, max(y0, 0):min(y0 + kernel[0], h), max(x0, 0):min(x0 + kernel[1], w)]
            if kind == "max":
                out[:, :, i, j] = window.max(axis=(2, 3))
            elif kind == "avg":
                out[:, :, i, j] = window.mean(axis=(2, 3))
            else:
                out[:, :, i, j] = window.sum(axis=(2, 3)) / (kernel[0] * kernel[1])
    return out


def pool_cases():
    configs = [  # (label, kind, x, kernel, stride, padding)
        ("max_2x2", "max", (2, 3, 10, 11), [2, 2], [2, 2], [0, 0, 0, 0]),
        ("max_padded", "max", (2, 2, 9, 8), [3, 3], [2, 2], [1, 1, 1, 1]),
        ("avg_exclude_pad", "avg", (1, 3, 8, 9), [3, 3], [2, 1], [1, 0, 1, 2]),
        ("avg_include_pad", "avg_include_pad", (1, 3, 8, 9), [3, 3], [2, 1], [1, 0, 1, 2]),
        ("avg_overlapping", "avg", (3, 2, 7, 6), [3, 2], [1, 2], [0, 0, 0, 0]),
    ]
    for dname, dtype in FLOATS:
        for label, kind, xs, kernel, stride, pad in configs:
            x = uniform(xs, dtype)
            add(f"pool2d_{dname}_{label}", "pool2d",
                {"kind": kind, "kernel": kernel, "stride": stride, "padding": pad},
                {"input": x}, {"output": pool_ref(x, kind, kernel, stride, pad).astype(dtype)})


# ---------------------------------------------------------------------------
# reduce, argmax


def reduce_ref(x, kind, axes):
    axes = tuple(axes)
    if x.dtype.kind == "f":
        wide = x.astype(np.float64)
        r = {"sum": np.sum, "mean": np.mean, "max": np.max}[kind](wide, axis=axes)
    else:
        r = np.sum(x.astype(np.int64), axis=axes) if kind == "sum" else np.max(x, axis=axes)
    return np.asarray(r).astype(x.dtype)


def reduce_cases():
    configs = [  # (label, shape, axes)
        ("middle", (7, 13, 5), [1]),
        ("rows", (7, 13, 5), [2]),
        ("outer_and_inner", (7, 13, 5), [0, 2]),
        ("unit_dims", (6, 1, 9), [0, 1]),
        ("nothing", (4, 5), []),
        ("everything", (3, 4, 5), [0, 1, 2]),
    ]
    for dname, dtype in FLOATS:
        for kind in ["sum", "mean", "max"]:
            for label, shape, axes in configs:
                x = uniform(shape, dtype)
                add(f"reduce_{kind}_{dname}_{label}", "reduce", {"kind": kind, "axes": axes},
                    {"input": x}, {"output": reduce_ref(x, kind, axes)})
    # Big enough for the parallel path, and more than one block of columns.
    x = uniform((63, 263), np.float32)
    add("reduce_sum_f32_columns_parallel", "reduce", {"kind": "sum", "axes": [0]}, {"input": x},
        {"output": reduce_ref(x, "sum", [0])})
    x = uniform((4, 6), np.float32)
    x[2, 3] = np.nan
    add("reduce_max_f32_nan", "reduce", {"kind": "max", "axes": [1]}, {"input": x},
        {"output": reduce_ref(x, "max", [1])})
    ints = [  # (label, dtype, kind, shape, axes, low, high)
        ("i32_sum_rows", np.int32, "sum", (9, 1031), [1], -1000, 1000),
        ("i64_sum_outer", np.int64, "sum", (5, 7, 3), [0, 2], -(2 ** 40), 2 ** 40),
        ("i64_max_columns", np.int64, "max", (11, 6), [0], -(2 ** 62), 2 ** 62),
        ("i32_max_middle", np.int32, "max", (4, 9, 3), [1], -(2 ** 31), 2 ** 31 - 1),
        ("ui8_max_rows", np.uint8, "max", (5, 17), [1], 0, 255),
        ("ui8_sum_rows", np.uint8, "sum", (5, 7), [1], 0, 30),
    ]
    for label, dtype, kind, shape, axes, low, high in ints:
        x = rng.integers(low, high, size=shape, endpoint=True).astype(dtype)
        add(f"reduce_{kind}_{label}", "reduce", {"kind": kind, "axes": axes}, {"input": x},
            {"output": reduce_ref(x, kind, axes)})


def argmax_cases():
    ties = rng.integers(0, 4, size=(7, 10)).astype(np.float32)  # many ties
    nan = uniform((3, 5), np.float32)
    nan[1, 2] = np.nan
    configs = [  # (label, input, axis, index dtype)
        ("f32_ties", ties, 1, np.int32),
        ("f64_middle", uniform((4, 9, 6), np.float64), 1, np.int64),
        ("i32_columns", rng.integers(-5, 5, size=(5, 8)).astype(np.int32), 0, np.int64),
        ("ui8_rows", rng.integers(0, 255, size=(6, 33)).astype(np.uint8), 1, np.int32),
        ("f32_nan", nan, 1, np.int32),
        ("f32_parallel", uniform((17, 1000), np.float32), 1, np.int64),
    ]
    for label, x, axis, index in configs:
        add(f"argmax_{label}", "argmax", {"axis": axis}, {"input": x},
            {"output": np.argmax(x, axis=axis).astype(index)})


# ---------------------------------------------------------------------------
# transpose, concat, slice, pad, copy


def any_array(shape, dtype):
    if dtype == "bf16":
        return to_bf16(rng.uniform(-4, 4, size=shape))
    np_dtype = NUMPY[dtype]
    if np_dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.dtype(np_dtype).kind in "iu":
        info = np.iinfo(np_dtype)
        return rng.integers(max(info.min, -(2 ** 40)), min(info.max, 2 ** 40), size=shape,
                            endpoint=True).astype(np_dtype)
    return uniform(shape, np_dtype, -4, 4)


def raw(a):
    return a.bits if isinstance(a, BF16) else a


def wrap(a, like):
    return BF16(a) if isinstance(like, BF16) else a


def shape_cases():
    transposes = [  # (dtype, shape, perm)
        ("f32", (3, 4, 5), [2, 0, 1]), ("f64", (2, 3, 4, 5), [0, 2, 1, 3]),
        ("i64", (6, 7), [1, 0]), ("ui8", (3, 5, 7), [1, 2, 0]), ("i1", (4, 3), [1, 0]),
        ("f16", (2, 3, 4), [2, 1, 0]), ("bf16", (5, 3), [1, 0]), ("f32", (29, 571), [1, 0]),
        ("i32", (2, 1, 3, 1, 4), [4, 3, 2, 1, 0]),
    ]
    for i, (dtype, shape, perm) in enumerate(transposes):
        x = any_array(shape, dtype)
        add(f"transpose_{dtype}_{i}", "transpose", {"perm": perm}, {"input": x},
            {"output": wrap(np.ascontiguousarray(np.transpose(raw(x), perm)), x)})

    concats = [  # (dtype, shapes, axis)
        ("f32", [(3, 4), (3, 2), (3, 5)], 1), ("i32", [(2, 3, 4), (5, 3, 4)], 0),
        ("f64", [(2, 3, 1), (2, 3, 6)], 2), ("i1", [(3,), (1,), (4,)], 0),
        ("f16", [(2, 2, 3), (2, 1, 3)], 1),
    ]
    for i, (dtype, shapes, axis) in enumerate(concats):
        parts = [any_array(s, dtype) for s in shapes]
        inputs = {f"input{j}": p for j, p in enumerate(parts)}
        add(f"concat_{dtype}_{i}", "concat", {"axis": axis, "count": len(parts)}, inputs,
            {"output": wrap(np.concatenate([raw(p) for p in parts], axis=axis), parts[0])})

    slices = [  # (dtype, shape, starts, strides, output shape)
        ("f32", (7, 9), [1, 2], [2, 3], (3, 3)),
        ("f64", (5, 6, 7), [4, 0, 1], [-1, 2, 1], (3, 3, 6)),
        ("i64", (10,), [9], [-3], (4,)),
        ("ui8", (4, 5, 6), [1, 1, 1], [1, 1, 1], (2, 3, 4)),
        ("bf16", (6, 4), [5, 3], [-2, -1], (3, 4)),
    ]
    for i, (dtype, shape, starts, strides, out_shape) in enumerate(slices):
        x = any_array(shape, dtype)
        index = tuple(slice(s, s + st * n if s + st * n >= 0 else None, st)
                      for s, st, n in zip(starts, strides, out_shape))
        y = np.ascontiguousarray(raw(x)[index])
        assert y.shape == out_shape, (y.shape, out_shape)
        add(f"slice_{dtype}_{i}", "slice", {"starts": starts, "strides": strides}, {"input": x},
            {"output": wrap(y, x)})

    pads = [  # (dtype, shape, low, high, value)
        ("f32", (3, 4), [1, 2], [2, 1], -1.5), ("f64", (2, 3, 4), [0, 1, 2], [1, 1, 1], 0.25),
        ("i32", (5,), [2], [2], 7.9), ("ui8", (2, 3), [1, 0], [0, 2], 200.0),
        ("i1", (2, 2), [1, 1], [1, 1], 1.0), ("f16", (3,), [1], [1], 0.1),
        ("bf16", (2,), [0], [3], -2.5), ("i64", (2, 2), [0, 0], [0, 0], 3.0),
    ]
    for i, (dtype, shape, low, high, value) in enumerate(pads):
        x = any_array(shape, dtype)
        if dtype == "bf16":
            fill = to_bf16(value).bits
        elif dtype == "i1":
            fill = value != 0
        elif dtype in ("f16", "f32", "f64"):
            fill = NUMPY[dtype].type(value)
        else:
            fill = np.trunc(value).astype(NUMPY[dtype])
        y = np.pad(raw(x), list(zip(low, high)), constant_values=fill)
        add(f"pad_{dtype}_{i}", "pad", {"low": low, "value": value}, {"input": x},
            {"output": wrap(y, x)})

    x = any_array((3, 4), "f32")
    add("copy_f32_reshape", "copy", {}, {"source": x}, {"dest": x.reshape(12)})
    x = any_array((2, 3, 5), "i64")
    add("copy_i64_reshape", "copy", {}, {"source": x}, {"dest": x.reshape(6, 5)})


# ---------------------------------------------------------------------------
# softmax, batch_norm, layer_norm, embedding, dropout


def softmax_cases():
    configs = [  # (label, shape, axis, log, scale, shift)
        ("rows", (7, 10), 1, False, 3, 0),
        ("middle_axis", (3, 5, 4), 1, False, 3, 0),
        ("large_values", (4, 100), 1, False, 30, 500),
        ("log_rows", (2, 3, 17), 2, True, 3, 0),
        ("log_first_axis", (6, 5), 0, True, 30, -800),
    ]
    for dname, dtype in FLOATS:
        for label, shape, axis, log, scale, shift in configs:
            x = (uniform(shape, np.float64) * scale + shift).astype(dtype)
            w = x.astype(np.float64)
            shifted = w - w.max(axis=axis, keepdims=True)
            lse = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
            y = shifted - lse if log else np.exp(shifted - lse)
            add(f"softmax_{dname}_{label}", "softmax", {"axis": axis, "log": log},
                {"input": x}, {"output": y.astype(dtype)})
    x = uniform((17, 1000), np.float32) * 5  # the parallel path
    w = x.astype(np.float64)
    e = np.exp(w - w.max(axis=1, keepdims=True))
    add("softmax_f32_parallel", "softmax", {"axis": 1, "log": False}, {"input": x},
        {"output": (e / e.sum(axis=1, keepdims=True)).astype(np.float32)})


def batch_norm_cases():
    configs = [("inference", (4, 3, 5, 6), False), ("training", (8, 4, 3, 3), True),
               ("training_rank2", (16, 5), True), ("inference_rank3", (3, 7, 11), False),
               ("training_parallel", (16, 16, 8, 8), True)]
    eps, momentum = 1e-5, 0.1
    for dname, dtype in FLOATS:
        for label, shape, training in configs:
            if label.endswith("parallel") and dname == "f64":
                continue
            c = shape[1]
            x = uniform(shape, dtype, -2, 3)
            scale, offset = uniform((c,), dtype, 0.5, 1.5), uniform((c,), dtype)
            mean, var = uniform((c,), dtype), uniform((c,), dtype, 0.5, 2)
            axes = tuple(i for i in range(len(shape)) if i != 1)
            bshape = [1, c] + [1] * (len(shape) - 2)
            w = x.astype(np.float64)
            if training:
                m, v = w.mean(axis=axes), w.var(axis=axes)
                count = w.size // c
                new_mean = (1 - momentum) * mean + momentum * m
                new_var = (1 - momentum) * var + momentum * v * count / (count - 1)
            else:
                m, v = mean.astype(np.float64), var.astype(np.float64)
            y = (w - m.reshape(bshape)) / np.sqrt(v.reshape(bshape) + eps)
            y = y * scale.reshape(bshape) + offset.reshape(bshape)
            expected = {"output": y.astype(dtype)}
            if training:
                expected["mean"] = new_mean.astype(dtype)
                expected["variance"] = new_var.astype(dtype)
            add(f"batch_norm_{dname}_{label}", "batch_norm",
                {"epsilon": eps, "momentum": momentum, "training": training},
                {"input": x, "scale": scale, "offset": offset, "mean": mean, "variance": var},
                expected)


def layer_norm_cases():
    configs = [("last", (6, 33), 1), ("two_dims", (3, 4, 10), 1), ("rank4", (2, 3, 5, 7), 3),
               ("parallel", (5, 3299), 1)]
    eps = 1e-5
    for dname, dtype in FLOATS:
        for label, shape, axis in configs:
            if label == "parallel" and dname == "f64":
                continue
            x = uniform(shape, dtype, -3, 5)
            scale, offset = uniform(shape[axis:], dtype, 0.5, 1.5), uniform(shape[axis:], dtype)
            axes = tuple(range(axis, len(shape)))
            w = x.astype(np.float64)
            m, v = w.mean(axis=axes, keepdims=True), w.var(axis=axes, keepdims=True)
            y = (w - m) / np.sqrt(v + eps) * scale + offset
            add(f"layer_norm_{dname}_{label}", "layer_norm", {"axis": axis, "epsilon": eps},
                {"input": x, "scale": scale, "offset": offset}, {"output": y.astype(dtype)})


def embedding_cases():
    configs = [("f32", (11, 7), np.int32, (3, 4)), ("f64", (5, 3), np.int64, (6,)),
               ("f32", (4, 9), np.int64, ()), ("f32", (50, 64), np.int32, (16, 10))]
    for i, (dname, table_shape, index, indices_shape) in enumerate(configs):
        table = uniform(table_shape, NUMPY[dname])
        indices = rng.integers(0, table_shape[0], size=indices_shape).astype(index)
        add(f"embedding_{dname}_{i}", "embedding", {}, {"table": table, "indices": indices},
            {"output": table[indices]})


def dropout_cases():
    configs = [("f32", (13, 37), 0.3, 42, 5, True),
               ("f64", (1001,), 0.5, 2 ** 40 + 3, 2 ** 33 + 1, True),
               ("f32", (7, 5), 0.5, 9, 3, False), ("f64", (4, 4), 0.0, 1, 1, True),
               ("f32", (3, 3), 1.0, 1, 1, True), ("f32", (65, 257), 0.1, 7, 123456, True)]
    for i, (dname, shape, rate, seed, step, training) in enumerate(configs):
        dtype = NUMPY[dname].type
        x = uniform(shape, dtype)
        y = x
        if training:
            keep = dropout_mask(x.size, rate, seed, step).reshape(shape)
            scale = dtype(1 / (1 - rate)) if rate < 1 else dtype(0)
            y = np.where(keep, x * scale, dtype(0)).astype(dtype)
        add(f"dropout_{dname}_{i}", "dropout",
            {"rate": rate, "seed": seed, "step": step, "training": training},
            {"input": x}, {"output": y})


# ---------------------------------------------------------------------------
# softmax_cross_entropy, mse_loss, accuracy


def loss_cases():
    configs = [("f32", (16, 10), np.int32, 3), ("f64", (7, 3), np.int64, 3),
               ("f32", (5, 1000), np.int64, 40), ("f32", (83, 200), np.int32, 5)]
    for i, (dname, shape, index, scale) in enumerate(configs):
        logits = (uniform(shape, np.float64) * scale).astype(NUMPY[dname])
        labels = rng.integers(0, shape[1], size=shape[0]).astype(index)
        w = logits.astype(np.float64)
        mx = w.max(axis=1, keepdims=True)
        lse = (mx + np.log(np.exp(w - mx).sum(axis=1, keepdims=True)))[:, 0]
        loss = np.mean(lse - w[np.arange(shape[0]), labels])
        add(f"softmax_cross_entropy_{dname}_{i}", "softmax_cross_entropy", {},
            {"logits": logits, "labels": labels}, {"output": np.array(loss, dtype=NUMPY[dname])})

    mse = [("f32", (8, 5), "mean"), ("f64", (4, 3, 2), "sum"), ("f32", (6, 7), "batch_mean"),
           ("f32", (65, 257), "mean")]
    for i, (dname, shape, reduction) in enumerate(mse):
        p, t = uniform(shape, NUMPY[dname]), uniform(shape, NUMPY[dname])
        sq = (p.astype(np.float64) - t.astype(np.float64)) ** 2
        value = {"mean": sq.mean(), "sum": sq.sum(), "batch_mean": sq.sum() / shape[0]}[reduction]
        add(f"mse_loss_{dname}_{i}", "mse_loss", {"reduction": reduction},
            {"prediction": p, "target": t}, {"output": np.array(value, dtype=NUMPY[dname])})

    accuracy = [("f32", (12, 5), np.int32, "f32"), ("f64", (9, 4), np.int64, "f64"),
                ("f32", (64, 10), np.int64, "f32")]
    for i, (dname, shape, index, out) in enumerate(accuracy):
        logits = rng.integers(0, 3, size=shape).astype(NUMPY[dname])  # ties: the first wins
        first_max = np.argmax(logits, axis=1)
        labels = rng.integers(0, shape[1], size=shape[0]).astype(index)
        labels[::2] = first_max[::2]  # about half right
        value = np.mean(first_max == labels)
        add(f"accuracy_{dname}_{i}", "accuracy", {}, {"logits": logits, "labels": labels},
            {"output": np.array(value, dtype=NUMPY[out])})


# ---------------------------------------------------------------------------
# Launch: kernel programs, evaluated in their compute type.


def erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def normal_cdf(x):
    """Phi(x) in float64, through erfc so that the negative tail keeps its
    relative accuracy (1 + erf cancels there)."""
    return 0.5 * np.vectorize(math.erfc, otypes=[np.float64])(-x / math.sqrt(2))


def round_through(x, dtype, ct):
    """x (compute type ct) stored as dtype, and the stored value as seen by
    the next load (for bf16, its bits)."""
    if dtype in ("f32", "f64"):
        return x.astype(NUMPY[dtype])
    if dtype == "f16":
        with np.errstate(over="ignore"):  # out of range is inf, as intended
            return x.astype(np.float16)
    if dtype == "bf16":
        return to_bf16(x)
    if dtype == "i1":
        return x != 0
    # Truncation toward zero, saturating at the integer's range, NaN to 0.
    info = np.iinfo(NUMPY[dtype])
    t = np.nan_to_num(np.trunc(np.asarray(x, dtype=np.float64)), nan=0.0)
    high, low = t >= float(info.max), t <= float(info.min)
    out = np.zeros(t.shape, dtype=NUMPY[dtype])
    middle = ~high & ~low
    out[middle] = t[middle].astype(NUMPY[dtype])
    out[high], out[low] = info.max, info.min
    return out


def load_as(value, ct):
    if isinstance(value, BF16):
        return from_bf16(value.bits).astype(ct)
    return np.asarray(value).astype(ct)


def run_kernel(shape, ct, instructions, inputs):
    values = []
    for ins in instructions:
        op = ins["op"]
        operands = [values[i] for i in ins.get("operands", [])]
        a, b, c = operands + [None] * (3 - len(operands))
        with np.errstate(all="ignore"):
            if op == "Load":
                v = np.broadcast_to(load_as(inputs[ins["index"]], ct), shape)
            elif op == "Constant":
                v = np.full(shape, ins["value"], dtype=ct)
            elif op == "Cast":
                v = load_as(round_through(a, ins["dtype"], ct), ct)
            elif op == "Gelu":
                w = a.astype(np.float64)
                v = (w * normal_cdf(w)).astype(ct)
            elif op == "GeluTanh":
                w = a.astype(np.float64)
                inner = math.sqrt(2 / math.pi) * (w + 0.044715 * w ** 3)
                v = (0.5 * w * (1 + np.tanh(inner))).astype(ct)
            elif op == "GeluGrad":  # dy * (Phi(x) + x phi(x))
                w = a.astype(np.float64)
                slope = normal_cdf(w) + w * np.exp(-0.5 * w * w) / math.sqrt(2 * math.pi)
                v = (b.astype(np.float64) * slope).astype(ct)
            elif op == "GeluTanhGrad":
                # 1 + t and 1 - t^2 from e^(-2|u|), which do not cancel in the tail
                w, k, c3 = a.astype(np.float64), math.sqrt(2 / math.pi), 0.044715
                u = k * (w + c3 * w ** 3)
                e = np.exp(-2 * np.abs(u))
                one_plus_t = np.where(u < 0, 2 * e, 2.0) / (1 + e)
                one_minus_t2 = 4 * e / (1 + e) ** 2
                slope = 0.5 * one_plus_t + 0.5 * w * one_minus_t2 * k * (1 + 3 * c3 * w * w)
                v = (b.astype(np.float64) * slope).astype(ct)
            elif op == "Select":
                v = np.where(a != 0, b, c)
            else:
                v = {
                    "Neg": lambda: -a, "Abs": lambda: np.abs(a), "Exp": lambda: np.exp(a),
                    "Log": lambda: np.log(a), "Sqrt": lambda: np.sqrt(a),
                    "Rsqrt": lambda: ct(1) / np.sqrt(a), "Tanh": lambda: np.tanh(a),
                    "Sigmoid": lambda: ct(1) / (ct(1) + np.exp(-a)),
                    "Relu": lambda: np.maximum(a, ct(0)),
                    "Add": lambda: a + b, "Sub": lambda: a - b, "Mul": lambda: a * b,
                    "Div": lambda: a / b, "Pow": lambda: np.power(a, b),
                    "Maximum": lambda: np.maximum(a, b), "Minimum": lambda: np.minimum(a, b),
                    "CmpEq": lambda: (a == b).astype(ct), "CmpNe": lambda: (a != b).astype(ct),
                    "CmpLt": lambda: (a < b).astype(ct), "CmpLe": lambda: (a <= b).astype(ct),
                    "CmpGt": lambda: (a > b).astype(ct), "CmpGe": lambda: (a >= b).astype(ct),
                }[op]()
        values.append(np.asarray(v, dtype=ct))
    return values


def add_kernel(name, shape, ct_name, instructions, results, out_dtypes, inputs):
    ct = NUMPY[ct_name].type
    values = run_kernel(shape, ct, instructions, inputs)
    expected = {f"out{j}": round_through(np.broadcast_to(values[r], shape), out_dtypes[j], ct)
                for j, r in enumerate(results)}
    add(name, "kernel",
        {"shape": list(shape), "compute_type": ct_name, "instructions": instructions,
         "results": results},
        {f"in{j}": x for j, x in enumerate(inputs)}, expected)


def L(index):
    return {"op": "Load", "index": index}


def K(value):
    return {"op": "Constant", "value": value}


def I(op, *operands, **extra):
    return dict({"op": op, "operands": list(operands)}, **extra)


UNARY = ["Neg", "Abs", "Exp", "Log", "Sqrt", "Rsqrt", "Tanh", "Sigmoid", "Relu", "Gelu", "GeluTanh"]
BINARY = ["Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum",
          "CmpEq", "CmpNe", "CmpLt", "CmpLe", "CmpGt", "CmpGe"]


def kernel_cases():
    for ct_name, ct in FLOATS:
        # relu(x + bias) * 0.5: a row-broadcast bias, as a matmul epilogue.
        add_kernel(f"kernel_{ct_name}_bias_relu_scale", (37, 129), ct_name,
                   [L(0), L(1), I("Add", 0, 1), I("Relu", 2), K(0.5), I("Mul", 3, 4)], [5],
                   [ct_name], [uniform((37, 129), ct), uniform((129,), ct)])
        # Every unary op on one input; log / sqrt / rsqrt on |x| + 0.25.
        x = uniform((3, 347), ct, -3, 3)
        ins = [L(0), I("Abs", 0), K(0.25), I("Add", 1, 2)]
        results = []
        for op in UNARY:
            ins.append(I(op, 3 if op in ("Log", "Sqrt", "Rsqrt") else 0))
            results.append(len(ins) - 1)
        add_kernel(f"kernel_{ct_name}_unary", (3, 347), ct_name, ins, results,
                   [ct_name] * len(results), [x])
        # GELU's gradient, both forms, with dy broadcast along rows; x reaching
        # into both tails (the exact form's CDF switches pieces at |x| = sqrt 2).
        x = uniform((5, 211), ct, -7, 7)
        dy = uniform((211,), ct, -2, 2)
        add_kernel(f"kernel_{ct_name}_gelu_grad", (5, 211), ct_name,
                   [L(0), L(1), I("GeluGrad", 0, 1), I("GeluTanhGrad", 0, 1), I("Gelu", 0)],
                   [2, 3, 4], [ct_name] * 3, [x, dy])
        # Every binary op with broadcasting on both sides, then select; values
        # on a coarse grid so the comparisons see equal pairs.
        a = (rng.integers(-4, 5, size=(3, 1, 33)) * 0.5).astype(ct)
        b = (rng.integers(-4, 5, size=(7, 1)) * 0.5).astype(ct)
        b[b == 0] = 1.5  # no division by zero
        ins = [L(0), L(1), I("Abs", 0), K(0.5), I("Add", 2, 3)]  # |a| + 0.5 > 0 for pow
        results = []
        for op in BINARY:
            ins.append(I(op, 4 if op == "Pow" else 0, 1))
            results.append(len(ins) - 1)
        ins.append(I("CmpLt", 0, 1))
        ins.append(I("Select", len(ins) - 1, 0, 1))
        results.append(len(ins) - 1)
        add_kernel(f"kernel_{ct_name}_binary_broadcast", (3, 7, 33), ct_name, ins, results,
                   [ct_name] * len(results), [a, b])
    # Loads from every dtype (a scalar among them), stores to every dtype,
    # casts through every dtype: conversions must be exact.
    shape = (3, 7)
    # Ties and near-ties of f16 and bf16 (some only visible in f64), their
    # subnormals and overflow, and values that test integer truncation.
    halves = np.array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519.0, 65520.0, 2 ** -25, 3 * 2 ** -26,
                       2 ** -24 * 1.5, -0.0, 1 + 2 ** -11 + 2 ** -40, -70000.0, 0.333251953125,
                       1 + 2 ** -8 + 2 ** -40, 1 + 2 ** -8, -2 ** -25 * 1.0000001, 5.9604645e-08,
                       6.1035156e-05, 1.5, -2.5, 3.5, 300.7, -7.9], dtype=np.float64).reshape(shape)
    inputs = [halves.astype(np.float32), halves, any_array(shape, "f16"), any_array(shape, "bf16"),
              rng.integers(-1000, 1000, size=shape).astype(np.int64),
              rng.integers(-1000, 1000, size=(7,)).astype(np.int32),
              rng.integers(0, 256, size=(3, 1)).astype(np.uint8),
              rng.integers(0, 2, size=shape).astype(np.bool_), np.array(-2.75, dtype=np.float32)]
    for ct_name, ct in FLOATS:
        ins = [L(i) for i in range(len(inputs))]
        sums = [I("Add", 2, 3), I("Add", 4, 5), I("Add", 6, 7), I("Mul", 8, 0)]
        for s in sums:
            ins.append(s)
        targets = ["f32", "f64", "f16", "bf16", "i64", "i32", "ui8", "i1"]
        results, out_dtypes = [], []
        source = 0 if ct_name == "f32" else 1  # the exact halves in the compute type
        for t in targets:  # stores
            results.append(source)
            out_dtypes.append(t)
        for t in targets:  # casts, then stored as f64
            ins.append(I("Cast", source, dtype=t))
            results.append(len(ins) - 1)
            out_dtypes.append("f64")
        for j in range(len(sums)):  # mixed loads, stored as the compute type
            results.append(len(inputs) + j)
            out_dtypes.append(ct_name)
        add_kernel(f"kernel_convert_{ct_name}", shape, ct_name, ins, results, out_dtypes, inputs)
    # Casts of out-of-range and fractional values to integers (saturate, truncate).
    x = np.array([-3.7, 3.7, -0.5, 255.9, 256.0, -1.0, 1e10, -1e10, 2.5e9, 0.0], dtype=np.float32)
    add("kernel_saturate", "kernel",
        {"shape": [10], "compute_type": "f32", "instructions": [L(0)], "results": [0, 0, 0]},
        {"in0": x},
        {"out0": np.array([-3, 3, 0, 255, 256, -1, 2 ** 31 - 1, -2 ** 31, 2 ** 31 - 1, 0],
                          np.int32),
         "out1": np.array([0, 3, 0, 255, 255, 0, 255, 0, 255, 0], np.uint8),
         "out2": np.array([-3, 3, 0, 255, 256, -1, 10 ** 10, -10 ** 10, 2500000000, 0], np.int64)})
    # Big enough for several tiles on several threads, a broadcast in the
    # middle dim, a scalar, and a value shared by two results.
    shape = (5, 5, 401)
    a, b = uniform((5, 1, 401), np.float32), uniform((5, 1), np.float32)
    c = np.array(0.75, np.float32)
    ins = [L(0), L(1), L(2), I("Mul", 0, 1), I("Add", 3, 2), I("Tanh", 4), I("Sub", 5, 0),
           I("Maximum", 6, 3)]
    add_kernel("kernel_f32_tiles", shape, "f32", ins, [7, 5], ["f32", "f16"], [a, b, c])
    # A rank-0 iteration space.
    add_kernel("kernel_f64_scalar", (), "f64", [L(0), L(1), I("Div", 0, 1), I("Exp", 2)], [3, 2],
               ["f64", "f32"], [np.array(1.5), np.array(-4.0, np.float32)])


def main():
    matmul_cases()
    conv_cases()
    pool_cases()
    reduce_cases()
    argmax_cases()
    shape_cases()
    softmax_cases()
    batch_norm_cases()
    layer_norm_cases()
    embedding_cases()
    dropout_cases()
    loss_cases()
    kernel_cases()
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "arrays.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases, {len(blob)} bytes of arrays")


if __name__ == "__main__":
    main()
