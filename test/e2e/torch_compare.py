"""Training the image models of models/ (fashion_mlp, fashion_cnn,
fashion_cnn_bn, lenet5, vit_tiny) in dlc against PyTorch, step by step.

The same initial parameters (written here, loaded by dlc through
safetensors), the same batches (dlrun --no-shuffle), the same dropout masks
(dl.dropout's Philox scheme, reproduced in NumPy), Adam as the models
declare it (Adam, or vit_tiny's AdamW with warm-up). Compared:

- the gradients of every parameter at the start (dlc's loss_grad entry
  point, from `dlc compile --gradients`) with PyTorch's autograd;
- the training losses of K steps (--steps; default 20, fashion_cnn_bn 5) of dlrun --train with
  PyTorch's;
- the gradients again at the parameters both reach after K steps, and the
  batch-norm running statistics both updated.

Tolerances (f32 in both, different summation orders): gradients within
1e-3 of the largest gradient of their tensor; losses within 1e-4 relative.

With --cuda-form, every dlrun runs the model's GPU form on the CPU (library
calls on the CPU backend, generated kernels from their host build; see
commands.cuda_form): PyTorch is then the reference of the GPU form.

Usage: torch_compare.py --bin BUILD/bin --models DIR --workdir DIR [--only NAME]
       [--steps K] [--cuda-form [unmapped|mapped]]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from commands import add_cuda_form_argument, cuda_form, run  # noqa: E402
from philox import dropout_mask  # noqa: E402
import safetensors_io  # noqa: E402
from text_windows import training_batch  # noqa: E402

BATCH = 128


class Mlp:
    """models/fashion_mlp.mlir: 784 -> 256 ReLU -> 10; weights are [in, out]."""
    shapes = {"w1": (784, 256), "b1": (256,), "w2": (256, 10), "b2": (10,)}

    @staticmethod
    def forward(p, images, step, training):
        x = images.float() * np.float32(0.003921568627)
        h = F.relu(x.reshape(BATCH, 784) @ p["w1"] + p["b1"])
        return h @ p["w2"] + p["b2"]


class Cnn:
    """models/fashion_cnn.mlir: two 5x5 convolutions with ReLU and 2x2 max
    pooling, dense 1024 with ReLU, dropout 0.5 (seed 1), dense 10."""
    shapes = {"conv1_w": (32, 1, 5, 5), "conv1_b": (32,), "conv2_w": (64, 32, 5, 5),
              "conv2_b": (64,), "fc1_w": (3136, 1024), "fc1_b": (1024,), "fc2_w": (1024, 10),
              "fc2_b": (10,)}

    @staticmethod
    def forward(p, images, step, training):
        x = (images.float() * np.float32(0.003921568627)).reshape(BATCH, 1, 28, 28)
        x = F.max_pool2d(F.relu(F.conv2d(x, p["conv1_w"], p["conv1_b"], padding=2)), 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, p["conv2_w"], p["conv2_b"], padding=2)), 2)
        h = F.relu(x.reshape(BATCH, 3136) @ p["fc1_w"] + p["fc1_b"])
        if training:
            keep = torch.from_numpy(dropout_mask(h.numel(), 0.5, 1, step).reshape(h.shape))
            h = torch.where(keep, h * 2.0, torch.zeros_like(h))
        return h @ p["fc2_w"] + p["fc2_b"]


class CnnBn:
    """models/fashion_cnn_bn.mlir: fashion_cnn with batch norm after each
    convolution (no convolution biases); running statistics are state."""
    shapes = {"conv1_w": (32, 1, 5, 5), "bn1_scale": (32,), "bn1_offset": (32,),
              "conv2_w": (64, 32, 5, 5), "bn2_scale": (64,), "bn2_offset": (64,),
              "fc1_w": (3136, 1024), "fc1_b": (1024,), "fc2_w": (1024, 10), "fc2_b": (10,)}
    state = {"bn1_mean": (32, 0.0), "bn1_var": (32, 1.0), "bn2_mean": (64, 0.0),
             "bn2_var": (64, 1.0)}
    # Five steps, not twenty: on these synthetic batches its training is
    # chaotic (the loss jumps between 1.2 and 6), and from step 7 on the two
    # sides' f32 rounding, amplified through the batch statistics, parts them
    # beyond the tolerances (running statistics 8e-4 apart after 20 steps,
    # while the losses still agree to 5 digits). Up to step 6 they agree
    # within 6e-6.
    steps = 5

    @staticmethod
    def forward(p, images, step, training, state=None):
        def norm(x, i):
            return F.batch_norm(x, state[f"bn{i}_mean"], state[f"bn{i}_var"], p[f"bn{i}_scale"],
                                p[f"bn{i}_offset"], training=training, momentum=0.1, eps=1e-5)
        x = (images.float() * np.float32(0.003921568627)).reshape(BATCH, 1, 28, 28)
        x = F.max_pool2d(F.relu(norm(F.conv2d(x, p["conv1_w"], padding=2), 1)), 2)
        x = F.max_pool2d(F.relu(norm(F.conv2d(x, p["conv2_w"], padding=2), 2)), 2)
        h = F.relu(x.reshape(BATCH, 3136) @ p["fc1_w"] + p["fc1_b"])
        if training:
            keep = torch.from_numpy(dropout_mask(h.numel(), 0.5, 1, step).reshape(h.shape))
            h = torch.where(keep, h * 2.0, torch.zeros_like(h))
        return h @ p["fc2_w"] + p["fc2_b"]


def cosine_schedule(optimizer, warmup, total, min_factor=0.0):
    """#dl.cosine_lr: lr (t + 1) / warmup for t < warmup, then a half cosine
    from lr down to min_lr = min_factor * lr at total."""
    def factor(t):
        if t < warmup:
            return (t + 1) / warmup
        c = (1 + np.cos(np.pi * min(t - warmup, total - warmup) / (total - warmup))) / 2
        return min_factor + (1 - min_factor) * c
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def transformer_block(p, i, x, batch, heads, eps, mask=None):
    """Pre-norm block b{i}_* of vit_tiny and char_gpt over x [batch * S, D]:
    multi-head self-attention (scaled by 1/sqrt(head size), `mask` added to
    the scores), then the GELU MLP, each with its residual."""
    b = {k[len(f"b{i}_"):]: v for k, v in p.items() if k.startswith(f"b{i}_")}
    T, D = x.shape
    S, HD = T // batch, D // heads

    def split(t):
        return t.reshape(batch, S, heads, HD).permute(0, 2, 1, 3)
    n = F.layer_norm(x, (D,), b["ln1_g"], b["ln1_b"], eps=eps)
    q, k, v = (n @ b["qkv_w"] + b["qkv_b"]).split(D, dim=1)
    scores = (split(q) @ split(k).transpose(-1, -2)) * np.float32(1 / HD ** 0.5)
    if mask is not None:
        scores = scores + mask
    o = (torch.softmax(scores, dim=-1) @ split(v)).permute(0, 2, 1, 3).reshape(T, D)
    x = x + o @ b["proj_w"] + b["proj_b"]
    n = F.layer_norm(x, (D,), b["ln2_g"], b["ln2_b"], eps=eps)
    return x + F.gelu(n @ b["fc1_w"] + b["fc1_b"]) @ b["fc2_w"] + b["fc2_b"]


class Lenet5:
    """models/lenet5.mlir: 5x5 convolutions (6, padded by 2; 16), tanh, 2x2
    average pooling, dense 120, 84 and 10 with tanh between; Adam with a
    cosine schedule over 7020 steps."""
    shapes = {"c1_w": (6, 1, 5, 5), "c1_b": (6,), "c3_w": (16, 6, 5, 5), "c3_b": (16,),
              "c5_w": (400, 120), "c5_b": (120,), "f6_w": (120, 84), "f6_b": (84,),
              "out_w": (84, 10), "out_b": (10,)}

    @staticmethod
    def forward(p, images, step, training):
        x = (images.float() * np.float32(0.003921568627)).reshape(BATCH, 1, 28, 28)
        x = F.avg_pool2d(torch.tanh(F.conv2d(x, p["c1_w"], p["c1_b"], padding=2)), 2)
        x = F.avg_pool2d(torch.tanh(F.conv2d(x, p["c3_w"], p["c3_b"])), 2)
        h = torch.tanh(x.reshape(BATCH, 400) @ p["c5_w"] + p["c5_b"])
        h = torch.tanh(h @ p["f6_w"] + p["f6_b"])
        return h @ p["out_w"] + p["out_b"]

    @staticmethod
    def optimizer(params):
        opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        return opt, cosine_schedule(opt, warmup=0, total=7020)


class VitTiny:
    """models/vit_tiny.mlir: 7x7 patches embedded to 64, learned positions,
    three pre-norm blocks (4-head attention, GELU MLP 128), final norm, mean
    over patches, head; AdamW (weight decay 0.1) with a cosine schedule
    warming up over 468 steps."""
    D, N, H, LAYERS = 64, 16, 4, 3
    shapes = {"patch_w": (49, 64), "patch_b": (64,), "pos": (16, 64), "ln_g": (64,),
              "ln_b": (64,), "head_w": (64, 10), "head_b": (10,)}
    for _l in range(3):
        shapes.update({f"b{_l}_ln1_g": (64,), f"b{_l}_ln1_b": (64,), f"b{_l}_qkv_w": (64, 192),
                       f"b{_l}_qkv_b": (192,), f"b{_l}_proj_w": (64, 64), f"b{_l}_proj_b": (64,),
                       f"b{_l}_ln2_g": (64,), f"b{_l}_ln2_b": (64,), f"b{_l}_fc1_w": (64, 128),
                       f"b{_l}_fc1_b": (128,), f"b{_l}_fc2_w": (128, 64), f"b{_l}_fc2_b": (64,)})
    scales = tuple(k for k in shapes if k.endswith("_g"))  # layer-norm gains: near 1

    @staticmethod
    def optimizer(params):
        opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                weight_decay=0.1)
        return opt, cosine_schedule(opt, warmup=468, total=7020)

    @classmethod
    def forward(cls, p, images, step, training):
        B, N, D, T = BATCH, cls.N, cls.D, BATCH * cls.N
        x = images.float() * np.float32(0.003921568627)
        x = x.reshape(B, 4, 7, 4, 7).permute(0, 1, 3, 2, 4).reshape(T, 49)
        x = ((x @ p["patch_w"] + p["patch_b"]).reshape(B, N, D) + p["pos"]).reshape(T, D)
        for i in range(cls.LAYERS):
            x = transformer_block(p, i, x, B, cls.H, 1e-6)
        n = F.layer_norm(x, (D,), p["ln_g"], p["ln_b"], eps=1e-6).reshape(B, N, D).mean(1)
        return n @ p["head_w"] + p["head_b"]


def make_optimizer(model, params):
    """The model's optimizer (and schedule): Adam at lr 1e-3 unless it says."""
    if hasattr(model, "optimizer"):
        return model.optimizer(params)
    return torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8), None


