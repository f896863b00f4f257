"""dlrun's text windows (docs/model-format.md, "Text data"), written
independently of dlrun: row r of a training run is the window of context + 1
bytes starting at splitmix64(seed * 0x9E3779B97F4A7C15 + r) mod (bytes -
context); step s holds rows s * batch to s * batch + batch - 1."""
import numpy as np

M64 = (1 << 64) - 1


def splitmix(state):
    """The first output of a SplitMix64 generator seeded `state`."""
    z = (state + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def training_batch(train_bytes, seed, step, batch, context):
    """Tokens [batch, context] and next bytes [batch * context] of training
    step `step` (int64 arrays), from the training bytes (an int64 array)."""
    starts = [splitmix((seed * 0x9E3779B97F4A7C15 + step * batch + i) & M64) %
              (len(train_bytes) - context) for i in range(batch)]
    tokens = np.stack([train_bytes[s:s + context] for s in starts])
    targets = np.stack([train_bytes[s + 1:s + context + 1] for s in starts]).reshape(-1)
    return tokens, targets


def held_out_batch(test_bytes, first, batch, context):
    """Tokens and next bytes of held-out windows first .. first + batch - 1
    (window w starts at w * context)."""
    rows = range(first, first + batch)
    tokens = np.stack([test_bytes[r * context:r * context + context] for r in rows])
    targets = np.stack([test_bytes[r * context + 1:r * context + context + 1] for r in rows])
    return tokens, targets.reshape(-1)
