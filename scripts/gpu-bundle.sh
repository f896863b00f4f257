#!/usr/bin/env bash
# Makes what scripts/gpu-check.sh and bench/gpu/run.sh need on a GPU machine
# that has CUDA, CMake and Python but no LLVM/MLIR, oneDNN or other -dev
# packages, from the build here: dlrun and forward_bench with the shared
# libraries they link beyond glibc (lib.tar.xz, unpacked there), every
# shipped model and every op-reference case compiled for both targets (with
# the host build of their kernels, for the no-GPU path), the NumPy results of
# the cases, Fashion-MNIST, and the benchmarks' inputs (bench/: fashion_cnn
# compiled at batch 1, fixed batches as .npy).
# Usage: scripts/gpu-bundle.sh [DIR] (default build/gpu-bundle)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/gpu-bundle}
bin=$root/build/bin
[ -x "$bin/dlc" ] && [ -x "$bin/dlrun" ] || "$root/scripts/setup.sh"
[ -x "$bin/forward_bench" ] || ninja -C "$root/build" forward_bench
python=/usr/bin/python3 # Debian's, with NumPy

rm -rf "$out"
mkdir -p "$out/bin" "$out/models" "$out/ops" "$out/data" "$out/libs" "$out/bench"
cp "$bin/dlrun" "$bin/forward_bench" "$out/bin/"
# The libraries they link, glibc's own excepted (the GPU machine has a
# glibc at least as new), packed: oneDNN alone is 40 MB unpacked.
ldd "$bin/dlrun" "$bin/forward_bench" | awk '/=> \//{print $3}' | sort -u |
  grep -Ev '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so' |
  while read -r lib; do cp -L "$lib" "$out/libs/"; done
tar -C "$out/libs" -cJf "$out/lib.tar.xz" .
rm -rf "$out/libs"

for model in "$root"/models/*.mlir; do
  name=$(basename "$model" .mlir)
  "$bin/dlc" compile "$model" -o "$out/models/$name.fb"
  "$bin/dlc" compile --emit=host-kernels "$model" -o "$out/models/$name.kernels.o"
  cc -shared "$out/models/$name.kernels.o" -o "$out/models/$name.kernels.so" -lm
  rm "$out/models/$name.kernels.o"
done
"$python" "$root/test/e2e/op_reference.py" --bin "$bin" --workdir "$out/ops" --bundle >"$out/ops.log"
# The benchmarks' inputs (bench/gpu/bench.py). The starting parameters are
# not carried (fashion_cnn's with its Adam state are 38 MB): forward_bench
# saves them there, from the same initializers. fashion_cnn at batch 1 keeps
# its training entry points, so that it takes the same parameter files.
sed 's/128x/1x/g' "$root/models/fashion_cnn.mlir" >"$out/bench/fashion_cnn_b1.mlir"
"$bin/dlc" compile "$out/bench/fashion_cnn_b1.mlir" -o "$out/bench/fashion_cnn_b1.fb"
"$bin/dlc" compile --target cuda --emit=ptx "$out/bench/fashion_cnn_b1.mlir" \
  -o "$out/bench/fashion_cnn_b1.ptx"
"$bin/dlc" compile --emit=host-kernels "$out/bench/fashion_cnn_b1.mlir" \
  -o "$out/bench/fashion_cnn_b1.kernels.o"
cc -shared "$out/bench/fashion_cnn_b1.kernels.o" -o "$out/bench/fashion_cnn_b1.kernels.so" -lm
rm "$out/bench/fashion_cnn_b1.mlir" "$out/bench/fashion_cnn_b1.kernels.o"
# The host kernels again, named by a hash of each file's PTX: the CPU
# stand-in of the driver (test/cuda_fake) finds them so, when the GPU path
# of gpu-check.sh is tried here.
mkdir -p "$out/ptx-index"
for model in "$root"/models/*.mlir; do
  name=$(basename "$model" .mlir)
  "$bin/dlc" compile --target cuda --emit=ptx "$model" -o "$out/models/$name.ptx"
done
"$python" - "$out" <<'PY'
import glob, os, shutil, sys
out = sys.argv[1]
def fnv(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"
pairs = [(p, os.path.join(os.path.dirname(p), "kernels.so"))
         for p in glob.glob(os.path.join(out, "ops", "*", "kernels.ptx"))]
pairs += [(p, p[:-4] + ".kernels.so") for p in glob.glob(os.path.join(out, "models", "*.ptx"))]
pairs += [(p, p[:-4] + ".kernels.so") for p in glob.glob(os.path.join(out, "bench", "*.ptx"))]
for ptx, lib in pairs:
    shutil.copy(lib, os.path.join(out, "ptx-index", fnv(open(ptx, "rb").read()) + ".so"))
    os.remove(ptx)
PY
rm -f "$out"/ops/*/kernels.o "$out"/ops/*/model.mlir
cp -r /usr/share/datasets/fashion-mnist "$out/data/"
"$python" - "$out/bench" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (128, 28, 28), dtype=np.uint8)
np.save(f"{out}/images128.npy", images)
np.save(f"{out}/images1.npy", images[:1])
np.save(f"{out}/labels128.npy", rng.integers(0, 10, 128).astype(np.int32))
np.save(f"{out}/mlp_x.npy", rng.standard_normal((64, 1000)).astype(np.float32))
np.save(f"{out}/mlp_target.npy", rng.standard_normal((64, 10)).astype(np.float32))
PY
echo "gpu-bundle: $out ($(du -sh "$out" | cut -f1)): $(ls "$out/models"/*.fb | wc -l) models," \
  "$(ls -d "$out"/ops/*/ | wc -l) op cases"
