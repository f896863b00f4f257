#!/usr/bin/env python3
"""models/char_gpt.mlir trained by dlrun and by PyTorch (eager, CPU) for the
same budget from the same start on the same windows of the same corpus, then
both evaluated on the same held-out windows: the held-out loss of each, in
nats and bits per byte, and the time each took.

The PyTorch model, the windows (dlrun's documented sampling) and the
schedule are test/e2e/torch_compare.py's, which checks them step by step
against dlc in the test suite.

With --eval-every E both are also evaluated every E steps, and the curves
(the mean training loss of each stretch of E steps and the held-out loss at
its end) are printed side by side.

Usage: char_gpt_vs_torch.py [--bin build/bin] [--steps 500] [--eval-every E]
       [--threads 2] [--data /usr/share/doc/jargon-text/jargon.txt.gz]
       [--workdir DIR]
(a Python with NumPy and PyTorch: Debian's /usr/bin/python3, or bench/.venv's
for PyTorch 2.15.)
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
from torch_compare import CharGpt  # noqa: E402
import safetensors_io  # noqa: E402
from text_windows import held_out_batch, training_batch  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--eval-every", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--data", default="/usr/share/doc/jargon-text/jargon.txt.gz")
    parser.add_argument("--workdir", default=os.path.join(ROOT, "build", "char_gpt_vs_torch"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    every = args.eval_every or args.steps
    w = lambda name: os.path.join(args.workdir, name)  # noqa: E731
    model, B, T = CharGpt, CharGpt.B, CharGpt.T
    fb = w("char_gpt.fb")
    subprocess.run([os.path.join(args.bin, "dlc"), "compile",
                    os.path.join(ROOT, "models", "char_gpt.mlir"), "-o", fb], check=True)

    # dlc's starting parameters (the file's initializers) for both.
    subprocess.run([os.path.join(args.bin, "forward_bench"), fb, "--save-params", w("init.st")],
                   check=True)
    init = {k: v for k, v in safetensors_io.read(w("init.st")).items() if "." not in k}

    # dlc.
    log = w("dlc.jsonl")
    if os.path.exists(log):
        os.remove(log)
    start = time.time()
    subprocess.run([os.path.join(args.bin, "dlrun"), fb, "--train", "--data", args.data,
                    "--steps", str(args.steps), "--eval-every", str(every), "--seed",
                    str(args.seed), "--threads", str(args.threads), "--device", "cpu",
                    "--log", log, "--checkpoint", w("dlc.ckpt"), "--progress", "lines"],
                   check=True, stdout=subprocess.DEVNULL)
    dlc_seconds = time.time() - start
    records = [json.loads(line) for line in open(log)]
    dlc_evals = [r for r in records if r["kind"] == "eval"]
    dlc_eval = dlc_evals[-1]
    dlc_train = [r for r in records if r["kind"] == "train"]

    # PyTorch, the same windows, AdamW, clipping and schedule.
    torch.set_num_threads(args.threads)
    opener = gzip.open if args.data.endswith(".gz") else open
    with opener(args.data, "rb") as f:
        corpus = f.read()
    split = len(corpus) // 10 * 9
    train = np.frombuffer(corpus[:split], np.uint8).astype(np.int64)
    test = np.frombuffer(corpus[split:], np.uint8).astype(np.int64)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    optimizer, schedule = model.optimizer(p.values())
    windows = (len(test) - 1) // T // B * B

    def held_out():
        losses = []
        with torch.no_grad():
            for b in range(0, windows, B):
                tokens, targets = held_out_batch(test, b, B, T)
                losses.append(float(F.cross_entropy(model.forward(p, torch.from_numpy(tokens)),
                                                    torch.from_numpy(targets))))
        return float(np.mean(losses))
    torch_losses, torch_evals, eval_seconds = [], [], 0.0
    start = time.time()
    for step in range(args.steps):
        tokens, targets = training_batch(train, args.seed, step, B, T)
        torch_losses.append(model.step(p, optimizer, schedule, torch.from_numpy(tokens),
                                       torch.from_numpy(targets)))
        if (step + 1) % every == 0 or step + 1 == args.steps:
            eval_start = time.time()
            torch_evals.append(held_out())
            eval_seconds += time.time() - eval_start
    torch_seconds = time.time() - start - eval_seconds
    torch_eval = torch_evals[-1]

    # The curves: per stretch of `every` steps, the mean training loss and
    # the held-out loss at its end.
    print(f"{'steps':>11} {'dlc train':>10} {'torch train':>12} {'dlc held-out':>13} "
          f"{'torch held-out':>15}")
    dlc_by_step = {r["step"]: r["loss"] for r in dlc_train if "step" in r}
    curves = []
    for i, end in enumerate(range(every, args.steps + every, every)):
        end = min(end, args.steps)
        begin = end - every if end % every == 0 else end - end % every
        ours = [dlc_by_step[s] for s in range(begin + 1, end + 1) if s in dlc_by_step]
        row = {"steps": [begin + 1, end],
               "dlc_train": float(np.mean(ours)) if ours else None,
               "torch_train": float(np.mean(torch_losses[begin:end])),
               "dlc_held_out": dlc_evals[i]["loss"] if i < len(dlc_evals) else None,
               "torch_held_out": torch_evals[i] if i < len(torch_evals) else None}
        curves.append(row)
        fmt = lambda v: f"{v:.4f}" if v is not None else "-"  # noqa: E731
        print(f"{begin + 1:>5}-{end:<5} {fmt(row['dlc_train']):>10} {fmt(row['torch_train']):>12} "
              f"{fmt(row['dlc_held_out']):>13} {fmt(row['torch_held_out']):>15}")
    ratio = dlc_eval["loss"] / torch_eval
    print(json.dumps({"steps": args.steps, "threads": args.threads, "data": args.data,
                      "held_out_windows": windows,
                      "dlc": {"loss": dlc_eval["loss"], "bits_per_byte": dlc_eval["bits_per_byte"],
                              "seconds": round(dlc_seconds, 1)},
                      "torch_eager": {"loss": torch_eval, "bits_per_byte": torch_eval / np.log(2),
                                      "seconds": round(torch_seconds, 1),
                                      "version": torch.__version__},
                      "loss_ratio": ratio, "curves": curves}, indent=1))
    return 0 if abs(ratio - 1) <= 0.02 else 1


if __name__ == "__main__":
    sys.exit(main())
