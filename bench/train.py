#!/usr/bin/env python3
"""Training-throughput benchmark: dlc vs PyTorch eager, torch.compile and
JAX (CPU), over every model in models/.

For each model:

1. compile it with `dlc compile` (which builds `train_step`: forward,
   backward and the optimizer update in one entry point);
2. have bench/forward_bench save dlc's initialized parameters; every peer
   starts from those (bench/torch_models.py, bench/jax_models.py);
3. check, before timing, that every peer computes dlc's loss at those
   parameters on the benchmark batch (the model's inference-form `loss`,
   within 1e-4 relative): a peer that computes something else is not timed;
4. time one training step on the same batch in each runtime, with the same
   thread count:
   - dlc: train_step through the C API (set the inputs, run, read the loss);
   - torch eager: zero_grad, forward, loss, backward, the model's optimizer
     (Adam, or AdamW and clipping where the model file says so), PyTorch's
     defaults;
   - torch.compile: the same step function under torch.compile() (default
     mode, inductor's CPU backend), optimizer included; if that fails, the
     model alone, and the JSON says so;
   - JAX: the jit-compiled step (value_and_grad, clipping, Adam/AdamW in
     jax.numpy), parameters and moments donated.
   A warm-up (which includes compilation; its first call is reported
   apart), then K steps, median per step; best median of R rounds, each
   runtime in a fresh process of its own.

The schedules' per-step learning-rate arithmetic is left out of the peers
(a few scalar operations; dlc's step does it). Prints samples/s and dlc's
ratio to each peer; writes bench/results/train-<date>.json. Run it through
bench/run.sh train.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import forward  # noqa: E402  (shared helpers)
import jax_models  # noqa: E402
import torch_models  # noqa: E402

HERE, ROOT = forward.HERE, forward.ROOT
MODELS = {p.stem: p for p in sorted((ROOT / "models").glob("*.mlir"))}
PEERS = ("torch", "compile", "jax")
TOLERANCE = 1e-4


def make_inputs(name, rng):
    """The benchmark batch of a model's train_step, by input name."""
    if name == "mlp":
        return {"x": rng.standard_normal((64, 1000)).astype(np.float32),
                "target": rng.standard_normal((64, 10)).astype(np.float32)}
    if name == "char_gpt":
        return {"tokens": rng.integers(0, 256, (32, 64)).astype(np.int32),
                "targets": rng.integers(0, 256, 32 * 64).astype(np.int32)}
    return {"images": rng.integers(0, 256, (128, 28, 28), dtype=np.uint8),
            "labels": rng.integers(0, 10, 128).astype(np.int32)}


def batch_size(inputs):
    return len(next(iter(inputs.values())))


def torch_step(name, params, x, target, mode):
    """The eval-mode loss at the starting parameters and the step function."""
    import torch
    loss_fn = torch_models.loss_function(name)
    clip = torch_models.OPTIMIZERS[name].get("clip_norm")
    model = torch_models.build_model(name, params)
    with torch.no_grad():
        check = float(loss_fn(model.eval()(x), target))
    model.train()
    optimizer = torch_models.build_optimizer(name, model.parameters())

    def step(forward_fn):
        def run():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(forward_fn(x), target)
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            return loss
        return run
    if mode == "eager":
        return check, step(model), "eager"
    # The whole step compiled (PyTorch's recipe for compiling the optimizer
    # too); the model alone if that fails.
    try:
        fn = torch.compile(step(model))
        fn()
        return check, fn, "step"
    except Exception as e:  # noqa: BLE001
        forward.log(f"{name}: torch.compile of the whole step failed ({type(e).__name__}: "
                    f"{str(e)[:200]}); compiling the model alone")
        torch._dynamo.reset()
        model = torch_models.build_model(name, params).train()
        optimizer = torch_models.build_optimizer(name, model.parameters())
        return check, step(torch.compile(model)), "model"


