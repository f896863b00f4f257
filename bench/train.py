#!/usr/bin/env python3
"""Training-throughput benchmark: dlc vs PyTorch (CPU) vs JAX (CPU, jit).

For each model (models/fashion_mlp.mlir, models/fashion_cnn.mlir, batch 128,
Adam at lr 1e-3 as the models declare):

1. compile it with `dlc compile` (which builds `train_step`: forward,
   backward and the Adam update in one entry point);
2. have bench/forward_bench save dlc's initialized parameters; PyTorch and
   JAX start from those;
3. time one training step on the same batch of 128 images in each runtime,
   with the same thread count: dlc's train_step through the C API (set the
   inputs, run, read the loss), PyTorch's zero_grad/forward/backward/Adam
   step, and JAX's jit-compiled step (value_and_grad and Adam written with
   jax.numpy, parameters and moments donated). A warm-up (which includes
   JAX's compilation), then K steps, median per step; best median of R
   rounds, each runtime in its own process.

Prints samples/s and the ratios dlc/PyTorch and dlc/JAX; writes
bench/results/train-<date>.json. Run it through bench/run.sh train.
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import forward  # noqa: E402  (shared helpers and the PyTorch mirrors)

HERE, ROOT, BATCH = forward.HERE, forward.ROOT, forward.BATCH
MODELS = forward.MODELS


def torch_step(name, params, images, labels, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    model = forward.torch_model(name, params).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def jax_step(name, params, images, labels):
    import jax
    import jax.numpy as jnp

    def forward_fn(p, x, key):
        x = x.astype(jnp.float32) * 0.003921568627
        if name == "fashion_mlp":
            h = jax.nn.relu(x.reshape(BATCH, 784) @ p["w1"] + p["b1"])
            return h @ p["w2"] + p["b2"]

        def conv(x, w, b):
            y = jax.lax.conv_general_dilated(x, w, (1, 1), ((2, 2), (2, 2)),
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"))
            return y + b.reshape(1, -1, 1, 1)

        def pool(x):
            return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2),
                                         "VALID")
        x = x.reshape(BATCH, 1, 28, 28)
        x = pool(jax.nn.relu(conv(x, p["conv1_w"], p["conv1_b"])))
        x = pool(jax.nn.relu(conv(x, p["conv2_w"], p["conv2_b"])))
        h = jax.nn.relu(x.reshape(BATCH, 3136) @ p["fc1_w"] + p["fc1_b"])
        keep = jax.random.bernoulli(key, 0.5, h.shape)
        h = jnp.where(keep, h * 2.0, 0.0)
        return h @ p["fc2_w"] + p["fc2_b"]

    def loss_fn(p, x, y, key):
        logits = forward_fn(p, x, key)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    def train_step(p, m, v, t, x, y, key):
        loss, g = jax.value_and_grad(loss_fn)(p, x, y, key)
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
        p = jax.tree_util.tree_map(
            lambda p, m, v: p - 1e-3 * (m / c1) / (jnp.sqrt(v / c2) + 1e-8), p, m, v)
        return p, m, v, t, loss

    step_fn = jax.jit(train_step, donate_argnums=(0, 1, 2))
    state = {"p": {k: jnp.asarray(v) for k, v in params.items()}}
    state["m"] = {k: jnp.zeros_like(v) for k, v in state["p"].items()}
    state["v"] = {k: jnp.zeros_like(v) for k, v in state["p"].items()}
    state["t"] = jnp.asarray(0.0, jnp.float32)
    x, y = jnp.asarray(images), jnp.asarray(labels.astype(np.int32))
    key = jax.random.PRNGKey(0)

    def step():
        state["p"], state["m"], state["v"], state["t"], loss = step_fn(
            state["p"], state["m"], state["v"], state["t"], x, y, key)
        loss.block_until_ready()
    return step


def worker(runtime, name, args):
    from safetensors.numpy import load_file
    images = np.load(args.work / "images.npy")
    labels = np.load(args.work / "labels.npy")
    # The model's own parameters (dlc's file also holds its optimizer state:
    # train.step, <param>.m, <param>.v).
    params = {k: v for k, v in load_file(str(args.work / f"{name}.safetensors")).items()
              if "." not in k}
    if runtime == "torch":
        step = torch_step(name, params, images, labels, args.threads)
    else:
        step = jax_step(name, params, images, labels)
    print(json.dumps(forward.time_callable(step, args.warmup, args.iters)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--models", default="fashion_mlp,fashion_cnn")
    parser.add_argument("--default-malloc", action="store_true")
    parser.add_argument("--worker", choices=["torch", "jax"])
    parser.add_argument("--model")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-train")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.model, args)
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    np.save(args.work / "images.npy", rng.integers(0, 256, (BATCH, 28, 28), dtype=np.uint8))
    np.save(args.work / "labels.npy", rng.integers(0, 10, BATCH).astype(np.int32))
    env = forward.timing_env(args)
    driver = args.build / "bin" / "forward_bench"
    results = []
    load_before = forward.loadavg()
    for name in args.models.split(","):
        fb = args.work / f"{name}.fb"
        forward.run([args.build / "bin" / "dlc", "compile", MODELS[name], "-o", fb])
        params = args.work / f"{name}.safetensors"
        forward.run([driver, fb, "--save-params", params])
        rounds = []
        for _ in range(args.rounds):
            entry = {}
            dlc = forward.run([driver, fb, "--entry", "train_step", "--params", params,
                               "--input", f"images={args.work / 'images.npy'}",
                               "--input", f"labels={args.work / 'labels.npy'}",
                               "--threads", args.threads, "--warmup", args.warmup,
                               "--iters", args.iters], capture_output=True, env=env)
            entry["dlc"] = json.loads(dlc.stdout.strip().splitlines()[-1])
            for peer in ("torch", "jax"):
                out = forward.run([sys.executable, __file__, "--worker", peer, "--model", name,
                                   "--work", args.work, "--threads", args.threads,
                                   "--warmup", args.warmup, "--iters", args.iters],
                                  capture_output=True, env=env)
                entry[peer] = json.loads(out.stdout.strip().splitlines()[-1])
            rounds.append(entry)
        best = {k: min((r[k] for r in rounds), key=lambda s: s["median_ms"])
                for k in ("dlc", "torch", "jax")}
        results.append({"model": name, "batch": BATCH, "best": best, "rounds": rounds})

    print(f"\ntraining step, batch {BATCH}, {args.threads} threads, median of {args.iters} "
          f"(best of {args.rounds} rounds); ratio = dlc samples/s / peer samples/s")
    print(f"{'model':<14}{'dlc /s':>10}{'torch /s':>10}{'jax /s':>10}{'vs torch':>10}{'vs jax':>9}")
    for r in results:
        b = r["best"]
        rate = {k: BATCH * 1000 / b[k]["median_ms"] for k in b}
        print(f"{r['model']:<14}{rate['dlc']:>10.0f}{rate['torch']:>10.0f}{rate['jax']:>10.0f}"
              f"{rate['dlc'] / rate['torch']:>9.2f}x{rate['dlc'] / rate['jax']:>8.2f}x")
    import jax
    import torch
    report = {
        "benchmark": "train",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "dlc_revision": forward.git_revision(), "threads": args.threads,
        "warmup": args.warmup, "iters": args.iters, "rounds": args.rounds,
        "statistic": "best-of-rounds median ms per training step of 128",
        "machine": {"cpu": forward.cpu_model(), "cpu_count": os.cpu_count(),
                    "loadavg_before": load_before, "loadavg_after": forward.loadavg()},
        "versions": {"torch": torch.__version__, "jax": jax.__version__,
                     "numpy": np.__version__},
        "models": results,
    }
    out = HERE / "results" / f"train-{datetime.date.today().isoformat()}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
