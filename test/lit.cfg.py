# lit configuration for the dlc regression suite.
import os
import shutil

import lit.formats

config.name = "dlc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "CMakeLists.txt", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dlc_obj_root, "test")

# Our tools first, then LLVM 22's FileCheck/not/count (an older FileCheck may
# be elsewhere on PATH).
config.environment["PATH"] = os.pathsep.join(
    [config.dlc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")]
)
config.substitutions.append(("%models", os.path.join(config.dlc_src_root, "models")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%srcroot", config.dlc_src_root))
config.substitutions.append(("%dlc_bin", config.dlc_tools_dir))
config.substitutions.append(("%dlc_lib", os.path.join(config.dlc_obj_root, "lib")))
config.substitutions.append(
    ("%cuda_stand_in", os.path.join(config.dlc_obj_root, "lib", "libcuda_stand_in.so")))
config.substitutions.append(("%cuda_fake", os.path.join(config.dlc_obj_root, "lib", "cuda-fake")))
if os.path.exists(os.path.join(config.dlc_obj_root, "lib", "cuda-fake", "libcuda.so.1")):
    config.available_features.add("cuda-fake")
# Debian's interpreter, which has python3-numpy (the first python3 on PATH may not).
config.substitutions.append(("%python", "/usr/bin/python3"))

# The CUDA toolkit's ptxas assembles the PTX the tests generate (no GPU
# needed); tests of the GPU path say REQUIRES: ptxas.
ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.path.exists(ptxas) and os.path.exists("/usr/local/cuda/nvvm/libdevice/libdevice.10.bc"):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# A usable NVIDIA GPU (dlrun --info lists cuda:0): tests that run on the GPU
# say REQUIRES: cuda-gpu and are reported UNSUPPORTED elsewhere.
import subprocess
try:
    info = subprocess.run([os.path.join(config.dlc_tools_dir, "dlrun"), "--info"],
                          capture_output=True, text=True, timeout=120).stdout
except (OSError, subprocess.TimeoutExpired):
    info = ""
if "\n  cuda:0 " in info:
    config.available_features.add("cuda-gpu")
# The runtime was built with its CUDA backend (the CUDA and cuDNN headers
# were there).
if "CUDA backend: built in" in info:
    config.available_features.add("cuda-backend")
