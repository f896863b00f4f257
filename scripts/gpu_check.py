#!/usr/bin/env python3
"""The checks of scripts/gpu-check.sh, over a bundle made by
scripts/gpu-bundle.sh (dlrun, compiled models and op cases, data).

On a GPU (--device cuda):
  - every op-reference case: each command on the GPU against the CPU from the
    same inputs (dlrun --check-device cuda); the cases the CPU cannot run
    (16-bit reductions) on the GPU against the NumPy result in the bundle;
  - every model's entry points (forward, loss, eval, train_step), command by
    command against the CPU;
  - fashion_mlp trained for 2 epochs on the CPU and on the GPU from the same
    start and data order: the GPU run must reach the CPU run's test accuracy
    (within 0.01);
  - steps per second of each Fashion-MNIST model on the GPU and the CPU.
Without a GPU (--emulate) the same flow runs on the emulated CUDA form (the
GPU form's library calls on the CPU, its kernels from their host build), so
the script itself is checked, and the summary says what was not run on a GPU.

Writes OUT/summary.json and prints a summary; exits 1 if a check failed.
DLC_GPU_CHECK_TRAIN (default "--epochs 2") and DLC_GPU_CHECK_SPEED_STEPS
(default 300; 0 skips them) shorten the training runs, for trying the GPU path on the
CPU stand-ins of the CUDA libraries (test/cuda_fake).
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

ROW = re.compile(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(ok|BEYOND)\s+(.*)$")


def run(command, timeout=600):
    start = time.time()
    try:
        p = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.time() - start
    except subprocess.TimeoutExpired as e:
        return 124, e.stdout or "", f"timed out after {timeout} s", time.time() - start


def parse_check(stdout):
    """dlrun --check-device output -> {(file, entry): result}."""
    results, current = {}, None
    for line in stdout.splitlines():
        m = re.match(r"^(.*?): '([^']+)' on (.*?) against the CPU", line)
        if m:
            current = (m.group(1), m.group(2))
            results[current] = {"status": "incomplete", "worst": 0.0, "commands": 0,
                                "first_beyond": None}
            continue
        m = re.match(r"^(.*?): error: (.*)$", line)
        if m:
            results[(m.group(1), "*")] = {"status": "error", "error": m.group(2)}
            current = None
            continue
        if current is None:
            continue
        r = results[current]
        m = ROW.match(line)
        if m:
            r["commands"] += 1
            try:
                r["worst"] = max(r["worst"], float(m.group(4)))
            except ValueError:
                pass
        elif line.startswith("all "):
            r["status"] = "pass"
        elif line.startswith("first command beyond tolerance"):
            r["status"] = "fail"
            r["first_beyond"] = line.split(": ", 1)[1]
    return results


def check_device(dlrun, device, files, entry=None):
    command = [dlrun, "--check-device", device, *files]
    if entry:
        command[3:3] = ["--entry", entry]
    _, out, err, _ = run(command)
    results = parse_check(out)
    if not results:
        results[(files[0], "*")] = {"status": "error", "error": (err or out).strip()}
    return results


def compare_npy(got_path, want_path, rtol, atol):
    try:
        import numpy as np
    except ImportError:
        return "skipped", "numpy is not installed"
    got, want = np.load(got_path), np.load(want_path)
    if got.shape != want.shape or got.dtype != want.dtype:
        return "fail", f"{got.dtype}{got.shape}, expected {want.dtype}{want.shape}"
    g, w = got.astype(np.float64), want.astype(np.float64)
    ok = np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(g) & np.isfinite(w)
        worst = float(np.abs(g - w)[finite].max(initial=0.0))
    return ("pass" if ok else "fail"), f"max abs error {worst:.2e}"


def check_ops(args, summary):
    cases = sorted(d for d in glob.glob(os.path.join(args.bundle, "ops", "*")) if os.path.isdir(d))
    ops = {}
    start = time.time()
    if args.emulate:
        results = {}
        for case in cases:
            r = check_device(args.dlrun, "cuda-emulated:" + os.path.join(case, "kernels.so"),
                             [os.path.join(case, "model.fb")], "forward")
            results.update(r)
    else:
        results = check_device(args.dlrun, args.device,
                               [os.path.join(c, "model.fb") for c in cases], "forward")
    for case in cases:
        name = os.path.basename(case)
        fb = os.path.join(case, "model.fb")
        r = results.get((fb, "forward")) or results.get((fb, "*")) or {"status": "missing"}
        entry = {"check_device": r}
        status = r["status"]
        if status == "error":
            # The CPU cannot run it (16-bit reductions): the device against NumPy.
            spec = json.load(open(os.path.join(case, "case.json")))
            device = ("cuda-emulated:" + os.path.join(case, "kernels.so")) if args.emulate \
                else args.device
            inputs = [f"--input={n}={os.path.join(case, n + '.npy')}" for n in spec["inputs"]]
            got = os.path.join(args.out, "ops", name + ".npy")
            os.makedirs(os.path.dirname(got), exist_ok=True)
            rc, out, err, _ = run([args.dlrun, fb, "--device", device, *inputs, "--output", got])
            if rc != 0:
                status, detail = "fail", err.strip()
            else:
                status, detail = compare_npy(got, os.path.join(case, "expected.npy"),
                                             spec["rtol"], spec["atol"])
            entry["numpy"] = {"status": status, "detail": detail,
                              "why": "check-device could not compare: " + r.get("error", "")}
        entry["status"] = status
        ops[name] = entry
    summary["ops"] = ops
    summary["ops_seconds"] = round(time.time() - start, 1)


def check_models(args, summary):
    models = sorted(glob.glob(os.path.join(args.bundle, "models", "*.fb")))
    start = time.time()
    results = {}
    if args.emulate:
        for fb in models:
            r = check_device(args.dlrun, "cuda-emulated:" + fb[:-3] + ".kernels.so", [fb])
            results.update(r)
    else:
        results = check_device(args.dlrun, args.device, models)
    summary["models"] = {f"{os.path.basename(f)}:{e}": r for (f, e), r in sorted(results.items())}
    summary["models_seconds"] = round(time.time() - start, 1)


def train(args, fb, device, extra, log):
    command = [args.dlrun, fb, "--train", "--device", device, "--log", log, *extra]
    rc, out, err, seconds = run(command)
    result = {"command": " ".join(command), "exit": rc, "seconds": round(seconds, 2)}
    m = re.search(r"^done: (\d+) steps in [^,\n]*(.*)$", out, re.M)
    if rc != 0 or not m:
        result["error"] = (err or out).strip()[-2000:]
        return result
    result["steps"] = int(m.group(1))
    acc = re.search(r"test accuracy ([0-9.]+)", m.group(2))
    if acc:
        result["test_accuracy"] = float(acc.group(1))
    m = re.findall(r"\| (\d+) samples/s", out)
    if m:
        # The first report includes preparing (and capturing the graph).
        result["samples_per_s"] = float(m[-1])
    result["device_line"] = next((l for l in out.splitlines() if l.startswith("device:")), "")
    return result


def check_training(args, summary):
    fb = os.path.join(args.bundle, "models", "fashion_mlp.fb")
    data = os.path.join(args.bundle, "data", "fashion-mnist")
    device = ("cuda-emulated:" + fb[:-3] + ".kernels.so") if args.emulate else args.device
    extra = os.environ.get("DLC_GPU_CHECK_TRAIN", "--epochs 2").split() + ["--data", data]
    cpu = train(args, fb, "cpu", extra, os.path.join(args.out, "fashion_mlp_cpu.jsonl"))
    gpu = train(args, fb, device, extra, os.path.join(args.out, "fashion_mlp_device.jsonl"))
    ok = "test_accuracy" in cpu and "test_accuracy" in gpu and \
        gpu["test_accuracy"] >= cpu["test_accuracy"] - 0.01
    summary["training"] = {"fashion_mlp_2_epochs": {"cpu": cpu, "device": gpu,
                                                      "status": "pass" if ok else "fail"}}
    # Throughput of every Fashion-MNIST model, steps on both devices.
    steps = ["--steps", os.environ.get("DLC_GPU_CHECK_SPEED_STEPS", "20" if args.emulate else "300"),
             "--data", data]
    speed = {}
    for fb in sorted(glob.glob(os.path.join(args.bundle, "models", "fashion_*.fb"))):
        if steps[1] == "0":
            break
        name = os.path.basename(fb)[:-3]
        device = ("cuda-emulated:" + fb[:-3] + ".kernels.so") if args.emulate else args.device
        speed[name] = {
            "cpu": train(args, fb, "cpu", steps, os.path.join(args.out, name + "_cpu_speed.jsonl")),
            "device": train(args, fb, device, steps,
                            os.path.join(args.out, name + "_device_speed.jsonl")),
        }
    summary["speed"] = speed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dlrun", required=True)
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--emulate", action="store_true",
                        help="no GPU: run the flow on the emulated CUDA form")
    parser.add_argument("--reason", default="", help="why there is no GPU (--emulate)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    summary = {"gpu": not args.emulate, "device": args.device}
    _, info, _, _ = run([args.dlrun, "--info"])
    summary["info"] = info
    if args.emulate:
        summary["skipped"] = (
            "no GPU (" + args.reason + "): nothing ran on a GPU; every check below ran on the "
            "emulated CUDA form instead (library calls on the CPU backend, generated kernels "
            "from their host build), which checks this script and the files, not the GPU")
    check_ops(args, summary)
    check_models(args, summary)
    check_training(args, summary)
    summary["seconds"] = round(time.time() - start, 1)

    failed_ops = [n for n, r in summary["ops"].items() if r["status"] not in ("pass", "skipped")]
    failed_models = [n for n, r in summary["models"].items() if r["status"] != "pass"]
    training = summary["training"]["fashion_mlp_2_epochs"]
    summary["failed"] = {"ops": failed_ops, "models": failed_models,
                         "training": training["status"] != "pass"}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)

    where = "the GPU" if not args.emulate else "the emulated CUDA form (NO GPU)"
    print(f"gpu-check on {where}, {summary['seconds']} s")
    if args.emulate:
        print("  " + summary["skipped"])
    numpy_cases = sum(1 for r in summary["ops"].values() if "numpy" in r)
    print(f"  op cases: {len(summary['ops']) - len(failed_ops)} of {len(summary['ops'])} pass "
          f"({numpy_cases} against NumPy, the rest command by command against the CPU; "
          f"{summary['ops_seconds']} s)")
    for n in failed_ops:
        print(f"    FAIL {n}: {json.dumps(summary['ops'][n])[:400]}")
    print(f"  model entry points: {len(summary['models']) - len(failed_models)} of "
          f"{len(summary['models'])} within tolerance ({summary['models_seconds']} s)")
    for n in failed_models:
        print(f"    FAIL {n}: {json.dumps(summary['models'][n])[:400]}")
    cpu, dev = training["cpu"], training["device"]
    print(f"  fashion_mlp 2 epochs: test accuracy cpu {cpu.get('test_accuracy')} device "
          f"{dev.get('test_accuracy')} ({training['status']}); {dev.get('device_line', '')}")
    for name, s in summary["speed"].items():
        c, d = s["cpu"].get("samples_per_s"), s["device"].get("samples_per_s")
        ratio = f"{d / c:.1f}x" if c and d else "-"
        print(f"  {name}: {d} samples/s on the device, {c} on the CPU ({ratio})")
    print(f"  summary: {os.path.join(args.out, 'summary.json')}")
    return 1 if failed_ops or failed_models or training["status"] != "pass" else 0


if __name__ == "__main__":
    sys.exit(main())