def jax_step(name, params, inputs):
    import jax
    import jax.numpy as jnp
    weights, state = jax_models.prepare(name, params)
    x, target = (jnp.asarray(v) for v in inputs.values())
    out, _ = jax.jit(lambda w, s, x: jax_models.forward(name, w, s, x, None, False))(
        weights, state, x)
    check = float(jax_models.loss(name, out, target))
    fn = jax_models.train_step(name, torch_models.OPTIMIZERS[name])
    s = {"w": {k: jnp.asarray(v) for k, v in weights.items()},
         "state": {k: jnp.asarray(v) for k, v in state.items()}}
    s["m"] = {k: jnp.zeros_like(v) for k, v in s["w"].items()}
    s["v"] = {k: jnp.zeros_like(v) for k, v in s["w"].items()}
    s["t"] = jnp.asarray(0.0, jnp.float32)
    key = jax.random.PRNGKey(0)

    def step():
        s["w"], s["m"], s["v"], s["t"], s["state"], loss = fn(
            s["w"], s["m"], s["v"], s["t"], s["state"], x, target, key)
        loss.block_until_ready()
    return check, step


def worker(peer, name, args):
    from safetensors.numpy import load_file
    data = np.load(args.work / f"{name}.inputs.npz")
    inputs = {k: data[k] for k in data.files}
    # The model's own parameters (dlc's file also holds its optimizer state:
    # train.step, <param>.m, <param>.v).
    params = {k: v for k, v in load_file(str(args.work / f"{name}.safetensors")).items()
              if "." not in k}
    result = {}
    start = time.perf_counter()
    if peer == "jax":
        check, step = jax_step(name, params, inputs)
    else:
        import torch
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
        x, target = (torch.from_numpy(v) for v in inputs.values())
        if name != "mlp":
            target = target.long()
        check, step, result["compiled"] = torch_step(
            name, params, x, target, "eager" if peer == "torch" else "default")
    step()
    result["first_step_ms"] = (time.perf_counter() - start) * 1000
    result["check_loss"] = check
    timing = forward.time_callable(step, args.warmup, args.iters)
    timing["samples_per_s"] = batch_size(inputs) * 1000 / timing["median_ms"]
    print(json.dumps({**result, **timing}))


def bench_model(name, args, env):
    work, driver = args.work, args.build / "bin" / "forward_bench"
    fb, params = work / f"{name}.fb", work / f"{name}.safetensors"
    forward.run([args.build / "bin" / "dlc", "compile", MODELS[name], "-o", fb])
    forward.run([driver, fb, "--save-params", params])
    inputs = make_inputs(name, np.random.default_rng(0))
    np.savez(work / f"{name}.inputs.npz", **inputs)
    flags = []
    for key, value in inputs.items():
        np.save(work / f"{name}.{key}.npy", value)
        flags += ["--input", f"{key}={work / f'{name}.{key}.npy'}"]

    # The loss at the starting parameters (inference form), dlc's and each peer's.
    first = json.loads(forward.run([driver, fb, "--entry", "loss", "--params", params, *flags,
                                    "--warmup", 0, "--iters", 1],
                                   capture_output=True).stdout.strip().splitlines()[-1])
    dlc_loss = next(iter(first["first_outputs"].values()))
    rounds = {k: [] for k in ("dlc", *PEERS)}
    checks = {}
    for r in range(args.rounds):
        forward.log(f"{name}: round {r + 1}/{args.rounds} (load {forward.loadavg()})")
        out = forward.run([driver, fb, "--entry", "train_step", "--params", params, *flags,
                           "--threads", args.threads, "--warmup", args.warmup,
                           "--iters", args.iters], capture_output=True, env=env)
        d = json.loads(out.stdout.strip().splitlines()[-1])
        d["samples_per_s"] = batch_size(inputs) * 1000 / d["median_ms"]
        rounds["dlc"].append(d)
        for peer in PEERS:
            if peer in checks and not checks[peer]["agrees"]:
                continue
            try:
                out = forward.run([sys.executable, __file__, "--worker", peer, "--model", name,
                                   "--work", work, "--threads", args.threads,
                                   "--warmup", args.warmup, "--iters", args.iters],
                                  capture_output=True, env=env)
            except Exception as e:  # noqa: BLE001 (a peer that fails is reported, not fatal)
                err = getattr(e, "stderr", "") or str(e)
                forward.log(f"{name}: {peer} failed: {err[-2000:]}")
                checks[peer] = {"agrees": False, "error": err[-2000:]}
                continue
            p = json.loads(out.stdout.strip().splitlines()[-1])
            rel = abs(p["check_loss"] - dlc_loss) / max(abs(dlc_loss), 1e-12)
            checks[peer] = {"loss": p["check_loss"], "relative_difference": rel,
                            "agrees": rel <= TOLERANCE}
            if not checks[peer]["agrees"]:
                forward.log(f"{name}: {peer}'s loss {p['check_loss']:.6f} is not dlc's "
                            f"{dlc_loss:.6f}; not timed")
                continue
            rounds[peer].append(p)
        for k, v in rounds.items():
            if v:
                forward.log(f"  {k:8s} median {v[-1]['median_ms']:9.3f} ms")
    best = {k: min(v, key=lambda s: s["median_ms"]) for k, v in rounds.items() if v}
    return {"model": name, "source": str(MODELS[name].relative_to(ROOT)),
            "batch": batch_size(inputs), "dlc_loss": dlc_loss, "checks": checks,
            "best": best, "rounds": rounds,
            "ratios": {k: best[k]["median_ms"] / best["dlc"]["median_ms"]
                       for k in PEERS if k in best}}


