# Sourced by the install tests: their arguments (BUILD_DIR SOURCE_DIR
# WORK_DIR), the version as runtime/include/dlc/runtime.h states it, fail(),
# a fresh WORK_DIR, and what an installed copy holds (installed_files).
set -euo pipefail
build=$1 src=$2 work=$3
version=$(sed -n 's/^#define DLC_RUNTIME_VERSION_[A-Z]* \([0-9]*\)$/\1/p' \
  "$src/runtime/include/dlc/runtime.h" | paste -sd.)
major=${version%%.*}
fail() { echo "$(basename "$0" .sh): $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
# What an installed copy holds, relative to its prefix (a sample of every
# kind: tools, libraries and links, headers, package files, docs, examples,
# models).
installed_files=(bin/dlc bin/dlc-opt bin/dlrun
  lib/libdlc_runtime.so lib/libdlc_runtime.so.$major lib/libdlc_runtime.so.$version
  lib/libdlc_runtime.a include/dlc/runtime.h include/dlc/runtime.hpp
  lib/cmake/dlc_runtime/dlc_runtimeConfig.cmake lib/cmake/dlc_runtime/dlc_runtimeConfigVersion.cmake
  lib/cmake/dlc_runtime/dlc_runtime-targets.cmake lib/pkgconfig/dlc_runtime.pc
  share/doc/dlc/README.md share/doc/dlc/model-format.md share/doc/dlc/cli.md
  share/doc/dlc/runtime.md share/doc/dlc/c-api.md share/doc/dlc/gpu.md
  share/doc/dlc/examples/classify.c share/doc/dlc/examples/overfit.cpp
  share/doc/dlc/examples/CMakeLists.txt share/doc/dlc/examples/Makefile
  share/dlc/models/fashion_mlp.mlir)