def call(model, p, images, step, training, state):
    if state is None:
        return model.forward(p, images, step, training)
    return model.forward(p, images, step, training, state)


def torch_gradients(model, params, images, labels, state=None):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    state = {k: torch.tensor(v) for k, v in state.items()} if state is not None else None
    loss = F.cross_entropy(call(model, p, images, 0, False, state), labels)
    loss.backward()
    return float(loss), {k: v.grad.numpy() for k, v in p.items()}


def device_of(args, model, d, extra=()):
    """dlrun's --device arguments: with --cuda-form, the model's GPU form run
    on the CPU (commands.cuda_form)."""
    return (["--device", cuda_form(args.bin, model, d, extra, form=args.cuda_form)]
            if args.cuda_form else [])


def dlc_gradients(args, fb, params_path, inputs, tag, device):
    """dlc's loss and every parameter's gradient (the loss_grad entry point)
    at the parameters in `params_path`, for `inputs` ({name: array})."""
    d = os.path.join(args.workdir, tag)
    os.makedirs(d, exist_ok=True)
    bindings = []
    for name, array in inputs.items():
        np.save(os.path.join(d, name + ".npy"), array)
        bindings += ["--input", f"{name}={d}/{name}.npy"]
    run([os.path.join(args.bin, "dlrun"), fb, "--entry", "loss_grad", "--params", params_path,
         *bindings, "--output", d + "/", *device])
    grads = {name[:-len(".grad.npy")]: np.load(os.path.join(d, name))
             for name in os.listdir(d) if name.endswith(".grad.npy")}
    return float(np.load(os.path.join(d, "loss.npy"))), grads


