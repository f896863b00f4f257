#!/usr/bin/env bash
# One command for a GPU machine: every op-reference case and every model's
# entry points on the GPU against the CPU, command by command; fashion_mlp
# trained for 2 epochs on the GPU against the CPU's accuracy; steps per
# second. Prints a summary and writes OUT_DIR/summary.json (scripts/
# gpu_check.py). Under 6 minutes on one GPU.
#
# It runs from a bundle (scripts/gpu-bundle.sh; build/gpu-bundle, or
# $DLC_GPU_BUNDLE): the GPU machine has CUDA, CMake and Python but no
# LLVM/MLIR to compile models, so the bundle is made here and carried. Where
# the bundle is missing and this checkout has the full build, it is made.
#
# On a machine without a GPU it says so, checks that dlrun says so too
# (--device cuda fails in one sentence, --device auto runs on the CPU), runs
# the same flow on the emulated CUDA form, and exits 0 if that passes.
# Usage: scripts/gpu-check.sh OUT_DIR
set -euo pipefail
out=${1:?usage: scripts/gpu-check.sh OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=${DLC_GPU_BUNDLE:-$root/build/gpu-bundle}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ ! -x "$bundle/bin/dlrun" ]; then
  if [ -x "$root/build/bin/dlc" ]; then
    "$root/scripts/gpu-bundle.sh" "$bundle"
  else
    echo "gpu-check: no bundle at $bundle and no dlc here to make one: run" \
      "scripts/gpu-bundle.sh where dlc builds and carry build/gpu-bundle" >&2
    exit 1
  fi
fi
if [ ! -d "$bundle/lib" ]; then
  mkdir -p "$bundle/lib.partial"
  tar -xJf "$bundle/lib.tar.xz" -C "$bundle/lib.partial"
  mv "$bundle/lib.partial" "$bundle/lib"
fi
# dlrun finds the bundle's libraries through a wrapper, so that no other
# program here (Python and its extensions) sees them.
dlrun=$bundle/dlrun
cat >"$dlrun" <<SH
#!/bin/sh
LD_LIBRARY_PATH="$bundle/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$bundle/bin/dlrun" "\$@"
SH
chmod +x "$dlrun"

# A Python with NumPy (the GPU machine's has it through PyTorch and JAX).
python=python3
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c "import numpy" 2>/dev/null; then
    python=$candidate
    break
  fi
done
# cuBLASLt and cuDNN from the nvidia-* wheels of that Python, wherever its
# site-packages is (dlrun also looks in the usual places itself).
wheels=$("$python" - <<'PY' 2>/dev/null || true
import importlib.util, os
dirs = []
for package in ("nvidia.cu13", "nvidia.cublas", "nvidia.cudnn"):
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if os.path.isdir(os.path.join(location, "lib")):
            dirs.append(os.path.join(location, "lib"))
print(":".join(dirs))
PY
)
export DLC_CUDA_LIBRARY_PATH="${wheels}${DLC_CUDA_LIBRARY_PATH:+:$DLC_CUDA_LIBRARY_PATH}"

"$dlrun" --info | tee "$out/info.txt"
if grep -q '^  cuda:0 ' "$out/info.txt"; then
  "$python" "$root/scripts/gpu_check.py" --dlrun "$dlrun" --bundle "$bundle" --out "$out" \
    --device cuda
  exit $?
fi

reason=$(grep -E '^(GPU|NVIDIA driver):' "$out/info.txt" | head -1)
echo "gpu-check: no usable GPU here ($reason); checking that dlrun says so," \
  "then running the checks on the emulated CUDA form"
model=$bundle/models/fashion_mlp.fb
if "$dlrun" "$model" --device cuda --train --steps 1 --data "$bundle/data/fashion-mnist" \
  >"$out/device-cuda.txt" 2>&1; then
  echo "gpu-check: dlrun --device cuda ran without a GPU" >&2
  exit 1
fi
if [ "$(wc -l <"$out/device-cuda.txt")" -ne 1 ]; then
  echo "gpu-check: dlrun --device cuda without a GPU said more than one line:" >&2
  cat "$out/device-cuda.txt" >&2
  exit 1
fi
"$dlrun" "$model" --device auto --train --steps 2 --data "$bundle/data/fashion-mnist" \
  >"$out/device-auto.txt" 2>&1
grep -q "running on the CPU" "$out/device-auto.txt"
exec "$python" "$root/scripts/gpu_check.py" --dlrun "$dlrun" --bundle "$bundle" --out "$out" \
  --emulate --reason "$reason"
