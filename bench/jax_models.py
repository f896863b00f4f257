"""The shipped models written in JAX, holding dlc's parameters: the JAX
peers of bench/train.py. Written as a JAX user would for XLA's CPU backend:
convolutions and pooling in NHWC with HWIO filters (XLA CPU's fast layout;
the filters and the first dense layer's rows are permuted once from dlc's
OIHW / CHW order when the parameters are loaded), attention through
jax.nn.dot_product_attention, the whole training step under jax.jit with
the parameters and optimizer moments donated.

prepare(name, params) -> (weights, state): the trainable parameters in the
layouts above and the non-trainable state (batch norm's running statistics).
forward(name, weights, state, x, key, training) -> (output, new state).
"""
import numpy as np


def prepare(name, params):
    p = dict(params)
    for k in list(p):
        if p[k].ndim == 4:  # OIHW -> HWIO
            p[k] = np.ascontiguousarray(p[k].transpose(2, 3, 1, 0))
    if name in ("fashion_cnn", "fashion_cnn_bn"):  # rows of fc1 from (C, H, W) to (H, W, C)
        p["fc1_w"] = np.ascontiguousarray(
            p["fc1_w"].reshape(64, 7, 7, -1).transpose(1, 2, 0, 3).reshape(3136, -1))
    if name == "lenet5":
        p["c5_w"] = np.ascontiguousarray(
            p["c5_w"].reshape(16, 5, 5, -1).transpose(1, 2, 0, 3).reshape(400, -1))
    state = {}
    if name == "fashion_cnn_bn":
        state = {"bn1_mean": np.zeros(32, np.float32), "bn1_var": np.ones(32, np.float32),
                 "bn2_mean": np.zeros(64, np.float32), "bn2_var": np.ones(64, np.float32)}
    return p, state