def compare_losses(name, ours, theirs, steps):
    """dlrun's logged training losses against PyTorch's: all `steps` of
    them, each within 1e-4 relative."""
    if len(ours) != steps:
        raise AssertionError(f"{name}: {len(ours)} losses logged, not {steps}")
    for step, (mine, peer) in enumerate(zip(ours, theirs)):
        if abs(mine - peer) > 1e-4 * abs(peer):
            raise AssertionError(f"{name}: step {step + 1} loss {mine} vs PyTorch {peer}")


def compare_gradients(label, ours, theirs):
    worst = 0.0
    for name, want in theirs.items():
        got = ours[name]
        scale = float(np.abs(want).max()) or 1.0
        error = float(np.abs(got - want).max()) / scale
        worst = max(worst, error)
        if not error <= 1e-3:
            raise AssertionError(f"{label}: gradient of {name} differs by {error:.2e} of its "
                                 f"largest element")
    return worst


def compare_start(name, dlc_loss, dlc_grads, torch_loss, torch_grads):
    """The loss (1e-4 relative) and gradients at the starting parameters;
    returns the worst gradient error."""
    worst = compare_gradients(f"{name} at the start", dlc_grads, torch_grads)
    if abs(dlc_loss - torch_loss) > 1e-4 * abs(torch_loss):
        raise AssertionError(f"{name}: initial loss {dlc_loss} vs PyTorch {torch_loss}")
    return worst


