# Sourced by scripts/gpu-check.sh and bench/gpu/run.sh: the environment for
# running a bundle (scripts/gpu-bundle.sh) on a machine that has CUDA and
# Python but none of the libraries dlrun links beyond glibc.
#
# In: $root (the checkout). Sets:
#   bundle        $DLC_GPU_BUNDLE, or build/gpu-bundle (made here if this
#                 checkout has dlc and the bundle is missing)
#   work          where the libraries are unpacked and the wrappers live
#                 ($DLC_GPU_WORK, default BUNDLE.run beside the bundle): outside
#                 it, so that the bundle stays small enough to carry
#   dlrun, forward_bench   wrappers that run the bundle's programs with its
#                 libraries (no other program sees them)
#   python        a Python with NumPy
# and exports DLC_CUDA_LIBRARY_PATH with the lib folders of that Python's
# nvidia-* wheels (cuBLASLt, cuDNN).
bundle=${DLC_GPU_BUNDLE:-$root/build/gpu-bundle}
if [ ! -x "$bundle/bin/dlrun" ]; then
  if [ -x "$root/build/bin/dlc" ]; then
    "$root/scripts/gpu-bundle.sh" "$bundle"
  else
    echo "no bundle at $bundle and no dlc here to make one: run scripts/gpu-bundle.sh" \
      "where dlc builds and carry build/gpu-bundle" >&2
    exit 1
  fi
fi
work=${DLC_GPU_WORK:-$bundle.run}
mkdir -p "$work"
stamp=$(cksum <"$bundle/lib.tar.xz" | cut -d' ' -f1)
if [ "$(cat "$work/lib.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$work/lib" "$work/lib.partial"
  mkdir -p "$work/lib.partial"
  tar -xJf "$bundle/lib.tar.xz" -C "$work/lib.partial"
  mv "$work/lib.partial" "$work/lib"
  echo "$stamp" >"$work/lib.stamp"
fi
for program in dlrun forward_bench; do
  cat >"$work/$program" <<SH
#!/bin/sh
LD_LIBRARY_PATH="$work/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$bundle/bin/$program" "\$@"
SH
  chmod +x "$work/$program"
done
dlrun=$work/dlrun
forward_bench=$work/forward_bench

python=python3
for candidate in ${DLC_GPU_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c "import numpy" 2>/dev/null; then
    python=$candidate
    break
  fi
done
wheels=$("$python" - <<'PY' 2>/dev/null || true
import importlib.util, os
dirs = []
for package in ("nvidia.cu13", "nvidia.cublas", "nvidia.cudnn"):
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if os.path.isdir(os.path.join(location, "lib")):
            dirs.append(os.path.join(location, "lib"))
print(":".join(dirs))
PY
)
export DLC_CUDA_LIBRARY_PATH="${wheels}${DLC_CUDA_LIBRARY_PATH:+:$DLC_CUDA_LIBRARY_PATH}"
