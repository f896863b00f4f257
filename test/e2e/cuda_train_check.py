"""Training with each shipped model's GPU form against its CPU form.

For each model in models/: `dlrun --train` for STEPS steps from the same
initial parameters and the same batches (--no-shuffle), once on the CPU and
once on the file's CUDA form run on the CPU (library calls on the CPU
backend, every generated kernel from the host build of the GPU lowering:
see commands.cuda_form, which also assembles the PTX with ptxas). Every
step's loss and metrics, and the test loss and accuracy after training,
must agree to RTOL: the two forms differ only in summation order (the CPU
backend sums in f64, the kernels in the tensor's type), and the dropout
masks are the same by construction (Philox keyed by seed and step).

Also Inputs/attention_block.mlir, a model no backend was written for (a
causal two-head attention block with layer norms, a GELU MLP, AdamW with
clipping and a cosine schedule): its gradients (loss_grad) and one
train_step from the same start and tokens, on both forms.

--cuda-form mapped runs the kernels as mapped to blocks and threads (each
GPU thread a host thread), else as before the mapping (commands.cuda_form).

Usage: cuda_train_check.py --bin BUILD/bin --workdir DIR [--only NAME] [--cuda-form mapped]
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from commands import case_arguments, cuda_form, run, run_cases  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "..", "models")
STEPS = 12
RTOL = 1e-4


class Case:
    def __init__(self, name):
        self.name = name


def train(args, fb, log, device):
    if os.path.exists(log):
        os.remove(log)
    run([os.path.join(args.bin, "dlrun"), fb, "--train", "--steps", STEPS, "--no-shuffle",
         "--report-every", 1, "--log", log, *device])
    with open(log) as f:
        return [json.loads(line) for line in f]


def check(args, case):
    d = os.path.join(args.workdir, case.name)
    os.makedirs(d, exist_ok=True)
    model = os.path.join(MODELS, case.name + ".mlir")
    fb = os.path.join(d, "model.fb")
    run([os.path.join(args.bin, "dlc"), "compile", model, "-o", fb])
    device = cuda_form(args.bin, model, d, form=args.cuda_form or "unmapped")
    cpu = train(args, fb, os.path.join(d, "cpu.jsonl"), [])
    gpu = train(args, fb, os.path.join(d, "cuda.jsonl"), ["--device", device])
    if len(cpu) != len(gpu) or len(cpu) < STEPS:
        raise AssertionError(f"{len(cpu)} log lines on the CPU, {len(gpu)} on the CUDA form")
    worst = 0.0
    for want, got in zip(cpu, gpu):
        for key, value in want.items():
            if key in ("samples_per_s", "elapsed_s", "kind", "epoch", "step"):
                if key in ("kind", "epoch", "step") and got[key] != value:
                    raise AssertionError(f"log line {want}: {key} is {got[key]} on the CUDA form")
                continue
            error = abs(got[key] - value) / max(abs(value), 1e-3)
            worst = max(worst, error)
            if error > RTOL:
                raise AssertionError(f"{want['kind']} step {want['step']}: {key} {value} on the "
                                     f"CPU, {got[key]} on the CUDA form")
    return f" ({STEPS} steps, worst relative difference {worst:.1e})"


def check_entries(args, case):
    """The attention block: every output of loss_grad and train_step on the
    CPU and on the GPU form, from the same start and inputs."""
    d = os.path.join(args.workdir, case.name)
    os.makedirs(d, exist_ok=True)
    model = os.path.join(HERE, "Inputs", case.name + ".mlir")
    fb = os.path.join(d, "model.fb")
    run([os.path.join(args.bin, "dlc"), "compile", "--gradients", model, "-o", fb])
    device = cuda_form(args.bin, model, d, extra=["--gradients"],
                       form=args.cuda_form or "unmapped")
    rng = np.random.default_rng(7)
    inputs = {"tokens": rng.integers(0, 16, (4, 8)).astype(np.int32),
              "targets": rng.integers(0, 16, (32,)).astype(np.int32)}
    bind = []
    for name, value in inputs.items():
        np.save(os.path.join(d, name + ".npy"), value)
        bind += ["--input", f"{name}={os.path.join(d, name)}.npy"]
    worst, count = 0.0, 0
    for entry in ("loss_grad", "train_step"):
        outputs = {}
        for form, extra in (("cpu", []), ("cuda", ["--device", device])):
            out = os.path.join(d, f"{entry}_{form}") + "/"
            run([os.path.join(args.bin, "dlrun"), fb, "--entry", entry, *bind, "--output", out,
                 *extra])
            outputs[form] = {n: np.load(out + n) for n in os.listdir(out)}
        for name, want in outputs["cpu"].items():
            got = outputs["cuda"][name].astype(np.float64)
            scale = max(float(np.abs(want).max()), 1e-30)
            error = float(np.abs(got - want).max()) / scale
            worst, count = max(worst, error), count + 1
            if error > RTOL:
                raise AssertionError(f"{entry} {name}: differs by {error:.1e} of its largest")
    return f" ({count} outputs of loss_grad and train_step, worst relative difference {worst:.1e})"


def main():
    args = case_arguments()
    cases = [Case(n) for n in ("mlp", "fashion_mlp", "fashion_cnn", "fashion_cnn_bn",
                               "attention_block")]
    return run_cases(cases, args.only, lambda case: check_entries(args, case)
                     if case.name == "attention_block" else check(args, case))


if __name__ == "__main__":
    sys.exit(main())
