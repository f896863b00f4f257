# Sourced by the install tests: their arguments (BUILD_DIR SOURCE_DIR
# WORK_DIR), the version as runtime/include/dlc/runtime.h states it, fail(),
# and a fresh WORK_DIR.
set -euo pipefail
build=$1 src=$2 work=$3
version=$(sed -n 's/^#define DLC_RUNTIME_VERSION_[A-Z]* \([0-9]*\)$/\1/p' \
  "$src/runtime/include/dlc/runtime.h" | paste -sd.)
major=${version%%.*}
fail() { echo "$(basename "$0" .sh): $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
