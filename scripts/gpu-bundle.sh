#!/usr/bin/env bash
# Makes what scripts/gpu-check.sh needs on a GPU machine that has CUDA, CMake
# and Python but no LLVM/MLIR, oneDNN or other -dev packages, from the build
# here: dlrun with the shared libraries it links beyond glibc (lib.tar.xz,
# unpacked there), every shipped model and every op-reference case compiled
# for both targets (with the host build of their kernels, for the no-GPU
# path), the NumPy results of the cases, and Fashion-MNIST.
# Usage: scripts/gpu-bundle.sh [DIR] (default build/gpu-bundle)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/gpu-bundle}
bin=$root/build/bin
[ -x "$bin/dlc" ] && [ -x "$bin/dlrun" ] || "$root/scripts/setup.sh"
python=/usr/bin/python3 # Debian's, with NumPy

rm -rf "$out"
mkdir -p "$out/bin" "$out/models" "$out/ops" "$out/data" "$out/libs"
cp "$bin/dlrun" "$out/bin/"
# The libraries dlrun links, glibc's own excepted (the GPU machine has a
# glibc at least as new), packed: oneDNN alone is 40 MB unpacked.
ldd "$bin/dlrun" | awk '/=> \//{print $3}' |
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
for ptx, lib in pairs:
    shutil.copy(lib, os.path.join(out, "ptx-index", fnv(open(ptx, "rb").read()) + ".so"))
    os.remove(ptx)
PY
rm -f "$out"/ops/*/kernels.o "$out"/ops/*/model.mlir
cp -r /usr/share/datasets/fashion-mnist "$out/data/"
echo "gpu-bundle: $out ($(du -sh "$out" | cut -f1)): $(ls "$out/models"/*.fb | wc -l) models," \
  "$(ls -d "$out"/ops/*/ | wc -l) op cases"