def forward(name, p, state, x, key, training):
    import jax
    import jax.numpy as jnp

    def conv(x, w, b=None, pad=0):
        y = jax.lax.conv_general_dilated(x, w, (1, 1), ((pad, pad), (pad, pad)),
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return y if b is None else y + b

    def max_pool(x):
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                                     "VALID")

    def avg_pool(x):
        return jax.lax.reduce_window(x, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1),
                                     "VALID") * 0.25

    def dropout(h):
        if not training:
            return h
        keep = jax.random.bernoulli(key, 0.5, h.shape)
        return jnp.where(keep, h * 2.0, 0.0)

    def layer_norm(x, g, b, eps):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) * jax.lax.rsqrt(var + eps) * g + b

    def images(x):  # [N, 28, 28] bytes -> NHWC floats
        return (x.astype(jnp.float32) * 0.003921568627).reshape(x.shape[0], 28, 28, 1)

    def block(x, i, heads, eps, causal):
        w = {k[len(f"b{i}_"):]: v for k, v in p.items() if k.startswith(f"b{i}_")}
        B, T, D = x.shape
        q, k, v = jnp.split(layer_norm(x, w["ln1_g"], w["ln1_b"], eps) @ w["qkv_w"]
                            + w["qkv_b"], 3, axis=-1)
        q, k, v = (t.reshape(B, T, heads, D // heads) for t in (q, k, v))
        o = jax.nn.dot_product_attention(q, k, v, is_causal=causal).reshape(B, T, D)
        x = x + o @ w["proj_w"] + w["proj_b"]
        h = jax.nn.gelu(layer_norm(x, w["ln2_g"], w["ln2_b"], eps) @ w["fc1_w"] + w["fc1_b"],
                        approximate=False)
        return x + h @ w["fc2_w"] + w["fc2_b"]

    if name in ("mlp", "fashion_mlp"):
        if name == "fashion_mlp":
            x = x.astype(jnp.float32).reshape(x.shape[0], 784) * 0.003921568627
        h = jax.nn.relu(x @ p["w1"] + p["b1"])
        return h @ p["w2"] + p["b2"], state
    if name == "fashion_cnn":
        x = max_pool(jax.nn.relu(conv(images(x), p["conv1_w"], p["conv1_b"], 2)))
        x = max_pool(jax.nn.relu(conv(x, p["conv2_w"], p["conv2_b"], 2)))
        h = dropout(jax.nn.relu(x.reshape(x.shape[0], 3136) @ p["fc1_w"] + p["fc1_b"]))
        return h @ p["fc2_w"] + p["fc2_b"], state
    if name == "fashion_cnn_bn":
        new_state = dict(state)

        def batch_norm(x, i):
            if training:
                mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
                n = x.size // x.shape[-1]
                new_state[f"bn{i}_mean"] = 0.9 * state[f"bn{i}_mean"] + 0.1 * mean
                new_state[f"bn{i}_var"] = 0.9 * state[f"bn{i}_var"] + 0.1 * var * n / (n - 1)
            else:
                mean, var = state[f"bn{i}_mean"], state[f"bn{i}_var"]
            return (x - mean) * jax.lax.rsqrt(var + 1e-5) * p[f"bn{i}_scale"] + \
                p[f"bn{i}_offset"]
        x = max_pool(jax.nn.relu(batch_norm(conv(images(x), p["conv1_w"], pad=2), 1)))
        x = max_pool(jax.nn.relu(batch_norm(conv(x, p["conv2_w"], pad=2), 2)))
        h = dropout(jax.nn.relu(x.reshape(x.shape[0], 3136) @ p["fc1_w"] + p["fc1_b"]))
        return h @ p["fc2_w"] + p["fc2_b"], new_state
    if name == "lenet5":
        x = avg_pool(jnp.tanh(conv(images(x), p["c1_w"], p["c1_b"], 2)))
        x = avg_pool(jnp.tanh(conv(x, p["c3_w"], p["c3_b"])))
        h = jnp.tanh(x.reshape(x.shape[0], 400) @ p["c5_w"] + p["c5_b"])
        h = jnp.tanh(h @ p["f6_w"] + p["f6_b"])
        return h @ p["out_w"] + p["out_b"], state
    if name == "vit_tiny":
        B = x.shape[0]
        x = (x.astype(jnp.float32) * 0.003921568627).reshape(B, 4, 7, 4, 7)
        x = x.transpose(0, 1, 3, 2, 4).reshape(B, 16, 49) @ p["patch_w"] + p["patch_b"]
        x = x + p["pos"]
        for i in range(3):
            x = block(x, i, 4, 1e-6, False)
        x = layer_norm(x, p["ln_g"], p["ln_b"], 1e-6).mean(1)
        return x @ p["head_w"] + p["head_b"], state
    if name == "char_gpt":
        x = p["tok"][x] + p["pos"]
        for i in range(3):
            x = block(x, i, 4, 1e-5, True)
        x = layer_norm(x, p["ln_g"], p["ln_b"], 1e-5)
        return (x @ p["tok"].T).reshape(-1, 256), state
    raise KeyError(name)


def loss(name, output, target):
    import jax
    import jax.numpy as jnp
    if name == "mlp":  # dl.mse_loss reduction = batch_mean
        return jnp.sum((output - target) ** 2) / output.shape[0]
    logp = jax.nn.log_softmax(output)
    return -jnp.mean(jnp.take_along_axis(logp, target.reshape(-1, 1), axis=1))


def train_step(name, optimizer):
    """The jitted step (weights, m, v, t, state, x, target, key) -> (weights,
    m, v, t, state, loss): value_and_grad, the global-norm clip when the
    model has one, Adam (or AdamW's decoupled weight decay)."""
    import jax
    import jax.numpy as jnp
    tree = jax.tree_util.tree_map
    lr, wd, clip = optimizer["lr"], optimizer.get("weight_decay"), optimizer.get("clip_norm")

    def loss_fn(w, state, x, target, key):
        out, new_state = forward(name, w, state, x, key, True)
        return loss(name, out, target), new_state

    def step(w, m, v, t, state, x, target, key):
        key = jax.random.fold_in(key, t.astype(jnp.int32))
        (value, state), g = jax.value_and_grad(loss_fn, has_aux=True)(w, state, x, target, key)
        if clip is not None:
            norm = jnp.sqrt(sum(jnp.sum(x * x) for x in jax.tree_util.tree_leaves(g)))
            g = tree(lambda g: g * jnp.minimum(1.0, clip / (norm + 1e-6)), g)
        t = t + 1
        m = tree(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = tree(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t

        def update(w, m, v):
            if wd is not None:
                w = w * (1 - lr * wd)
            return w - lr * (m / c1) / (jnp.sqrt(v / c2) + 1e-8)
        return tree(update, w, m, v), m, v, t, state, value
    return jax.jit(step, donate_argnums=(0, 1, 2, 4))
