#!/usr/bin/env bash
# The main job: build dlc, compile models/fashion_mlp.mlir and train it on
# Fashion-MNIST (Debian's dataset-fashion-mnist, which setup installs),
# printing progress and the final test accuracy. Extra arguments go to
# dlrun, e.g. `scripts/demo.sh --epochs 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p build/models
build/bin/dlc check models/fashion_mlp.mlir
build/bin/dlc compile models/fashion_mlp.mlir -o build/models/fashion_mlp.fb --stats
args=("$@")
((${#args[@]})) || args=(--epochs 10)
exec build/bin/dlrun build/models/fashion_mlp.fb --train "${args[@]}" \
  --log build/models/fashion_mlp.jsonl --plot build/models/fashion_mlp.svg \
  --checkpoint build/models/fashion_mlp.safetensors
