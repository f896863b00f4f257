#!/usr/bin/env python3
"""Forward-pass benchmark: dlc vs PyTorch (CPU) vs ONNX Runtime (CPU).

For each image model of models/ (fashion_mlp, fashion_cnn, fashion_cnn_bn,
lenet5, vit_tiny; batch 128):

1. compile it with `dlc compile`;
2. have bench/forward_bench (the C++ driver on the runtime's C API) save
   dlc's initialized parameters as .safetensors; the zero-initialized biases
   are replaced by small seeded random values (so the checks below cover the
   bias layout too) and that file is what all three runtimes run with;
3. build the same network as a torch.nn.Module (dlc's matmul weights are
   [in, out], so a torch Linear weight is W.T; conv filters are OIHW in both),
   check its logits against dlc's on the same input, export it to ONNX
   (opset 17) and check ONNX Runtime's logits too -- all before any timing;
   (the PyTorch models are bench/torch_models.py's, in eval mode)
4. time each runtime the same way with the same thread count: a warm-up,
   then K timed batches, median (and mean) milliseconds per batch. A round
   times dlc, torch and ORT in turn; with several rounds the best round
   median of each counts (rounds guard against bursts of load from other
   processes on a shared machine), and every round is kept in the JSON.

dlc is timed inside the C++ driver (per batch: set the input, run, copy the
logits out, as the C API requires); torch and ORT each in a fresh Python
process of their own (`forward.py --worker torch|ort`; per batch: one module
call under inference_mode / one InferenceSession.run with the uint8 batch),
so no runtime's idle thread pool sits beside another's.

--isa avx2 measures as on a CPU without AVX-512: dlc's loops run their
AVX2 copies (DLC_CPU_ISA=avx2; its matmuls then run on OpenBLAS, whose AVX2
kernels OPENBLAS_CORETYPE=Haswell picks) and oneDNN is capped
(ONEDNN_MAX_CPU_ISA=AVX2), in dlc and in PyTorch (whose own kernels are capped with
ATEN_CPU_CAPABILITY=avx2 and MKL's with MKL_ENABLE_INSTRUCTIONS=AVX2). ONNX
Runtime has no such switch: its MLAS kernels keep the CPU's best, so on an
AVX-512 machine the capped comparison is harder for dlc than a real AVX2
machine would be. Results go to forward-<date>-avx2.json.

Run it through bench/run.sh forward, which sets up bench/.venv first.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import torch_models

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODELS = {name: ROOT / "models" / f"{name}.mlir"
          for name in ("fashion_mlp", "fashion_cnn", "fashion_cnn_bn", "lenet5", "vit_tiny")}
# What --isa avx2 sets for every timed process.
AVX2_ENV = {"DLC_CPU_ISA": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell",
            "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}
BATCH = 128
TOLERANCE = 1e-3


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The PyTorch mirrors of the .mlir models
# ---------------------------------------------------------------------------


def torch_model(name, params):
    """The model `name` as a torch.nn.Module holding dlc's parameters, in
    eval mode (dropout off, as in dlc's forward)."""
    return torch_models.build_model(name, params).eval()


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


# glibc's malloc hands blocks over its (adaptive) mmap threshold back to the
# kernel on free; PyTorch's eager allocations of 6-13 MB activations then
# fault in fresh pages every batch or not, depending on how the threshold
# adapted -- seen here as two modes, ~28 and ~45 ms for the CNN. Timed
# processes get fixed thresholds so that every runtime keeps its memory
# (--default-malloc turns this off; dlc and ORT allocate nothing per batch
# either way). The minor page faults per batch are recorded for each runtime.
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456"


def run(cmd, **kwargs):
    log("+", " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=True, text=True, **kwargs)


def timing_env(args):
    env = dict(os.environ)
    if getattr(args, "isa", "native") == "avx2":
        env.update(AVX2_ENV)
    if not args.default_malloc:
        env["GLIBC_TUNABLES"] = ":".join(
            t for t in (env.get("GLIBC_TUNABLES"), MALLOC_TUNABLES) if t)
    return env


def summarize(samples_ms):
    s = sorted(samples_ms)
    return {
        "median_ms": statistics.median(s),
        "mean_ms": statistics.fmean(s),
        "min_ms": s[0],
        "max_ms": s[-1],
        "stdev_ms": statistics.stdev(s) if len(s) > 1 else 0.0,
        "samples_per_s": BATCH * 1000.0 / statistics.median(s),
    }


def time_callable(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    samples = []
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return dict(summarize(samples), minor_faults_per_iter=faults / iters)


def loadavg():
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def dlc_time(driver, fb, params, images, threads, warmup, iters, output=None, env=None):
    cmd = [driver, fb, "--params", params, "--input", f"images={images}",
           "--threads", threads, "--warmup", warmup, "--iters", iters]
    if output:
        cmd += ["--output", output]
    result = run(cmd, capture_output=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def worker(runtime, name, args):
    """Times one peer on one model in this (fresh) process; prints JSON."""
    images = np.load(args.work / "images.npy")
    if runtime == "torch":
        import torch
        from safetensors.numpy import load_file
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
        model = torch_model(name, load_file(str(args.work / f"{name}.safetensors")))
        x = torch.from_numpy(images)

        def step():
            with torch.inference_mode():
                model(x)
    else:
        session = ort_session(args.work / f"{name}.onnx", args.threads)

        def step():
            session.run(["logits"], {"images": images})
    print(json.dumps(time_callable(step, args.warmup, args.iters)))


def ort_session(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------------------
# One model
# ---------------------------------------------------------------------------


def bench_model(name, args, work, images_path, images):
    import torch
    from safetensors.numpy import load_file, save_file

    dlc, driver = args.build / "bin" / "dlc", args.build / "bin" / "forward_bench"
    fb = work / f"{name}.fb"
    init_params = work / f"{name}.init.safetensors"
    params_path = work / f"{name}.safetensors"
    run([dlc, "compile", MODELS[name], "-o", fb])
    run([driver, fb, "--save-params", init_params, "--threads", args.threads])

    # dlc's initialized parameters; all-zero ones (biases, vit_tiny's head)
    # become small random ones, so that the logits depend on every layer
    # (a zero head would make every framework's logits its bias, equal).
    params = load_file(str(init_params))
    rng = np.random.default_rng(1)
    for key in sorted(params):
        value = params[key]
        if not value.any():
            params[key] = rng.uniform(-0.1, 0.1, value.shape).astype(value.dtype)
    save_file(params, str(params_path), metadata={"model": name})

    # --- correctness, before any timing --------------------------------------
    dlc_logits_path = work / f"{name}.dlc_logits.npy"
    dlc_time(driver, fb, params_path, images_path, args.threads, 0, 1, dlc_logits_path,
             env=timing_env(args))
    dlc_logits = np.load(dlc_logits_path)

    model = torch_model(name, params)
    x = torch.from_numpy(images)
    with torch.inference_mode():
        torch_logits = model(x).numpy()
    torch_diff = float(np.max(np.abs(torch_logits - dlc_logits)))

    onnx_path = work / f"{name}.onnx"
    torch.onnx.export(model, (x,), str(onnx_path), opset_version=17,
                      input_names=["images"], output_names=["logits"], dynamo=False)
    import onnx
    onnx.checker.check_model(onnx.load(str(onnx_path)))
    session = ort_session(onnx_path, args.threads)
    ort_logits = session.run(["logits"], {"images": images})[0]
    ort_diff = float(np.max(np.abs(ort_logits - dlc_logits)))

    check = {
        "logit_range": [float(dlc_logits.min()), float(dlc_logits.max())],
        "max_abs_diff_torch_vs_dlc": torch_diff,
        "max_abs_diff_ort_vs_dlc": ort_diff,
        "tolerance": TOLERANCE,
        "argmax_agreement_torch": float(np.mean(torch_logits.argmax(1) == dlc_logits.argmax(1))),
        "argmax_agreement_ort": float(np.mean(ort_logits.argmax(1) == dlc_logits.argmax(1))),
    }
    print(f"{name}: max |torch - dlc| = {torch_diff:.3e}, max |ort - dlc| = {ort_diff:.3e} "
          f"(tolerance {TOLERANCE:g}; logits in [{check['logit_range'][0]:.3f}, "
          f"{check['logit_range'][1]:.3f}])", flush=True)
    if not (torch_diff < TOLERANCE and ort_diff < TOLERANCE):
        raise SystemExit(f"{name}: outputs disagree beyond {TOLERANCE}; not timing")

    del model, session  # the timing runs in other processes
    # --- timing: each runtime in a fresh process of its own ------------------
    # (PyTorch's CNN ran 25-35% slower here with an ONNX Runtime session
    # alive in the same process)
    rounds = {"dlc": [], "torch": [], "ort": []}
    for r in range(args.rounds):
        log(f"{name}: round {r + 1}/{args.rounds} (load {loadavg()})")
        d = dlc_time(driver, fb, params_path, images_path, args.threads, args.warmup, args.iters,
                     env=timing_env(args))
        rounds["dlc"].append({k: d[k] for k in
                              ("median_ms", "mean_ms", "min_ms", "max_ms", "stdev_ms",
                               "samples_per_s", "minor_faults_per_iter", "first_run_ms",
                               "device")})
        for runtime in ("torch", "ort"):
            result = run([sys.executable, __file__, "--worker", runtime, "--models", name,
                          "--work", work, "--threads", args.threads, "--warmup", args.warmup,
                          "--iters", args.iters], capture_output=True, env=timing_env(args))
            rounds[runtime].append(json.loads(result.stdout.strip().splitlines()[-1]))
        for runtime in rounds:
            log(f"  {runtime:5s} median {rounds[runtime][-1]['median_ms']:9.3f} ms  "
                f"mean {rounds[runtime][-1]['mean_ms']:9.3f} ms")

    best = {k: min(v, key=lambda s: s["median_ms"]) for k, v in rounds.items()}
    return {
        "model": name,
        "source": str(MODELS[name].relative_to(ROOT)),
        "batch": BATCH,
        "check": check,
        "best": best,
        "rounds": rounds,
        "speedup_vs_torch": best["torch"]["median_ms"] / best["dlc"]["median_ms"],
        "speedup_vs_ort": best["ort"]["median_ms"] / best["dlc"]["median_ms"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build",
                        help="dlc build directory with bin/dlc and bin/forward_bench")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for every runtime (default: os.cpu_count())")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3,
                        help="times each runtime this many times; the best median counts")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of " + ", ".join(MODELS))
    parser.add_argument("--results", type=Path, default=HERE / "results",
                        help="where forward-<date>.json goes")
    parser.add_argument("--work", type=Path, default=HERE / ".work",
                        help="scratch folder for .fb, .safetensors, .onnx and .npy files")
    parser.add_argument("--default-malloc", action="store_true",
                        help="time with glibc's default (adaptive) malloc thresholds")
    parser.add_argument("--isa", choices=["native", "avx2"], default="native",
                        help="avx2: cap dlc, oneDNN and PyTorch at AVX2 (see above)")
    parser.add_argument("--worker", choices=["torch", "ort"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.models, args)
    names = [n for n in args.models.split(",") if n]
    for n in names:
        if n not in MODELS:
            parser.error(f"unknown model '{n}'; choose from {', '.join(MODELS)}")

    # Threads: torch's intra-op pool, one inter-op thread; ORT gets the same
    # per session; dlc gets --threads.
    import onnxruntime as ort
    import torch
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    args.work.mkdir(parents=True, exist_ok=True)
    images = np.random.default_rng(0).integers(0, 256, (BATCH, 28, 28), dtype=np.uint8)
    images_path = args.work / "images.npy"
    np.save(images_path, images)

    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()
    results = [bench_model(n, args, args.work, images_path, images) for n in names]
    load_after = loadavg()

    import onnx
    report = {
        "benchmark": "forward",
        "date": started.isoformat(timespec="seconds"),
        "dlc_revision": git_revision(),
        "threads": args.threads,
        "warmup": args.warmup,
        "iters": args.iters,
        "rounds": args.rounds,
        "statistic": "best-of-rounds median ms per batch of 128",
        "glibc_tunables": None if args.default_malloc else MALLOC_TUNABLES,
        "isa": args.isa,
        "isa_environment": AVX2_ENV if args.isa == "avx2" else {},
        "dlc_device": results[0]["best"]["dlc"].get("device") if results else None,
        "machine": {"cpu": cpu_model(), "cpu_count": os.cpu_count(),
                    "loadavg_before": load_before, "loadavg_after": load_after},
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "onnxruntime": ort.__version__, "onnx": onnx.__version__,
                     "numpy": np.__version__},
        "models": results,
    }

    header = (f"{'model':14s} {'dlc ms':>9s} {'torch ms':>9s} {'ort ms':>9s} "
              f"{'dlc vs torch':>13s} {'dlc vs ort':>11s}")
    print()
    print(f"forward pass, batch {BATCH}, {args.threads} threads, median of {args.iters} "
          f"(best of {args.rounds} rounds); speedup = peer ms / dlc ms; "
          f"{'capped at AVX2 (ONNX Runtime not capped)' if args.isa == 'avx2' else 'native ISA'}")
    print(header)
    print("-" * len(header))
    for r in results:
        b = r["best"]
        print(f"{r['model']:14s} {b['dlc']['median_ms']:9.3f} {b['torch']['median_ms']:9.3f} "
              f"{b['ort']['median_ms']:9.3f} {r['speedup_vs_torch']:12.2f}x "
              f"{r['speedup_vs_ort']:10.2f}x")
    print(f"load average before {load_before}, after {load_after}")

    args.results.mkdir(parents=True, exist_ok=True)
    # forward-<date>.json for the default run; other thread counts or model
    # subsets get a suffix so they do not replace it.
    suffix = "" if args.threads == os.cpu_count() else f"-t{args.threads}"
    if args.isa == "avx2":
        suffix += "-avx2"
    if names != list(MODELS):
        suffix += "-" + "+".join(names)
    path = args.results / f"forward-{started.strftime('%Y-%m-%d')}{suffix}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(path)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
