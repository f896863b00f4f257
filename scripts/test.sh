#!/usr/bin/env bash
# Builds dlc and runs the whole test suite (lit regression tests and the
# rest, through CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure
