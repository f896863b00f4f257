#!/usr/bin/env python3
"""The GPU benchmarks: dlc against PyTorch eager and torch.compile (default
and mode="reduce-overhead") on one GPU, in one run. Started by
bench/gpu/run.sh, which sets up the bundle (scripts/gpu-bundle.sh) and the
environment; run by hand only through it.

Measured, for fp32 (TF32 off on both sides) and again with TF32 on for both:
  - training step of models/mlp.mlir (batch 64), fashion_mlp and fashion_cnn
    (batch 128): dlc's train_step through the C API (forward_bench: inputs
    set from host memory each step, the loss fetched without waiting),
    PyTorch's zero_grad/forward/loss/backward/Adam with the batch already on
    the GPU. Same starting weights (dlc's), same batch, same Adam settings.
    A sample is SYNC_EVERY steps and one synchronize; the median sample
    after a warm-up, which includes compiling (reported apart);
  - peak GPU memory over the timed steps: dlc_session_peak_memory against
    torch.cuda.max_memory_allocated;
  - fashion_cnn inference: latency at batch 1 (input from the host, logits
    back, one at a time) and throughput at batch 128 (SYNC_EVERY batches per
    synchronize); the peers' logits are checked against dlc's;
and once, in fp32: the time for fashion_cnn to reach 0.916 test accuracy,
dlrun --train --stop-when against a PyTorch eager loop with the whole data
set on the GPU, both evaluating after each epoch; dlrun's accuracy at that
epoch is checked against the CPU's (bench/gpu/cpu_reference.json).

The PyTorch measurements run in their own processes (torch_peers.py): all
the compiled ones are started first and compile in parallel (while
scripts/gpu-check.sh runs), then each is timed alone.

Writes OUT/bench.json and OUT/table.md and prints the tables.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEERS = HERE / "torch_peers.py"
MODES = ("eager", "default", "reduce-overhead")
MODE_NAMES = {"eager": "eager", "default": "compile", "reduce-overhead": "compile-ro"}
TARGET_ACCURACY = 0.916

# Each model's batch, learning rate and train_step inputs (bundle/bench/).
MODELS = {
    "mlp": {"batch": 64, "lr": 1e-4, "inputs": {"x": "mlp_x.npy", "target": "mlp_target.npy"}},
    "fashion_mlp": {"batch": 128, "lr": 1e-3,
                    "inputs": {"images": "images128.npy", "labels": "labels128.npy"}},
    "fashion_cnn": {"batch": 128, "lr": 1e-3,
                    "inputs": {"images": "images128.npy", "labels": "labels128.npy"}},
}
# Targets of the issue: (peer mode, at least this ratio of peer time / dlc time).
TARGETS = {
    "mlp": [("eager", 3.0), ("reduce-overhead", 1.2)],
    "fashion_mlp": [("eager", 1.5), ("best-compile", 1.0)],
    "fashion_cnn": [("eager", 1.5), ("best-compile", 1.0)],
}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Worker:
    """A torch_peers.py process: started, ready (compiled and warmed up),
    then told to go and read for its result."""

    def __init__(self, spec, python, env):
        self.spec = spec
        self.process = subprocess.Popen([python, str(PEERS), json.dumps(spec)], text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env)
        self.ready = None
        self.result = None
        self.stderr = []
        threading.Thread(target=lambda: self.stderr.extend(self.process.stderr),
                         daemon=True).start()

    def wait_ready(self, deadline):
        """Reads the ready line (or an early result); False if the deadline passed."""
        line = self._readline(deadline)
        if line is None:
            self.kill("timed out while compiling and warming up")
            return False
        message = json.loads(line)
        if "result" in message:
            self.result = message["result"]
        else:
            self.ready = message
        return True

    def go(self, deadline):
        if self.result is not None:
            return self.result
        try:
            self.process.stdin.write("go\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass
        line = self._readline(deadline)
        if line is None:
            self.kill("timed out while timing")
        else:
            self.result = json.loads(line)["result"]
            self.result["ready"] = self.ready
        self.process.wait()
        return self.result

    def kill(self, why):
        self.process.kill()
        self.process.wait()
        self.result = {"status": "error", "error": why,
                       "stderr": "".join(self.stderr)[-2000:]}

    def _readline(self, deadline):
        box = []
        reader = threading.Thread(target=lambda: box.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(max(1.0, deadline - time.time()))
        if not box or not box[0]:
            if box and not box[0]:  # the process ended without a line
                self.process.wait()
                self.result = {"status": "error",
                               "error": f"exited with {self.process.returncode}",
                               "stderr": "".join(self.stderr)[-2000:]}
                return json.dumps({"result": self.result})
            return None
        while box[0].strip() and not box[0].lstrip().startswith("{"):
            box[0] = self.process.stdout.readline()  # skip a library's chatter
        return box[0]


def run(command, timeout, env=None):
    start = time.time()
    try:
        p = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                           timeout=timeout, env=env)
        return p.returncode, p.stdout, p.stderr, time.time() - start
    except subprocess.TimeoutExpired as e:
        return 124, e.stdout or "", f"timed out after {timeout} s", time.time() - start


def dlc_bench(args, fb, entry, inputs, precision, sync_every, iters, params, output=None,
              warmup=None):
    command = [args.forward_bench, fb, "--entry", entry, "--device", args.device,
               "--precision", precision, "--params", params,
               "--warmup", args.warmup if warmup is None else warmup,
               "--iters", iters, "--sync-every", sync_every]
    for name, path in inputs.items():
        command += ["--input", f"{name}={path}"]
    if output:
        command += ["--output", output]
    rc, out, err, _ = run(command, timeout=args.step_timeout)
    if rc != 0:
        return {"status": "error", "error": (err or out).strip()[-1500:]}
    result = json.loads(out.strip().splitlines()[-1])
    result["status"] = "ok"
    return result


def peer_specs(args):
    """Every PyTorch measurement, compiled modes first (they are started
    early, to compile while the checks run)."""
    bench = args.bundle / "bench"
    specs = []
    for precision in args.precisions:
        for mode in args.modes:
            for name in args.models:
                m = MODELS[name]
                specs.append({
                    "kind": "train", "model": name, "mode": mode, "precision": precision,
                    "device": args.torch_device, "lr": m["lr"],
                    "params": str(args.params / f"{name}.init.safetensors"),
                    "inputs": [str(bench / f) for f in m["inputs"].values()],
                    "warmup": args.warmup, "iters": args.iters, "sync_every": args.sync_every})
            if args.inference:
                specs.append({
                    "kind": "infer", "model": "fashion_cnn", "mode": mode,
                    "precision": precision, "device": args.torch_device,
                    "params": str(args.params / "fashion_cnn.init.safetensors"),
                    "warmup": args.warmup, "iters": args.iters,
                    "cases": [
                        {"batch": batch, "input": str(bench / f"images{batch}.npy"),
                         "sync_every": 1 if batch == 1 else args.sync_every,
                         "expect": str(args.out / "dlc" / f"logits{batch}_{precision}.npy")}
                        for batch in args.infer_batches]})
    return sorted(specs, key=lambda s: s["mode"] == "eager")


def dlc_measurements(args, logits_only=False):
    """dlc's training steps and inference; with logits_only, just the
    inference logits the PyTorch peers check theirs against."""
    bench = args.bundle / "bench"
    results = {"train": {}, "infer": {}}
    (args.out / "dlc").mkdir(parents=True, exist_ok=True)
    iters = 1 if logits_only else args.iters
    for precision in args.precisions:
        for name in ([] if logits_only else args.models):
            m = MODELS[name]
            inputs = {k: bench / f for k, f in m["inputs"].items()}
            r = dlc_bench(args, args.bundle / "models" / f"{name}.fb", "train_step", inputs,
                          precision, args.sync_every, args.iters,
                          args.params / f"{name}.init.safetensors")
            results["train"][f"{name}/{precision}"] = r
            log(f"  dlc {name} train_step {precision}: {said(r)}")
        if args.inference:
            for batch, fb, sync_every in ((1, bench / "fashion_cnn_b1.fb", 1),
                                          (128, args.bundle / "models" / "fashion_cnn.fb",
                                           args.sync_every)):
                if batch not in args.infer_batches:
                    continue
                r = dlc_bench(args, fb, "forward", {"images": bench / f"images{batch}.npy"},
                              precision, 1 if logits_only else sync_every, iters,
                              args.params / "fashion_cnn.init.safetensors",
                              output=args.out / "dlc" / f"logits{batch}_{precision}.npy",
                              warmup=0 if logits_only else None)
                results["infer"][f"fashion_cnn/{batch}/{precision}"] = r
                log(f"  dlc fashion_cnn forward batch {batch} {precision}: {said(r)}")
    return results


def time_to_accuracy(args, python, env):
    """dlrun on the GPU and a PyTorch eager loop, each until TARGET_ACCURACY."""
    data = args.accuracy_data or args.bundle / "data" / "fashion-mnist"
    logfile = args.out / "fashion_cnn_to_accuracy.jsonl"
    if logfile.exists():
        logfile.unlink()
    command = [args.dlrun, args.bundle / "models" / "fashion_cnn.fb", "--train",
               "--device", args.device, "--data", data, "--log", logfile,
               "--stop-when", f"accuracy>={TARGET_ACCURACY}", *args.accuracy_budget]
    rc, out, err, seconds = run(command, timeout=args.accuracy_timeout)
    dlc = {"command": " ".join(map(str, command)), "exit": rc, "wall_s": round(seconds, 2)}
    if rc != 0:
        dlc["error"] = (err or out).strip()[-1500:]
    else:
        records = [json.loads(line) for line in logfile.read_text().splitlines()]
        dlc["evals"] = [{k: r[k] for k in ("epoch", "step", "elapsed_s", "accuracy")}
                        for r in records if r["kind"] == "eval"]
        reached = [e for e in dlc["evals"] if e["accuracy"] >= TARGET_ACCURACY]
        dlc["reached"] = reached[0] if reached else None
        m = re.search(r"^peak memory on the device: (.*)$", out, re.M)
        dlc["peak_memory"] = m.group(1) if m else None
        dlc["device_line"] = next((l for l in out.splitlines() if l.startswith("device:")), "")
    # The CPU's accuracy at the same epochs, from the same start and data order.
    reference = json.loads((HERE / "cpu_reference.json").read_text())
    cpu = {e["epoch"]: e["accuracy"] for e in reference["evals"]}
    compared = [{"epoch": e["epoch"], "gpu": e["accuracy"], "cpu": cpu[e["epoch"]],
                 "difference": e["accuracy"] - cpu[e["epoch"]]}
                for e in dlc.get("evals", []) if e["epoch"] in cpu and e["step"] % 468 == 0]
    dlc["against_cpu"] = compared
    dlc["same_accuracy_as_cpu"] = bool(compared) and all(
        abs(c["difference"]) <= 0.01 for c in compared)
    spec = {"kind": "accuracy", "device": args.torch_device, "target": TARGET_ACCURACY,
            "params": str(args.params / "fashion_cnn.init.safetensors"), "data": str(data),
            "max_epochs": args.accuracy_epochs, "max_steps": args.accuracy_steps}
    worker = Worker(spec, python, env)
    deadline = time.time() + args.accuracy_timeout
    torch_result = worker.go(deadline) if worker.wait_ready(deadline) else worker.result
    return {"target": TARGET_ACCURACY, "dlc": dlc, "torch_eager": torch_result}


def agreement(report):
    """Whether each peer computes what dlc does: the loss of the first step
    (at the starting parameters; models without dropout) and the inference
    logits. Tolerances: the loss 1e-4 relative in fp32 and 1e-2 with TF32; the
    logits 1e-3 absolute in fp32 and 5e-2 with TF32."""
    rows = []
    for key, r in report["torch"].items():
        kind, name, mode, precision = key.split("/")
        if r.get("status") != "ok":
            continue
        tolerance = 1e-4 if precision == "fp32" else 1e-2
        if kind == "train" and name != "fashion_cnn":
            mine = report["dlc"]["train"].get(f"{name}/{precision}", {})
            loss = mine.get("first_outputs", {}).get("loss")
            if loss is not None:
                difference = abs(r["first_loss"] - loss) / max(abs(loss), 1e-30)
                rows.append({"peer": key, "what": "first loss", "dlc": loss,
                             "torch": r["first_loss"], "difference": difference,
                             "ok": difference <= tolerance})
        elif kind == "infer":
            for case in r["cases"]:
                difference = case["max_abs_diff_vs_dlc"]
                rows.append({"peer": key, "what": f"logits at batch {case['batch']}",
                             "difference": difference,
                             "ok": difference <= (1e-3 if precision == "fp32" else 5e-2)})
    return rows


def said(result):
    """A measurement in a progress line."""
    if result.get("status") == "ok" and "median_ms" in result:
        return f"{result['median_ms']:.3f} ms"
    if result.get("status") == "ok":
        return "ok"
    return "ERROR " + str(result.get("error"))[:300]


def ratio(peer, mine):
    if not peer or not mine:
        return None
    return peer / mine


def tables(report):
    lines = []
    train, peers = report["dlc"]["train"], report["torch"]
    for precision in report["precisions"]:
        title = "fp32, TF32 off" if precision == "fp32" else "TF32 on for both"
        lines += [f"### Training step ({title}); ms per step, ratio = peer ms / dlc ms", "",
                  "| model | batch | dlc | " + " | ".join(MODE_NAMES[m] for m in report["modes"])
                  + " | " + " | ".join(f"vs {MODE_NAMES[m]}" for m in report["modes"])
                  + " | targets |",
                  "|---" * (3 + 2 * len(report["modes"]) + 1) + "|"]
        for name in report["models"]:
            d = train.get(f"{name}/{precision}", {})
            mine = d.get("median_ms")
            times = {m: peers.get(f"train/{name}/{m}/{precision}", {}).get("median_ms")
                     for m in report["modes"]}
            cells = [f"{times[m]:.3f}" if times[m] else "error" for m in report["modes"]]
            ratios = {m: ratio(times[m], mine) for m in report["modes"]}
            verdicts = []
            for mode, want in TARGETS[name]:
                if mode == "best-compile":
                    compiled = [ratios[m] for m in ("default", "reduce-overhead")
                                if m in ratios and ratios[m]]
                    got = min(compiled) if compiled else None
                else:
                    got = ratios.get(mode)
                label = "best compile" if mode == "best-compile" else MODE_NAMES[mode]
                verdicts.append(f"{label} >= {want}x: " + (
                    "not measured" if got is None else ("met" if got >= want else "MISSED")))
            lines.append(
                f"| {name} | {MODELS[name]['batch']} | "
                + (f"{mine:.3f}" if mine else "error") + " | " + " | ".join(cells) + " | "
                + " | ".join(f"{ratios[m]:.2f}x" if ratios[m] else "-" for m in report["modes"])
                + " | " + "; ".join(verdicts) + " |")
        lines += ["", f"### Peak GPU memory of a training step ({title}); MiB", "",
                  "| model | dlc | " + " | ".join(MODE_NAMES[m] for m in report["modes"])
                  + " | dlc <= eager |", "|---" * (3 + len(report["modes"])) + "|"]
        for name in report["models"]:
            mine = train.get(f"{name}/{precision}", {}).get("peak_memory_bytes")
            theirs = {m: peers.get(f"train/{name}/{m}/{precision}", {}).get("peak_memory_bytes")
                      for m in report["modes"]}
            mib = lambda b: f"{b / 2**20:.2f}" if b else "-"  # noqa: E731
            eager = theirs.get("eager")
            lines.append(f"| {name} | {mib(mine)} | "
                         + " | ".join(mib(theirs[m]) for m in report["modes"]) + " | "
                         + ("-" if not (mine and eager) else
                            ("met" if mine <= eager else "MISSED")) + " |")
        if report["inference"]:
            lines += ["", f"### fashion_cnn inference ({title}); ms per batch, "
                      "host to host", "",
                      "| batch | dlc | " + " | ".join(MODE_NAMES[m] for m in report["modes"])
                      + " | " + " | ".join(f"vs {MODE_NAMES[m]}" for m in report["modes"])
                      + " | dlc samples/s |", "|---" * (3 + 2 * len(report["modes"])) + "|"]
            for batch in report["infer_batches"]:
                mine = report["dlc"]["infer"].get(f"fashion_cnn/{batch}/{precision}",
                                                  {}).get("median_ms")
                times = {}
                for m in report["modes"]:
                    cases = peers.get(f"infer/fashion_cnn/{m}/{precision}", {}).get("cases", [])
                    times[m] = next((c["median_ms"] for c in cases if c["batch"] == batch), None)
                lines.append(
                    f"| {batch} | " + (f"{mine:.3f}" if mine else "error") + " | "
                    + " | ".join(f"{times[m]:.3f}" if times[m] else "error"
                                 for m in report["modes"]) + " | "
                    + " | ".join(f"{ratio(times[m], mine):.2f}x" if times[m] and mine else "-"
                                 for m in report["modes"]) + " | "
                    + (f"{batch * 1000 / mine:.0f}" if mine else "-") + " |")
        lines += ["", f"### First training step ({title}), apart from the timings above; ms", "",
                  "dlc: preparing the entry point (libraries, algorithm choice, CUDA graph "
                  "capture) and running it; the model was compiled ahead by `dlc compile`. "
                  "PyTorch: the first call, compilation included.", "",
                  "| model | dlc | " + " | ".join(MODE_NAMES[m] for m in report["modes"]) + " |",
                  "|---" * (2 + len(report["modes"])) + "|"]
        for name in report["models"]:
            mine = train.get(f"{name}/{precision}", {}).get("first_run_ms")
            theirs = [peers.get(f"train/{name}/{m}/{precision}", {}).get("first_step_ms")
                      for m in report["modes"]]
            lines.append(f"| {name} | " + (f"{mine:.0f}" if mine else "-") + " | "
                         + " | ".join(f"{t:.0f}" if t else "-" for t in theirs) + " |")
        lines.append("")
    checks = report.get("agreement", [])
    bad = [c for c in checks if not c["ok"]]
    lines += [f"PyTorch peers against dlc: {len(checks) - len(bad)} of {len(checks)} agree "
              "(first loss within 1e-4 relative in fp32 and 1e-2 with TF32; logits within 1e-3 "
              "and 5e-2 absolute)" + "".join(f"\n- DISAGREES: {json.dumps(c)}" for c in bad), ""]
    acc = report.get("accuracy")
    if acc:
        d, t = acc["dlc"], acc["torch_eager"]
        dr, tr = d.get("reached"), (t or {}).get("reached")
        fmt = lambda r: (f"{r['elapsed_s']:.1f} s (epoch {r['epoch']})"  # noqa: E731
                         if r else "not reached")
        lines += [f"### Time to {acc['target']} test accuracy, fashion_cnn (fp32)", "",
                  f"- dlc (dlrun --train): {fmt(dr)}",
                  f"- PyTorch eager loop: {fmt(tr)}"]
        if dr and tr:
            lines.append(f"- ratio (PyTorch / dlc): {tr['elapsed_s'] / dr['elapsed_s']:.2f}x")
        lines.append("- dlc's accuracy against the CPU's at the same epochs: " + (
            "the same (within 0.01)" if d.get("same_accuracy_as_cpu") else "DIFFERENT or missing")
            + " " + json.dumps(d.get("against_cpu", [])))
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--params", type=Path, required=True,
                        help="where MODEL.init.safetensors are (dlc's starting parameters)")
    parser.add_argument("--dlrun", required=True)
    parser.add_argument("--forward-bench", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--torch-device", default="cuda")
    parser.add_argument("--torch-python", default=sys.executable)
    parser.add_argument("--check", help="the command that runs scripts/gpu-check.sh")
    parser.add_argument("--models", default="mlp,fashion_mlp,fashion_cnn")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--precisions", default="fp32,tf32")
    parser.add_argument("--no-inference", dest="inference", action="store_false")
    parser.add_argument("--infer-batches", default="1,128")
    parser.add_argument("--no-accuracy", dest="accuracy", action="store_false")
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--iters", type=int, default=25)
    parser.add_argument("--sync-every", type=int, default=20)
    parser.add_argument("--parallel-compiles", type=int, default=4)
    parser.add_argument("--compile-timeout", type=int, default=300)
    parser.add_argument("--step-timeout", type=int, default=120)
    parser.add_argument("--accuracy-epochs", type=int, default=15)
    parser.add_argument("--accuracy-steps", type=int, default=0)
    parser.add_argument("--accuracy-timeout", type=int, default=150)
    parser.add_argument("--accuracy-data", type=Path,
                        help="an .npz (x_train, y_train, x_test, y_test) instead of the "
                        "bundle's Fashion-MNIST")
    parser.add_argument("--note", default="", help="said in the report and the table")
    args = parser.parse_args()
    args.models = args.models.split(",")
    args.modes = [m for m in args.modes.split(",") if m]
    args.precisions = args.precisions.split(",")
    args.infer_batches = [int(b) for b in args.infer_batches.split(",")]
    args.accuracy_budget = (["--steps", str(args.accuracy_steps), "--eval-every",
                             str(args.accuracy_steps)] if args.accuracy_steps
                            else ["--epochs", str(args.accuracy_epochs)])
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.time()

    env = dict(os.environ)
    cpus = os.cpu_count() or 1
    # Inductor's own compile workers, shared among the peers compiling at once.
    env.setdefault("TORCHINDUCTOR_COMPILE_THREADS",
                   str(max(1, cpus // max(1, args.parallel_compiles))))
    specs = peer_specs(args)
    compiled = [s for s in specs if s["mode"] != "eager"]
    workers = {}

    def key(s):
        return f"{s['kind']}/{s['model']}/{s['mode']}/{s['precision']}"

    # 1. The compiled peers compile and warm up, a few at a time, while the
    #    checks run (dlc's inference logits, which the peers compare with,
    #    come first: they take seconds).
    dlc_measurements(args, logits_only=True)

    def compile_all():
        pending = list(compiled)
        active = []
        deadline = time.time() + args.compile_timeout
        while pending or active:
            while pending and len(active) < args.parallel_compiles:
                s = pending.pop(0)
                workers[key(s)] = w = Worker(s, args.torch_python, env)
                active.append(w)
            w = active.pop(0)
            w.wait_ready(deadline)
    compiler = threading.Thread(target=compile_all)
    compiler.start()

    check = None
    if args.check:
        log("bench: scripts/gpu-check.sh (the peers compile meanwhile)")
        rc, out, err, seconds = run(["bash", "-c", args.check], timeout=420)
        (args.out / "gpu-check.log").write_text(out + err)
        check = {"exit": rc, "seconds": round(seconds, 1)}
        summary = args.out / "check" / "summary.json"
        if summary.exists():
            check["failed"] = json.loads(summary.read_text()).get("failed")
        log(out.rstrip())
    compiler.join()
    log(f"bench: {len(compiled)} compiled peers ready after {time.time() - start:.0f} s")

    # 2. dlc, on the idle machine.
    log("bench: dlc's measurements")
    dlc = dlc_measurements(args)

    # 3. Each peer timed alone.
    peers = {}
    for s in specs:
        k = key(s)
        w = workers.get(k)
        if w is None:
            w = Worker(s, args.torch_python, env)
            w.wait_ready(time.time() + args.step_timeout)
        peers[k] = w.go(time.time() + args.step_timeout)
        r = peers[k]
        log(f"  torch {k}: {said(r)}")

    report = {
        "benchmark": "gpu",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "note": args.note, "device": args.device, "torch_device": args.torch_device,
        "models": args.models, "modes": args.modes, "precisions": args.precisions,
        "inference": args.inference, "infer_batches": args.infer_batches, "warmup": args.warmup, "iters": args.iters,
        "sync_every": args.sync_every,
        "statistic": "median over ITERS samples of SYNC_EVERY steps each, after WARMUP steps",
        "check": check, "dlc": dlc, "torch": peers,
    }
    report["agreement"] = agreement(report)
    if args.accuracy:
        log("bench: time to accuracy")
        report["accuracy"] = time_to_accuracy(args, args.torch_python, env)
    report["seconds"] = round(time.time() - start, 1)
    (args.out / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
    table = tables(report)
    header = f"# dlc on the GPU against PyTorch ({report['date']})\n\n"
    if args.note:
        header += args.note + "\n\n"
    info = args.out / "check" / "info.txt"
    if info.exists():
        header += "```\n" + info.read_text().strip() + "\n```\n\n"
    (args.out / "table.md").write_text(header + table)
    print(header + table)
    print(f"bench: {report['seconds']} s; wrote {args.out / 'bench.json'} and "
          f"{args.out / 'table.md'}")
    failed = check and check["exit"] != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
