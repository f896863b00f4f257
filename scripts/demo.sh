#!/usr/bin/env bash
# The main job: build dlc, then check every shipped model and print its
# summary. (Training arrives with `dlc compile` and `dlrun --train`.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
for model in models/*.mlir; do
  echo
  build/bin/dlc check "$model"
done
