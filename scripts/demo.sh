#!/usr/bin/env bash
# The main job: build dlc, then check and compile every shipped model,
# printing its summary and memory plan. (Training arrives with `dlrun --train`.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p build/models
for model in models/*.mlir; do
  echo
  build/bin/dlc check "$model"
  build/bin/dlc compile "$model" -o "build/models/$(basename "$model" .mlir).fb" --stats
done
