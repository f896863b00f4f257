#!/usr/bin/env python3
"""The PyTorch side of the GPU benchmarks (bench/gpu/bench.py).

One process per measurement, started by bench.py with a JSON spec:

    torch_peers.py '{"kind": "train", "model": "fashion_cnn", "mode": "eager", ...}'

kind "train":    one training step (zero_grad, forward, loss, backward, Adam)
                 on a fixed batch that lives on the device;
kind "infer":    the forward pass in inference mode, input copied from pinned
                 host memory and the logits copied back, at one or more batch
                 sizes;
kind "accuracy": an eager training loop of fashion_cnn on Fashion-MNIST (or
                 an .npz of x_train, y_train, x_test, y_test), the whole
                 data set on the device, evaluated after each epoch until
                 the test accuracy reaches a target.

mode: "eager", "default" (torch.compile()) or "reduce-overhead"
(torch.compile(mode="reduce-overhead"), CUDA graphs). For training the whole
step function is compiled, optimizer included (PyTorch's recipe for
compiling the optimizer); if that fails, the model alone is, and the result
says so.

precision: "fp32" (TF32 off for cuBLAS and cuDNN) or "tf32" (on for both).

The models (bench/torch_models.py) start from dlc's initial parameters (a
.safetensors file saved by forward_bench, read by test/reference's reader,
without the safetensors package).

Protocol: the worker builds, compiles and warms up, prints one JSON line
{"ready": ...}, then waits for a line on stdin before it times anything, so
that bench.py can compile many peers at once and still time them one at a
time on an idle machine. It ends with one JSON line of results.
"""
import gzip
import json
import os
import struct
import sys
import time

import numpy as np

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "test", "reference"))
import safetensors_io  # noqa: E402
from torch_models import build_model, loss_function  # noqa: E402


def starting_parameters(path):
    """The model's parameters in a file forward_bench saved (which also holds
    the optimizer's state: names with a dot)."""
    return {k: v for k, v in safetensors_io.read(path).items() if "." not in k}


