#!/usr/bin/env bash
# The forward-pass benchmark in one command: dlc vs PyTorch vs ONNX Runtime on
# models/fashion_mlp.mlir and models/fashion_cnn.mlir (batch 128, CPU).
#
#   bench/run_forward.sh [forward.py options: --threads N --iters K --warmup W
#                         --rounds R --models fashion_mlp,fashion_cnn]
#
# Sets up bench/.venv (bench/setup.sh), brings dlc and forward_bench up to
# date in the build directory (DLC_BUILD_DIR, default build/), then runs
# bench/forward.py, which prints the table and writes
# bench/results/forward-<date>.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${DLC_BUILD_DIR:-$root/build}"

"$here/setup.sh"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja
fi
ninja -C "$build" -j"${DLC_BUILD_JOBS:-2}" dlc forward_bench >&2
exec "$here/.venv/bin/python" "$here/forward.py" --build "$build" "$@"
