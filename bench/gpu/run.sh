#!/usr/bin/env bash
# The GPU validation and benchmarks in one command, for a machine with one
# NVIDIA GPU, CUDA, Python with PyTorch (and its nvidia-cublas/cudnn wheels),
# and neither LLVM/MLIR nor the Debian libraries dlrun links:
#
#   bench/gpu/run.sh OUT_DIR
#
# It runs from the bundle that scripts/gpu-bundle.sh makes where dlc builds
# (build/gpu-bundle, or $DLC_GPU_BUNDLE; carry it with the checkout): dlrun
# and forward_bench with their libraries, the compiled models, the data.
# Then:
#   1. scripts/gpu-check.sh OUT_DIR/check: every op case and model on the GPU
#      against the CPU, fashion_mlp trained on both;
#   2. bench/gpu/bench.py: training steps, peak memory, inference and time
#      to accuracy against PyTorch eager and torch.compile, fp32 and TF32
#      (the compiled peers compile while step 1 runs).
# Writes OUT_DIR/bench.json, OUT_DIR/table.md (also printed) and
# OUT_DIR/check/summary.json. About 5 minutes on an H100.
#
# Without a GPU it says so and stops (exit 1): nothing here can stand in for
# the measurements. DLC_GPU_BENCH_FLOW=1 runs the whole flow anyway with tiny
# step counts and PyTorch on the CPU, for trying the script on the CPU
# stand-ins of the CUDA libraries (LD_LIBRARY_PATH=build/lib/cuda-fake,
# FAKE_CUDA_KERNELS_BY_PTX=BUNDLE/ptx-index); its numbers mean nothing.
# DLC_GPU_PYTHON picks the Python that has PyTorch; DLC_GPU_BENCH_ARGS adds
# options of bench.py (--models, --modes, --precisions, --no-inference ...).
set -euo pipefail
out=${1:?usage: bench/gpu/run.sh OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
# shellcheck source=scripts/gpu-env.sh
. "$root/scripts/gpu-env.sh"

"$dlrun" --info >"$out/info.txt" 2>&1 || true
flow=${DLC_GPU_BENCH_FLOW:-0}
if ! grep -q '^  cuda:0 ' "$out/info.txt"; then
  reason=$(grep -E '^(GPU|NVIDIA driver):' "$out/info.txt" | head -1 | sed 's/^[^:]*: //')
  echo "bench/gpu/run.sh: no GPU here: ${reason:-dlrun --info found none}. The GPU" \
    "benchmarks need an NVIDIA GPU, so nothing was measured. dlrun --info said:" >&2
  sed 's/^/  /' "$out/info.txt" >&2
  exit 1
fi
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "bench/gpu/run.sh: $python has no PyTorch, the peer of every benchmark; set" \
    "DLC_GPU_PYTHON to a Python that has it" >&2
  exit 1
fi

# dlc's starting parameters, which the PyTorch peers start from too.
params=$work/params
mkdir -p "$params"
for model in mlp fashion_mlp fashion_cnn; do
  "$forward_bench" "$bundle/models/$model.fb" --device cpu \
    --save-params "$params/$model.init.safetensors"
done

check="DLC_GPU_CHECK_SPEED_STEPS=0 DLC_GPU_BUNDLE='$bundle' DLC_GPU_WORK='$work'"
check+=" DLC_GPU_PYTHON='$python' '$root/scripts/gpu-check.sh' '$out/check'"
options=()
if [ "$flow" = 1 ]; then
  # The flow only: the stand-in GPU computes on the CPU, so steps are few
  # and the time to accuracy trains on 256 samples and tests on 256.
  check="DLC_GPU_CHECK_TRAIN='--steps 20 --eval-every 20' $check"
  "$python" - "$root/bench/gpu" "$bundle/data/fashion-mnist" "$work/small.npz" <<'PY'
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from torch_peers import read_idx
d = sys.argv[2]
np.savez(sys.argv[3], **{name: read_idx(f"{d}/{file}-ubyte.gz")[:256] for name, file in (
    ("x_train", "train-images-idx3"), ("y_train", "train-labels-idx1"),
    ("x_test", "t10k-images-idx3"), ("y_test", "t10k-labels-idx1"))})
PY
  options=(--torch-device cpu --warmup 1 --iters 2 --sync-every 2 --accuracy-steps 2
    --accuracy-data "$work/small.npz"
    --parallel-compiles 2 --note "FLOW TEST on $(grep -m1 '^  cuda:0 ' "$out/info.txt" |
      sed 's/^ *//'): PyTorch on the CPU, tiny step counts; the numbers mean nothing.")
fi
# DLC_GPU_BENCH_NO_CHECK=1 leaves the checks out (the flow's test, which
# runs gpu-check.sh on its own).
[ "${DLC_GPU_BENCH_NO_CHECK:-0}" = 1 ] && check=""
exec "$python" "$root/bench/gpu/bench.py" --bundle "$bundle" --out "$out" --params "$params" \
  --dlrun "$dlrun" --forward-bench "$forward_bench" --check "$check" "${options[@]}" \
  ${DLC_GPU_BENCH_ARGS:-}
