"""Reading and writing safetensors files with NumPy (F32, F64 and I64), the
format dlc's checkpoints and --params files use: an 8-byte little-endian
header length, a JSON header (padded with spaces to a multiple of 8), the
data."""
import json
import struct

import numpy as np

DTYPES = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int64"): "I64"}
NUMPY = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def write(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, value in tensors.items():
        value = np.asarray(value)
        data = np.ascontiguousarray(value, dtype=NUMPY[DTYPES[value.dtype]]).tobytes()
        header[name] = {"dtype": DTYPES[value.dtype], "shape": list(value.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read(path):
    """Every tensor of a supported dtype, by name."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in NUMPY:
            continue
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=NUMPY[info["dtype"]]).reshape(
            info["shape"]).copy()
    return out