def dlrun_train(args, fb, d, data, init_path, steps, flags, device):
    """dlrun --train from `init_path` for `steps` steps, every loss logged;
    returns the logged training losses and the final checkpoint's path."""
    log = os.path.join(d, "train.jsonl")
    if os.path.exists(log):
        os.remove(log)
    final = os.path.join(d, "final.safetensors")
    run([os.path.join(args.bin, "dlrun"), fb, "--train", "--data", data, "--params", init_path,
         "--steps", str(steps), *flags, "--report-every", "1", "--log", log, "--checkpoint",
         final, *device])
    with open(log) as f:
        return [r["loss"] for r in map(json.loads, f) if r["kind"] == "train"], final


def parameters_reached(final, p):
    """PyTorch's trained parameters and how far dlc's final checkpoint lies
    from them (the largest absolute difference)."""
    trained = {k: v.detach().numpy() for k, v in p.items()}
    reached = safetensors_io.read(final)
    return trained, reached, max(float(np.abs(reached[k] - trained[k]).max()) for k in trained)


def report(name, dlc_losses, torch_losses, worst0, worstK, steps, drift, extra=""):
    print(f"PASS {name}: losses {' '.join(f'{x:.5f}' for x in dlc_losses)} (PyTorch "
          f"{' '.join(f'{x:.5f}' for x in torch_losses)}); gradients within {worst0:.1e} "
          f"(start) and {worstK:.1e} (after {steps} steps) of the largest; parameters within "
          f"{drift:.1e}{extra}")


