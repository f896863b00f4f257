"""Philox4x32-10 and the dropout mask it draws, in NumPy: the reference the
CPU kernel tests and the PyTorch comparison share (dl.dropout's documented
scheme)."""
import numpy as np


def philox4x32_10(counter, key):
    """Random123's philox4x32-10 on arrays of counters (4 x uint32) and a key."""
    c = [np.asarray(w, dtype=np.uint64) for w in counter]
    k0, k1 = np.uint64(key & 0xFFFFFFFF), np.uint64(key >> 32)
    mask = np.uint64(0xFFFFFFFF)
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c[0]
        p1 = np.uint64(0xCD9E8D57) * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & mask, (p0 >> np.uint64(32)) ^ c[3] ^ k1,
             p0 & mask]
        k0, k1 = (k0 + np.uint64(0x9E3779B9)) & mask, (k1 + np.uint64(0xBB67AE85)) & mask
    return c


# Known answers from Random123's kat_vectors.
assert [int(w) for w in philox4x32_10([0, 0, 0, 0], 0)] == [
    0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
assert [int(w) for w in philox4x32_10([0xFFFFFFFF] * 4, 0xFFFFFFFFFFFFFFFF)] == [
    0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]
assert [int(w) for w in philox4x32_10([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344],
                                      0x299F31D0A4093822)] == [
    0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]


def dropout_mask(n, rate, seed, step):
    """True where an element is kept: element i takes word i % 4 of
    philox(counter = (i / 4 low, i / 4 high, step low, step high), key = seed)."""
    groups = np.arange((n + 3) // 4, dtype=np.uint64)
    words = philox4x32_10([groups & np.uint64(0xFFFFFFFF), groups >> np.uint64(32),
                           np.uint64(step & 0xFFFFFFFF), np.uint64(step >> 32)], seed)
    word = np.stack(words, axis=1).reshape(-1)[:n]
    u = (word >> np.uint64(8)).astype(np.float64) * 2.0 ** -24
    return u >= rate