TARGETS = {"torch": 1.2, "compile": 1.0, "jax": 1.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of " + ", ".join(MODELS))
    parser.add_argument("--default-malloc", action="store_true")
    parser.add_argument("--isa", choices=["native", "avx2"], default="native",
                        help="avx2: cap dlc, oneDNN, OpenBLAS and PyTorch at AVX2 (forward.py)")
    parser.add_argument("--worker", choices=PEERS)
    parser.add_argument("--model")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-train")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.model, args)
        return 0
    names = [n for n in args.models.split(",") if n]
    for n in names:
        if n not in MODELS:
            parser.error(f"unknown model '{n}'; choose from {', '.join(MODELS)}")

    args.work.mkdir(parents=True, exist_ok=True)
    env = forward.timing_env(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = forward.loadavg()
    results = [bench_model(n, args, env) for n in names]

    print(f"\ntraining step, {args.threads} threads, median of {args.iters} (best of "
          f"{args.rounds} rounds); ratio = dlc samples/s / peer samples/s; targets: "
          + ", ".join(f"{k} >= {v}x" for k, v in TARGETS.items()))
    print(f"{'model':<16}{'batch':>6}{'dlc /s':>9}{'eager /s':>10}{'compile /s':>11}"
          f"{'jax /s':>9}{'vs eager':>10}{'vs compile':>11}{'vs jax':>9}")
    missed = []
    for r in results:
        b = r["best"]
        rate = {k: f"{b[k]['samples_per_s']:.0f}" if k in b else "-" for k in ("dlc", *PEERS)}
        ratio = {}
        for k in PEERS:
            if k in r["ratios"]:
                ok = r["ratios"][k] >= TARGETS[k]
                ratio[k] = f"{r['ratios'][k]:.2f}x" + ("" if ok else "!")
                if not ok:
                    missed.append(f"{r['model']} vs {k}")
            else:
                ratio[k] = "failed"
        print(f"{r['model']:<16}{r['batch']:>6}{rate['dlc']:>9}{rate['torch']:>10}"
              f"{rate['compile']:>11}{rate['jax']:>9}{ratio['torch']:>10}{ratio['compile']:>11}"
              f"{ratio['jax']:>9}")
    print("! = below its target" + (": " + ", ".join(missed) if missed else "; none"))
    import jax
    import torch
    report = {
        "benchmark": "train",
        "date": started.isoformat(timespec="seconds"),
        "dlc_revision": forward.git_revision(), "threads": args.threads,
        "warmup": args.warmup, "iters": args.iters, "rounds": args.rounds,
        "statistic": "best-of-rounds median ms per training step",
        "isa": args.isa, "isa_environment": forward.AVX2_ENV if args.isa == "avx2" else {},
        "targets": TARGETS, "missed": missed,
        "machine": {"cpu": forward.cpu_model(), "cpu_count": os.cpu_count(),
                    "loadavg_before": load_before, "loadavg_after": forward.loadavg()},
        "versions": {"torch": torch.__version__, "jax": jax.__version__,
                     "numpy": np.__version__},
        "models": results,
    }
    suffix = ("" if names == list(MODELS) else "-" + "+".join(names)) + \
        ("-avx2" if args.isa == "avx2" else "")
    out = HERE / "results" / f"train-{started.strftime('%Y-%m-%d')}{suffix}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
