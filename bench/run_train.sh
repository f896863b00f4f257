#!/usr/bin/env bash
# The training benchmark in one command: dlc vs PyTorch vs JAX (train_step) on
# models/fashion_mlp.mlir and models/fashion_cnn.mlir (batch 128, CPU).
#
#   bench/run_train.sh [train.py options: --threads N --iters K --warmup W
#                         --rounds R --models fashion_mlp,fashion_cnn]
#
# Sets up bench/.venv (bench/setup.sh), brings dlc and forward_bench up to
# date in the build directory (DLC_BUILD_DIR, default build/), then runs
# bench/train.py, which prints the table and writes
# bench/results/train-<date>.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${DLC_BUILD_DIR:-$root/build}"

"$here/setup.sh"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja
fi
ninja -C "$build" -j"${DLC_BUILD_JOBS:-2}" dlc forward_bench >&2
exec "$here/.venv/bin/python" "$here/train.py" --build "$build" "$@"
