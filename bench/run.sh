#!/usr/bin/env bash
# The benchmarks in one command each: dlc against its peers on the CPU.
#
#   bench/run.sh forward [options]   # inference of the image models: vs PyTorch and
#                                    # ONNX Runtime (forward.py)
#   bench/run.sh train [options]     # training step of every model: vs PyTorch eager,
#                                    # torch.compile and JAX (train.py)
#
# options: --threads N --iters K --warmup W --rounds R --models NAME,NAME
#
# Sets up bench/.venv (bench/setup.sh), brings dlc and forward_bench up to
# date in the build directory (DLC_BUILD_DIR, default build/), then runs the
# benchmark's script, which prints the table and writes
# bench/results/<benchmark>-<date>.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${DLC_BUILD_DIR:-$root/build}"

benchmark="${1:-}"
if [[ "$benchmark" != forward && "$benchmark" != train ]]; then
  echo "usage: bench/run.sh forward|train [--threads N --iters K --warmup W --rounds R --models ...]" >&2
  exit 2
fi
shift

"$here/setup.sh"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja
fi
ninja -C "$build" -j"${DLC_BUILD_JOBS:-2}" dlc forward_bench >&2
exec "$here/.venv/bin/python" "$here/$benchmark.py" --build "$build" "$@"
