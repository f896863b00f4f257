"""dlrun --train end to end, on small synthetic data.

Checks: progress, the JSON-lines log and the plot are written; the loss
falls; a run resumed from a checkpoint reproduces the uninterrupted run's
losses exactly; a diverging run stops at the first non-finite loss and
keeps the last good checkpoint; a run killed at random moments never leaves
a damaged checkpoint; data of the wrong shape is refused with a message.

Usage: train_check.py --bin BUILD/bin --models DIR --workdir DIR
"""
import argparse
import json
import os
import random
import signal
import subprocess
import struct
import sys
import time
import zlib

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import safetensors_io  # noqa: E402
from text_windows import held_out_batch, training_batch  # noqa: E402
from commands import run  # noqa: E402


def losses(path):
    with open(path) as f:
        return [(r["step"], r["loss"]) for r in map(json.loads, f) if r["kind"] == "train"]


def synthetic(path, rng, train=512, test=256):
    """28x28 ui8 images whose label (0..9) is the brightest of ten bands."""
    def make(n):
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        images = rng.integers(0, 100, size=(n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):
            images[i, :, label * 2:label * 2 + 3] += 120
        return images, labels
    x_train, y_train = make(train)
    x_test, y_test = make(test)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def read_png(path):
    """Width, height and the RGB pixels of an 8-bit RGB PNG (every filter)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color = header[:4]
    assert depth == 8 and color == 2, header  # 8-bit RGB
    raw = zlib.decompress(idat)
    stride = width * 3
    rows, previous = [], np.zeros(stride, dtype=np.int64)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int64)
        out = np.zeros(stride, dtype=np.int64)
        for x in range(stride):
            a = out[x - 3] if x >= 3 else 0
            b = previous[x]
            c = previous[x - 3] if x >= 3 else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = a
            elif kind == 2:
                predictor = b
            elif kind == 3:
                predictor = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[x] = (line[x] + predictor) & 255
        rows.append(out)
        previous = out
    return width, height, np.array(rows, dtype=np.uint8).reshape(height, width, 3)


def bigram_loss(p, tokens, targets):
    """Mean cross-entropy of the char_bigram model (float64)."""
    logits = p["emb"].astype(np.float64)[tokens.reshape(-1)] @ p["head_w"] + p["head_b"]
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(targets)), targets].mean())


def text_data(args, dlc, dlrun, w):
    """Text data: --data FILE.txt trains a byte model on random windows of
    context + 1 bytes of the first 90% and evaluates on consecutive windows
    of the rest. Checked against NumPy: the first step's loss from the
    windows dlrun's documented sampling picks, the evaluation's loss and
    bits per byte at the parameters training ends with."""
    model = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs", "char_bigram.mlir")
    fb = w("bigram.fb")
    run([dlc, "compile", model, "-o", fb])
    rng = np.random.default_rng(11)
    words = "the quick brown fox jumps over a lazy dog while seven ducks swim".split()
    corpus = " ".join(rng.choice(words, 3000)).encode()
    with open(w("corpus.txt"), "wb") as f:
        f.write(corpus)
    B, T, seed = 8, 16, 3
    init = {"emb": (rng.standard_normal((256, 32)) * 0.1).astype(np.float32),
            "head_w": (rng.standard_normal((32, 256)) * 0.1).astype(np.float32),
            "head_b": (rng.standard_normal(256) * 0.01).astype(np.float32)}
    safetensors_io.write(w("bigram_init.safetensors"), init)
    for f in ("text.jsonl",):
        if os.path.exists(w(f)):
            os.remove(w(f))
    out = run([dlrun, fb, "--train", "--data", w("corpus.txt"), "--steps", "40", "--seed",
               str(seed), "--params", w("bigram_init.safetensors"), "--report-every", "1",
               "--eval-every", "40", "--log", w("text.jsonl"), "--checkpoint",
               w("bigram.ckpt"), "--threads", "2"]).stdout
    records = [json.loads(line) for line in open(w("text.jsonl"))]
    train = [r for r in records if r["kind"] == "train"]
    evals = [r for r in records if r["kind"] == "eval"]

    split = len(corpus) // 10 * 9
    train_bytes = np.frombuffer(corpus[:split], np.uint8).astype(np.int64)
    test_bytes = np.frombuffer(corpus[split:], np.uint8).astype(np.int64)
    tokens, targets = training_batch(train_bytes, seed, 0, B, T)
    want = bigram_loss(init, tokens, targets)
    assert abs(train[0]["l"] - want) < 1e-4 * want, (train[0], want)

    trained = safetensors_io.read(w("bigram.ckpt"))
    windows = (len(test_bytes) - 1) // T // B * B
    batches = [bigram_loss(trained, *held_out_batch(test_bytes, b, B, T))
               for b in range(0, windows, B)]
    want_eval = float(np.mean(batches))
    got = evals[-1]
    assert abs(got["l"] - want_eval) < 1e-4 * want_eval, (got, want_eval)
    assert abs(got["bits_per_byte"] - got["l"] / np.log(2)) < 1e-6, got
    assert train[-1]["l"] < 0.75 * train[0]["l"], (train[0], train[-1])
    assert "bits/byte" in out and f"({windows} held-out windows of {T} + 1 bytes)" in out, out

    # Wrong input shapes and too little text: one sentence each.
    bad = run([dlrun, w("fashion_mlp.fb"), "--train", "--data", w("corpus.txt")], expect_ok=False)
    assert bad.returncode != 0 and "text data feeds a train_step that takes byte tokens" in \
        bad.stderr, bad.stderr
    with open(w("tiny.txt"), "wb") as f:
        f.write(corpus[:500])
    bad = run([dlrun, fb, "--train", "--data", w("tiny.txt")], expect_ok=False)
    assert bad.returncode != 0 and "held-out tenth must fill a batch" in bad.stderr, bad.stderr
    # --generate: the prompt, then bytes from the model's forward entry
    # point. Greedy (--temperature 0, or --top-k 1) is the NumPy chain of most
    # likely next bytes; sampling is deterministic for a seed and stays in
    # the top K.
    p = {k: v.astype(np.float64) for k, v in trained.items() if k in init}

    def following(byte):
        return p["emb"][byte] @ p["head_w"] + p["head_b"]
    gen = [dlrun, fb, "--params", w("bigram.ckpt"), "--prompt", "the ", "--generate", "50"]
    chain = list(b"the ")
    for _ in range(50):
        chain.append(int(np.argmax(following(chain[-1]))))
    for greedy in (["--temperature", "0"], ["--top-k", "1"]):
        text = subprocess.run(gen + greedy, capture_output=True, check=True).stdout
        assert text == bytes(chain), (text, bytes(chain))
    sampled = [subprocess.run(gen + ["--seed", str(s), "--top-k", "3"], capture_output=True,
                              check=True) for s in (1, 1, 2)]
    assert sampled[0].stdout == sampled[1].stdout != sampled[2].stdout, sampled
    assert "generated 50 bytes in" in sampled[0].stderr.decode(), sampled[0].stderr
    for run_ in sampled:
        out_bytes = run_.stdout
        assert len(out_bytes) == 54 and out_bytes.startswith(b"the "), out_bytes
        for a, b in zip(out_bytes[3:], out_bytes[4:]):
            assert b in np.argsort(-following(a), kind="stable")[:3], (a, b)
    bad = run([dlrun, w("fashion_mlp.fb"), "--generate", "5"], expect_ok=False)
    assert bad.returncode != 0 and "--generate needs a model of bytes" in bad.stderr, bad.stderr

    # dl.dataset = "text" without --data: the Jargon File (scripts/setup.sh
    # installs Debian's jargon-text).
    out = run([dlrun, fb, "--train", "--steps", "2", "--eval-every", "1000"]).stdout
    assert "training char_bigram on /usr/share/doc/jargon-text/jargon.txt.gz (1681817 bytes of " \
        "text: 1513629 to train on in random windows of 16 + 1, 168188 held out)" in out, out
    print(f"PASS text: first loss {train[0]['l']:.4f} (NumPy {want:.4f} from the same windows), "
          f"after 40 steps {train[-1]['l']:.4f}; held-out {got['l']:.4f} nats = "
          f"{got['bits_per_byte']:.4f} bits/byte (NumPy {want_eval:.4f} over {windows} windows); "
          f"--generate: greedy equals NumPy's chain, sampling repeats for a seed, stays in the "
          f"top K")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    w = lambda name: os.path.join(args.workdir, name)  # noqa: E731
    dlc, dlrun = os.path.join(args.bin, "dlc"), os.path.join(args.bin, "dlrun")
    rng = np.random.default_rng(7)
    data = w("data.npz")
    synthetic(data, rng)
    np.save(w("img.npy"), np.load(data)["x_test"][:128])
    fb = w("fashion_mlp.fb")
    run([dlc, "compile", os.path.join(args.models, "fashion_mlp.mlir"), "-o", fb])
    train = [dlrun, fb, "--train", "--data", data, "--report-every", "1", "--threads", "2"]

    # An uninterrupted run: 12 steps (4 per epoch), every artefact.
    for f in ("a.jsonl", "b.jsonl", "c.jsonl"):
        if os.path.exists(w(f)):
            os.remove(w(f))
    out = run(train + ["--steps", "12", "--seed", "5", "--log", w("a.jsonl"), "--plot", w("a.svg"),
                       "--checkpoint", w("a.ckpt")]).stdout
    assert "epoch 3/3 step 12/12" in out and "samples/s" in out and "ETA" in out, out
    assert "eval  epoch 1 step 4" in out and "done: 12 steps" in out, out
    a = losses(w("a.jsonl"))
    assert [s for s, _ in a] == list(range(1, 13)), a
    with open(w("a.jsonl")) as f:
        records = [json.loads(line) for line in f]
    evals = [r for r in records if r["kind"] == "eval"]
    assert len(evals) == 3 and all({"epoch", "step", "loss", "accuracy"} <= set(r) for r in evals)
    elapsed = [r["elapsed_s"] for r in records]
    assert elapsed == sorted(elapsed) and elapsed[0] >= 0, elapsed
    assert "peak memory on the device: " in out, out
    assert a[-1][1] < a[0][1], f"the loss did not fall: {a}"
    assert evals[-1]["accuracy"] > 0.5, evals
    with open(w("a.svg")) as f:
        svg = f.read()
    assert svg.startswith("<svg") and svg.count("<polyline") == 4, svg[:200]
    print(f"PASS train: loss {a[0][1]:.4f} -> {a[-1][1]:.4f}, test accuracy {evals[-1]['accuracy']:.3f}")

    # --progress bar (a terminal's default): one line redrawn in place, a
    # permanent line per epoch and per evaluation; into a pipe (the default
    # here) no carriage return at all.
    assert "\r" not in out, out
    # (as bytes: text mode would turn the carriage returns into newlines)
    bar = subprocess.run(train + ["--steps", "12", "--seed", "5", "--progress", "bar"],
                         capture_output=True, check=True).stdout.decode()
    permanent = [line.split("\r")[-1].replace("\x1b[K", "") for line in bar.split("\n")]
    assert "\r" in bar and "epoch 1/3 [" in bar and "ETA" in bar, bar
    for epoch in (1, 2, 3):
        assert any(line.startswith(f"epoch {epoch}/3 step {4 * epoch}/12 loss ")
                   for line in permanent), permanent
        assert any(line.startswith(f"  eval  epoch {epoch} step {4 * epoch}:")
                   for line in permanent), permanent
    assert any(line.startswith("done: 12 steps") for line in permanent), permanent
    print("PASS progress: lines into a pipe; with --progress bar, a bar redrawn in place and a "
          "line per epoch and evaluation")

    # --stop-when: the run ends after the first evaluation that reaches the
    # target (the uninterrupted run's epoch-2 accuracy), at that epoch's end.
    target = evals[1]["accuracy"] - 1e-6
    if evals[0]["accuracy"] < target:
        out = run(train + ["--steps", "12", "--seed", "5",
                           "--stop-when", f"accuracy>={target:.8f}"]).stdout
        assert "at step 8 after" in out and "done: 8 steps" in out, out
    out = run(train + ["--steps", "12", "--seed", "5", "--stop-when", "loss<=1e9"]).stdout
    assert "reached loss" in out and "done: 4 steps" in out, out
    bad = run(train + ["--stop-when", "acc>=2"], expect_ok=False)
    assert bad.returncode != 0 and "--stop-when: the model reports no 'acc'" in bad.stderr, bad
    print("PASS stop-when: stops after the evaluation that reaches the target")

    # Interrupted after 6 steps (mid-epoch), resumed to 12: the same losses.
    run(train + ["--steps", "6", "--seed", "5", "--log", w("b.jsonl"), "--checkpoint", w("b.ckpt")])
    # (a dlrun built without libpng says so in its help and refuses .png)
    has_png = "without libpng" not in run([dlrun, "--help"]).stdout
    run(train + ["--steps", "12", "--resume", w("b.ckpt"), "--log", w("c.jsonl"),
                 "--plot", w("c.png" if has_png else "c.svg")])
    resumed = losses(w("b.jsonl")) + losses(w("c.jsonl"))
    assert resumed == a, f"resumed run differs:\n{resumed}\n{a}"
    print("PASS resume: steps 7-12 repeat the uninterrupted run's losses exactly")

    # The picture as PNG: decoded here, it is 560 pixels wide, mostly white,
    # with the training (blue) and evaluation (red) curves drawn. A format
    # other than .svg and .png is refused before any training.
    refused = run(train + ["--steps", "2", "--plot", w("c.jpg")], expect_ok=False)
    assert refused.returncode != 0 and "written as .svg or .png" in refused.stderr, refused.stderr
    assert "epoch 1" not in refused.stdout, refused.stdout
    if has_png:
        width, height, pixels = read_png(w("c.png"))
        colors = {tuple(p) for p in pixels.reshape(-1, 3)[::7]}
        white = np.all(pixels == 255, axis=2).mean()
        assert width == 560 and height > 500 and white > 0.7, (width, height, white)
        assert (0x1f, 0x77, 0xb4) in colors and (0xd6, 0x27, 0x28) in colors, "curves missing"
        print(f"PASS plot: SVG with 4 curves, PNG {width}x{height} ({white:.0%} white), "
              ".jpg refused")
    else:
        print("PASS plot: SVG with 4 curves, .jpg refused (this dlrun has no PNG: built "
              "without libpng)")

    # A diverging run (learning rate 1e30) stops at the first non-finite loss;
    # the checkpoint of the last finished epoch stays loadable.
    with open(os.path.join(args.models, "fashion_mlp.mlir")) as f:
        model = f.read().replace("lr = 1.0e-3", "lr = 1.0e+30")
    with open(w("diverge.mlir"), "w") as f:
        f.write(model)
    run([dlc, "compile", w("diverge.mlir"), "-o", w("diverge.fb")])
    if os.path.exists(w("diverge.ckpt")):
        os.remove(w("diverge.ckpt"))
    bad = run([dlrun, w("diverge.fb"), "--train", "--data", data, "--steps", "40",
               "--checkpoint", w("diverge.ckpt")], expect_ok=False)
    assert bad.returncode != 0 and "the loss became" in bad.stderr, bad.stderr
    if "holds the last good state" in bad.stderr:
        run([dlrun, w("diverge.fb"), "--params", w("diverge.ckpt"), "--entry", "forward",
             "--input", f"images={w('img.npy')}", "--output", w("logits.npy")])
    else:
        assert "No checkpoint was written" in bad.stderr and not os.path.exists(w("diverge.ckpt"))
    print(f"PASS divergence: {bad.stderr.strip().splitlines()[-1]}")

    # Killed at random moments while checkpointing every step (random data:
    # one step per epoch): the checkpoint is always whole.
    mlp = w("mlp.fb")
    run([dlc, "compile", os.path.join(args.models, "mlp.mlir"), "-o", mlp])
    x = w("x.npy")
    np.save(x, rng.standard_normal((64, 1000)).astype(np.float32))
    ckpt = w("kill.ckpt")
    random.seed(11)
    survived = 0
    for attempt in range(12):
        process = subprocess.Popen([dlrun, mlp, "--train", "--steps", "100000", "--checkpoint",
                                    ckpt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.2, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if os.path.exists(ckpt):
            run([dlrun, mlp, "--params", ckpt, "--input", f"x={x}", "--output", w("y.npy")])
            survived += 1
    assert survived > 0, "no checkpoint was ever written"
    print(f"PASS kill: {survived} checkpoints after kill -9, each loads")

    # Data that does not fit the model is refused before training.
    np.savez(w("wrong.npz"), x_train=np.zeros((256, 32, 32), np.uint8), y_train=np.zeros(256, np.uint8),
             x_test=np.zeros((10, 32, 32), np.uint8), y_test=np.zeros(10, np.uint8))
    wrong = run([dlrun, fb, "--train", "--data", w("wrong.npz"), "--steps", "1"], expect_ok=False)
    assert wrong.returncode != 0 and "has samples of tensor<32x32xui8>" in wrong.stderr, wrong.stderr
    print(f"PASS wrong data: {wrong.stderr.strip()}")
    # Learning-rate schedules: with SGD on loss = w * x and x = 1, each step
    # moves w by -lr(t), so w after k steps is minus the sum of the rates.
    np.savez(w("ones.npz"), x_train=np.ones((1, 1), np.float32), y_train=np.zeros(1, np.int32),
             x_test=np.ones((1, 1), np.float32), y_test=np.zeros(1, np.int32))
    schedules = {
        "#dl.step_lr<step_size = 4, gamma = 0.5>": lambda t: 0.1 * 0.5 ** (t // 4),
        "#dl.cosine_lr<warmup_steps = 3, total_steps = 10, min_lr = 0.01>":
            lambda t: 0.1 * (t + 1) / 3 if t < 3 else
            0.01 + 0.09 * (1 + np.cos(np.pi * min(t - 3, 7) / 7)) / 2,
        "#dl.cosine_lr<total_steps = 6>":
            lambda t: 0.1 * (1 + np.cos(np.pi * min(t, 6) / 6)) / 2,
    }
    for schedule, rate in schedules.items():
        with open(w("schedule.mlir"), "w") as f:
            f.write(f"""module @schedule attributes {{dl.optimizer = #dl.sgd<lr = 0.1>,
                                           dl.lr_schedule = {schedule}}} {{
  dl.param @w : tensor<f32> = #dl.zeros
  func.func @loss(%x: tensor<1x1xf32>, %y: tensor<1xi32>) -> tensor<f32> {{
    %w = dl.param.get @w : tensor<f32>
    %m = dl.mul %x, %w : tensor<1x1xf32>, tensor<f32>
    %l = dl.reduce_sum %m axes = [0, 1] : tensor<1x1xf32>
    return %l : tensor<f32>
  }}
}}
""")
        run([dlc, "compile", w("schedule.mlir"), "-o", w("schedule.fb")])
        got, want = [], []
        for k in range(1, 13):
            run([dlrun, w("schedule.fb"), "--train", "--data", w("ones.npz"), "--steps", str(k),
                 "--checkpoint", w("schedule.ckpt")])
            got.append(float(safetensors_io.read(w("schedule.ckpt"))["w"]))
            want.append(-sum(rate(t) for t in range(k)))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=schedule)
    print("PASS schedules: step_lr and cosine_lr (with and without warmup) over 12 steps")

    text_data(args, dlc, dlrun, w)
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