def compare(args, name, model):
    rng = np.random.default_rng(3)
    d = os.path.join(args.workdir, name)
    os.makedirs(d, exist_ok=True)
    fb = os.path.join(d, "model.fb")
    source = os.path.join(args.models, name + ".mlir")
    run([os.path.join(args.bin, "dlc"), "compile", "--gradients", source, "-o", fb])
    device = device_of(args, source, d, ["--gradients"])

    # Initial parameters: He-scaled normals, small random biases.
    init = {}
    for key, shape in model.shapes.items():
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        scale = np.sqrt(2.0 / fan_in) if len(shape) > 1 else 0.05
        init[key] = (rng.standard_normal(shape) * scale).astype(np.float32)
        if key in getattr(model, "scales", ()):
            init[key] += 1

    state = ({k: np.full(n, v, np.float32) for k, (n, v) in model.state.items()}
             if hasattr(model, "state") else None)
    init_path = os.path.join(d, "init.safetensors")
    safetensors_io.write(init_path, {**init, **(state or {})})

    # K batches of synthetic images; labels follow the images' mean
    # brightness so the loss has something to learn.
    STEPS = args.steps or getattr(model, "steps", 20)
    images = rng.integers(0, 256, size=(STEPS * BATCH, 28, 28)).astype(np.uint8)
    labels = (images.reshape(len(images), -1).mean(axis=1) * 10 / 256).astype(np.int64) % 10
    np.savez(os.path.join(d, "data.npz"), x_train=images, y_train=labels.astype(np.uint8),
             x_test=images[:BATCH], y_test=labels[:BATCH].astype(np.uint8))

    # Gradients at the start.
    batch_images, batch_labels = images[:BATCH], labels[:BATCH].astype(np.int32)
    batch = {"images": batch_images, "labels": batch_labels}
    dlc_loss, dlc_grads = dlc_gradients(args, fb, init_path, batch, "g0", device)
    torch_loss, torch_grads = torch_gradients(model, init, torch.from_numpy(batch_images),
                                              torch.from_numpy(labels[:BATCH]), state)
    worst0 = compare_start(name, dlc_loss, dlc_grads, torch_loss, torch_grads)

    # K training steps in each.
    dlc_losses, final = dlrun_train(args, fb, d, os.path.join(d, "data.npz"), init_path, STEPS,
                                    ["--no-shuffle"], device)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    running = {k: torch.tensor(v) for k, v in state.items()} if state is not None else None
    optimizer, schedule = make_optimizer(model, p.values())
    torch_losses = []
    for step in range(STEPS):
        rows = slice(step * BATCH, (step + 1) * BATCH)
        optimizer.zero_grad()
        loss = F.cross_entropy(call(model, p, torch.from_numpy(images[rows]), step, True,
                                    running), torch.from_numpy(labels[rows]))
        loss.backward()
        optimizer.step()
        if schedule:
            schedule.step()
        torch_losses.append(float(loss))
    compare_losses(name, dlc_losses, torch_losses, STEPS)

    # Gradients again where both arrived.
    trained, reached, drift = parameters_reached(final, p)
    statistics = ""
    if running is not None:
        error = max(float(np.abs(reached[k] - running[k].numpy()).max() /
                          max(1.0, np.abs(running[k].numpy()).max())) for k in running)
        if error > 1e-4:
            raise AssertionError(f"{name}: running statistics differ by {error:.1e}")
        statistics = f", running statistics within {error:.1e}"
    _, dlc_grads = dlc_gradients(args, fb, final, batch, "gK", device)
    _, torch_grads = torch_gradients(model, trained, torch.from_numpy(batch_images),
                                     torch.from_numpy(labels[:BATCH]),
                                     {k: v.numpy() for k, v in running.items()} if running else None)
    worstK = compare_gradients(f"{name} after {STEPS} steps", dlc_grads, torch_grads)
    report(name, dlc_losses, torch_losses, worst0, worstK, STEPS, drift, statistics)


