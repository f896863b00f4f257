#!/usr/bin/env bash
# Creates bench/.venv (Debian's /usr/bin/python3, system site-packages
# visible) with the pinned peers of bench/requirements.txt. Idempotent: a
# stamp records the requirements the venv was filled from, so a second run
# with the same pins does nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${DLC_BENCH_PYTHON:-/usr/bin/python3}"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  if ! "$python" -c 'import ensurepip' 2>/dev/null; then
    echo "setup.sh: $python cannot make a venv; apt-get install python3-venv" >&2
    exit 1
  fi
  echo "setup.sh: creating $venv with $python" >&2
  "$python" -m venv --system-site-packages "$venv"
fi
echo "setup.sh: installing bench/requirements.txt (torch's PyPI wheel is large)" >&2
"$venv/bin/python" -m pip install --disable-pip-version-check -r "$here/requirements.txt" >&2
"$venv/bin/python" -c 'import torch, onnxruntime, onnx, numpy, safetensors, jax'
echo "$want" > "$stamp"