def read_idx(path):
    """An MNIST-style IDX file (.gz too) as an ndarray."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)


def set_precision(torch, precision):
    tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.set_float32_matmul_precision("high" if tf32 else "highest")


class Device:
    def __init__(self, torch, name):
        self.torch, self.name = torch, name
        self.cuda = name.startswith("cuda")

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()


def compile_fn(torch, fn, mode):
    if mode == "eager":
        return fn
    if not hasattr(torch, "compile"):
        raise RuntimeError(f"torch {torch.__version__} has no torch.compile")
    return torch.compile(fn, mode=None if mode == "default" else mode)


def mark_step(torch, mode):
    # reduce-overhead: each call starts a new CUDA-graph step (its outputs
    # from the last call may be overwritten).
    if mode == "reduce-overhead" and hasattr(torch, "compiler") and \
            hasattr(torch.compiler, "cudagraph_mark_step_begin"):
        torch.compiler.cudagraph_mark_step_begin()


def time_samples(fn, dev, iters, sync_every):
    samples = []
    for _ in range(iters):
        start = time.perf_counter()
        for _ in range(sync_every):
            fn()
        dev.sync()
        samples.append((time.perf_counter() - start) * 1000 / sync_every)
    return samples


def stats(samples):
    s = sorted(samples)
    n = len(s)
    median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return {"median_ms": median, "min_ms": s[0], "max_ms": s[-1], "samples": len(s)}


def wait_for_go(ready):
    print(json.dumps({"ready": True, **ready}), flush=True)
    line = sys.stdin.readline()
    if line.strip() != "go":
        sys.exit(0)


def train(spec, torch, dev):
    name, mode = spec["model"], spec["mode"]
    params = starting_parameters(spec["params"])
    model = build_model(name, params).to(dev.name).train()
    inputs = [torch.from_numpy(np.load(p)).to(dev.name) for p in spec["inputs"]]
    if name != "mlp":
        inputs[1] = inputs[1].long()  # cross_entropy's class indices
    x, target = inputs
    optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    loss_fn = loss_function(name)

    def make_step(forward):
        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(forward(x), target)
            loss.backward()
            optimizer.step()
            return loss
        return step

    strategies = ["step", "model"] if mode != "eager" else ["eager"]
    errors = []
    for strategy in strategies:
        try:
            if strategy == "model":  # the model compiled alone, the optimizer eager
                fn = make_step(compile_fn(torch, model, mode))
            else:  # the whole step (or eager)
                fn = compile_fn(torch, make_step(model), mode)

            def call():
                mark_step(torch, mode)
                return fn()
            start = time.perf_counter()
            first_loss = float(call())  # at the starting parameters
            dev.sync()
            first_ms = (time.perf_counter() - start) * 1000
            warm_start = time.perf_counter()
            for _ in range(spec["warmup"]):
                call()
            dev.sync()
            warmup_s = time.perf_counter() - warm_start
            break
        except Exception as e:  # noqa: BLE001 (a compile error: try the next strategy)
            errors.append(f"{strategy}: {type(e).__name__}: {str(e)[:300]}")
            # Start again from the same parameters.
            model = build_model(name, params).to(dev.name).train()
            optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"])
            if hasattr(torch, "_dynamo"):
                torch._dynamo.reset()
    else:
        raise RuntimeError("; ".join(errors))
    wait_for_go({"first_step_ms": first_ms, "warmup_s": warmup_s})
    if dev.cuda:
        torch.cuda.reset_peak_memory_stats()
    samples = time_samples(call, dev, spec["iters"], spec["sync_every"])
    result = {"first_loss": first_loss, "first_step_ms": first_ms, "warmup_s": warmup_s,
              "compiled": strategy, "compile_errors": errors, **stats(samples)}
    if dev.cuda:
        result["peak_memory_bytes"] = torch.cuda.max_memory_allocated()
    return result


def infer(spec, torch, dev):
    name, mode = spec["model"], spec["mode"]
    params = starting_parameters(spec["params"])
    model = build_model(name, params).to(dev.name).eval()
    fn = compile_fn(torch, model, mode)
    runs = []
    for case in spec["cases"]:  # {"batch", "input", "expect", "sync_every"}
        images = torch.from_numpy(np.load(case["input"]))
        x_host = images.pin_memory() if dev.cuda else images
        x_dev = torch.empty_like(x_host, device=dev.name)
        out_host = torch.empty((images.shape[0], 10), dtype=torch.float32,
                               pin_memory=dev.cuda)

        def call():
            mark_step(torch, mode)
            with torch.no_grad():
                x_dev.copy_(x_host, non_blocking=True)
                out_host.copy_(fn(x_dev), non_blocking=True)
        start = time.perf_counter()
        call()
        dev.sync()
        first_ms = (time.perf_counter() - start) * 1000
        for _ in range(spec["warmup"]):
            call()
        dev.sync()
        expect = np.load(case["expect"])
        diff = float(np.abs(out_host.numpy() - expect).max())
        runs.append({"case": case, "call": call, "first_ms": first_ms, "max_abs_diff": diff})
    wait_for_go({"first_ms": [r["first_ms"] for r in runs]})
    results = []
    for r in runs:
        samples = time_samples(r["call"], dev, spec["iters"], r["case"]["sync_every"])
        results.append({"batch": r["case"]["batch"], "first_ms": r["first_ms"],
                        "max_abs_diff_vs_dlc": r["max_abs_diff"], **stats(samples)})
    return {"cases": results}


def accuracy(spec, torch, dev):
    data = spec["data"]

    def load(kind):
        if data.endswith(".npz"):
            arrays = np.load(data)
            split = "train" if kind == "train" else "test"
            images, labels = arrays["x_" + split], arrays["y_" + split]
        else:
            images = read_idx(os.path.join(data, f"{kind}-images-idx3-ubyte.gz"))
            labels = read_idx(os.path.join(data, f"{kind}-labels-idx1-ubyte.gz"))
        return (torch.from_numpy(images.copy()).to(dev.name),
                torch.from_numpy(labels.astype(np.int64)).to(dev.name))
    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    params = starting_parameters(spec["params"])
    model = build_model("fashion_cnn", params).to(dev.name).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = loss_function("fashion_cnn")
    generator = torch.Generator(device=dev.name)
    generator.manual_seed(0)
    batch, n = 128, x_train.shape[0]
    steps_per_epoch = n // batch
    wait_for_go({})
    evals, step, reached = [], 0, None
    start = time.perf_counter()
    for epoch in range(1, spec["max_epochs"] + 1):
        order = torch.randperm(n, device=dev.name, generator=generator)
        for b in range(steps_per_epoch):
            rows = order[b * batch:(b + 1) * batch]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x_train[rows]), y_train[rows]).backward()
            optimizer.step()
            step += 1
            if spec.get("max_steps") and step >= spec["max_steps"]:
                break
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum())
                          for i in range(0, x_test.shape[0], 1000))
        model.train()
        acc = correct / x_test.shape[0]
        evals.append({"epoch": epoch, "step": step, "elapsed_s": time.perf_counter() - start,
                      "accuracy": acc})
        if acc >= spec["target"]:
            reached = evals[-1]
            break
        if spec.get("max_steps") and step >= spec["max_steps"]:
            break
    return {"evals": evals, "reached": reached}


def main():
    spec = json.loads(sys.argv[1])
    import torch
    dev = Device(torch, spec.get("device", "cuda"))
    if dev.cuda:
        set_precision(torch, spec.get("precision", "fp32"))
    else:
        torch.set_num_threads(spec.get("threads") or os.cpu_count())
    torch.manual_seed(0)
    kind = spec["kind"]
    try:
        result = {"train": train, "infer": infer, "accuracy": accuracy}[kind](spec, torch, dev)
        result["status"] = "ok"
    except Exception as e:  # noqa: BLE001 (reported in the results, not a crash)
        result = {"status": "error", "error": f"{type(e).__name__}: {str(e)[:1000]}"}
    result["torch"] = torch.__version__
    if dev.cuda:
        result["gpu"] = torch.cuda.get_device_name()
    print(json.dumps({"result": result}), flush=True)


if __name__ == "__main__":
    main()