def lecture_mlp(args):
    """models/mlp.mlir, the lecture's network on one fixed random batch, 500
    Adam steps (lr 1e-4) from the same start in dlc and PyTorch: the loss
    falls the same way."""
    rng = np.random.default_rng(5)
    d = os.path.join(args.workdir, "mlp")
    os.makedirs(d, exist_ok=True)
    fb = os.path.join(d, "model.fb")
    source = os.path.join(args.models, "mlp.mlir")
    run([os.path.join(args.bin, "dlc"), "compile", source, "-o", fb])
    device = device_of(args, source, d)
    init = {"w1": (rng.uniform(-1, 1, (1000, 100)) * np.sqrt(6 / 1000)).astype(np.float32),
            "b1": np.zeros(100, np.float32),
            "w2": (rng.uniform(-1, 1, (100, 10)) * np.sqrt(6 / 110)).astype(np.float32),
            "b2": np.zeros(10, np.float32)}
    init_path = os.path.join(d, "init.safetensors")
    safetensors_io.write(init_path, init)
    x = rng.standard_normal((64, 1000)).astype(np.float32)
    y = rng.standard_normal((64, 10)).astype(np.float32)
    np.savez(os.path.join(d, "data.npz"), x_train=x, y_train=y, x_test=x, y_test=y)
    losses, _ = dlrun_train(args, fb, d, os.path.join(d, "data.npz"), init_path, 500,
                            ["--no-shuffle", "--eval-every", "1000"], device)
    ours = np.array(losses)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    optimizer = torch.optim.Adam(p.values(), lr=1e-4)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    theirs = []
    for _ in range(500):
        optimizer.zero_grad()
        out = F.relu(xt @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
        loss = ((out - yt) ** 2).sum() / 64
        loss.backward()
        optimizer.step()
        theirs.append(float(loss))
    theirs = np.array(theirs)
    # Relative to the loss, or to 1e-4 of the first loss once the loss has
    # fallen below that (it reaches ~1e-11, where f32 rounding dominates).
    error = float(np.max(np.abs(ours - theirs) / np.maximum(theirs, 1e-4 * theirs[0])))
    if len(ours) != 500 or error > 1e-3:
        raise AssertionError(f"mlp: losses differ by {error:.1e} (relative) over 500 steps")
    if not ours[-1] < 0.5 * ours[0]:
        raise AssertionError(f"mlp: the loss did not fall: {ours[0]} -> {ours[-1]}")
    print(f"PASS mlp: loss {ours[0]:.4f} -> {ours[99]:.4f} (step 100) -> {ours[-1]:.4f} "
          f"(step 500); PyTorch {theirs[0]:.4f} -> {theirs[99]:.4f} -> {theirs[-1]:.4f}; "
          f"largest difference {error:.1e} of the loss")


class CharGpt:
    """models/char_gpt.mlir: byte tokens and learned positions, three
    pre-norm blocks of 4-head causal attention and a GELU MLP, final norm,
    output head tied to the token embedding; AdamW (weight decay 0.1, clip
    norm 1) with a cosine schedule warming up over 100 steps."""
    B, T, D, H, M, LAYERS = 32, 64, 128, 4, 512, 3

    @classmethod
    def shapes(cls):
        D, M = cls.D, cls.M
        out = {"tok": (256, D), "pos": (cls.T, D), "ln_g": (D,), "ln_b": (D,)}
        for i in range(cls.LAYERS):
            out.update({f"b{i}_ln1_g": (D,), f"b{i}_ln1_b": (D,), f"b{i}_qkv_w": (D, 3 * D),
                        f"b{i}_qkv_b": (3 * D,), f"b{i}_proj_w": (D, D), f"b{i}_proj_b": (D,),
                        f"b{i}_ln2_g": (D,), f"b{i}_ln2_b": (D,), f"b{i}_fc1_w": (D, M),
                        f"b{i}_fc1_b": (M,), f"b{i}_fc2_w": (M, D), f"b{i}_fc2_b": (D,)})
        return out

    @staticmethod
    def optimizer(params):
        """AdamW as the model declares it, and its cosine_lr<warmup_steps =
        100, total_steps = 5000, min_lr = 1e-4> (a tenth of lr)."""
        opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                weight_decay=0.1)
        return opt, cosine_schedule(opt, warmup=100, total=5000, min_factor=0.1)

    @classmethod
    def step(cls, p, optimizer, schedule, tokens, targets):
        """One training step, gradients clipped to norm 1; returns the loss."""
        optimizer.zero_grad()
        loss = F.cross_entropy(cls.forward(p, tokens), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(p.values(), 1.0)
        optimizer.step()
        schedule.step()
        return float(loss)

    @classmethod
    def forward(cls, p, tokens):
        B, T, D = cls.B, cls.T, cls.D
        x = (p["tok"][tokens] + p["pos"]).reshape(B * T, D)
        i = torch.arange(T)
        mask = torch.where(i[:, None] >= i[None, :], 0.0, -1e9)
        for layer in range(cls.LAYERS):
            x = transformer_block(p, layer, x, B, cls.H, 1e-5, mask)
        n = F.layer_norm(x, (D,), p["ln_g"], p["ln_b"], eps=1e-5)
        return n @ p["tok"].T


def char_gpt(args):
    """models/char_gpt.mlir on a small text: the loss and every gradient at
    the start (loss_grad), then K steps of dlrun --train --data FILE.txt
    against PyTorch on the same windows (dlrun's documented sampling,
    reproduced here), AdamW with clipping and the warm-up, then the
    gradients again where both arrive."""
    model, steps, seed = CharGpt, args.steps or 20, 4
    B, T = model.B, model.T
    rng = np.random.default_rng(9)
    d = os.path.join(args.workdir, "char_gpt")
    os.makedirs(d, exist_ok=True)
    fb = os.path.join(d, "model.fb")
    source = os.path.join(args.models, "char_gpt.mlir")
    run([os.path.join(args.bin, "dlc"), "compile", "--gradients", source, "-o", fb])
    device = device_of(args, source, d, ["--gradients"])
    words = ("a hacker is one who enjoys the intellectual challenge of creatively overcoming or "
             "circumventing limitations").split()
    corpus = " ".join(rng.choice(words, 4000)).encode()
    with open(os.path.join(d, "corpus.txt"), "wb") as f:
        f.write(corpus)
    train_bytes = np.frombuffer(corpus[:len(corpus) // 10 * 9], np.uint8).astype(np.int64)

    init = {}
    for key, shape in model.shapes().items():
        scale = 0.02 if len(shape) > 1 else 0.05
        init[key] = (rng.standard_normal(shape) * scale).astype(np.float32)
        if key.endswith("_g"):
            init[key] += 1
    init_path = os.path.join(d, "init.safetensors")
    safetensors_io.write(init_path, init)

    def windows(step):
        tokens, targets = training_batch(train_bytes, seed, step, B, T)
        return torch.from_numpy(tokens), torch.from_numpy(targets)

    def torch_grads(params, tokens, targets):
        p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        loss = F.cross_entropy(model.forward(p, tokens), targets)
        loss.backward()
        return float(loss), {k: v.grad.numpy() for k, v in p.items()}

    def dlc_grads(params_path, tokens, targets, tag):
        inputs = {"tokens": tokens.numpy().astype(np.int32),
                  "targets": targets.numpy().astype(np.int32)}
        return dlc_gradients(args, fb, params_path, inputs, os.path.join("char_gpt", tag), device)

    tokens, targets = windows(0)
    dlc_loss, dlc_g = dlc_grads(init_path, tokens, targets, "g0")
    torch_loss, torch_g = torch_grads(init, tokens, targets)
    worst0 = compare_start("char_gpt", dlc_loss, dlc_g, torch_loss, torch_g)

    dlc_losses, final = dlrun_train(args, fb, d, os.path.join(d, "corpus.txt"), init_path, steps,
                                    ["--seed", str(seed), "--eval-every", "100000"], device)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    optimizer, schedule = model.optimizer(p.values())
    torch_losses = [model.step(p, optimizer, schedule, *windows(step)) for step in range(steps)]
    compare_losses("char_gpt", dlc_losses, torch_losses, steps)
    trained, _, drift = parameters_reached(final, p)
    tokens, targets = windows(0)
    _, dlc_g = dlc_grads(final, tokens, targets, "gK")
    _, torch_g = torch_grads(trained, tokens, targets)
    worstK = compare_gradients(f"char_gpt after {steps} steps", dlc_g, torch_g)
    report("char_gpt", dlc_losses, torch_losses, worst0, worstK, steps, drift)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--only", help="these models only (comma-separated)")
    parser.add_argument("--steps", type=int, help="optimizer steps (default: 20; fashion_cnn_bn 5)")
    add_cuda_form_argument(parser)
    args = parser.parse_args()
    torch.set_num_threads(2)
    failures = 0
    runs = [(name, lambda name=name, model=model: compare(args, name, model))
            for name, model in (("fashion_mlp", Mlp), ("fashion_cnn", Cnn),
                                ("fashion_cnn_bn", CnnBn), ("lenet5", Lenet5),
                                ("vit_tiny", VitTiny))]
    runs += [("char_gpt", lambda: char_gpt(args)), ("mlp", lambda: lecture_mlp(args))]
    for name, run_one in runs:
        if args.only and name not in args.only.split(","):
            continue
        try:
            run_one()
        except (AssertionError, RuntimeError) as error:
            failures += 1
            print(f"FAIL {name}: {error}")
    print(f"{'all passed' if not failures else f'{failures} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
