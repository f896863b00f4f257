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
mkdir -p "$out"
out=$(cd "$out" && pwd)
# shellcheck source=scripts/gpu-env.sh
. "$root/scripts/gpu-env.sh"

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
