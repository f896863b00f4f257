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

Usage: cuda_train_check.py --bin BUILD/bin --workdir DIR [--only NAME]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from commands import case_arguments, cuda_form, run, run_cases  # noqa: E402

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")
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
    device = cuda_form(args.bin, model, d)
    cpu = train(args, fb, os.path.join(d, "cpu.jsonl"), [])
    gpu = train(args, fb, os.path.join(d, "cuda.jsonl"), ["--device", device])
    if len(cpu) != len(gpu) or len(cpu) < STEPS:
        raise AssertionError(f"{len(cpu)} log lines on the CPU, {len(gpu)} on the CUDA form")
    worst = 0.0
    for want, got in zip(cpu, gpu):
        for key, value in want.items():
            if key in ("samples_per_s", "kind", "epoch", "step"):
                if key != "samples_per_s" and got[key] != value:
                    raise AssertionError(f"log line {want}: {key} is {got[key]} on the CUDA form")
                continue
            error = abs(got[key] - value) / max(abs(value), 1e-3)
            worst = max(worst, error)
            if error > RTOL:
                raise AssertionError(f"{want['kind']} step {want['step']}: {key} {value} on the "
                                     f"CPU, {got[key]} on the CUDA form")
    return f" ({STEPS} steps, worst relative difference {worst:.1e})"


def main():
    args = case_arguments()
    cases = [Case(n) for n in ("mlp", "fashion_mlp", "fashion_cnn", "fashion_cnn_bn")]
    return run_cases(cases, args.only, lambda case: check(args, case))


if __name__ == "__main__":
    sys.exit(main())
