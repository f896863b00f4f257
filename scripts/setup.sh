#!/usr/bin/env bash
# Installs the Debian packages dlc builds with (only those missing) and builds
# everything into build/. Safe to run again: a second run only rebuilds what
# changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ make python3            # build
  llvm-22-dev llvm-22-tools                     # LLVM, FileCheck, lit
  libmlir-22-dev mlir-22-tools                  # MLIR, mlir-tblgen
  libflatbuffers-dev flatbuffers-compiler       # the executable format
  libfmt-dev nlohmann-json3-dev zlib1g-dev      # runtime: messages, safetensors, .npz/.gz
  libdnnl-dev                                   # runtime: CPU matmul, convolution, pooling
  libopenblas-openmp-dev                        # runtime: CPU matmul below AVX-512
  libcli11-dev libpng-dev                       # dlrun's command line, PNG plots
  libgtest-dev                                  # runtime unit tests
  pkg-config dpkg-dev                           # install tests: pkg-config, the .deb
  python3-numpy                                 # NumPy references in the tests
  python3-torch                                 # PyTorch references for training in the tests
  dataset-fashion-mnist                         # the default training data
  jargon-text                                   # the default text corpus (dl.dataset = "text")
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc)
((jobs <= 2)) || jobs=$((jobs - 1))
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
ninja -C build -j"$jobs"
