"""Running dlc's tools from the end-to-end test scripts."""
import argparse
import os
import shutil
import subprocess


def run(command, expect_ok=True):
    """Runs `command`; unless `expect_ok` is false, a failure raises
    RuntimeError with the command and its output."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    if expect_ok and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout}{result.stderr}")
    return result


def case_arguments():
    """The command line of a per-case check script: --bin BUILD/bin
    --workdir DIR [--only NAME] [--cuda-form]; the work directory is
    created. With --cuda-form each case runs the file's CUDA form on the CPU
    (see cuda_form)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--only")
    parser.add_argument("--cuda-form", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    return args


PTX_CHIPS = ("sm_80", "sm_90")


def cuda_form(bin_dir, model, work_dir, extra=()):
    """The CUDA form of `model` checked as far as a machine without a GPU
    can: its PTX (`dlc compile --target cuda --emit=ptx`) assembled by the
    toolkit's ptxas for each of PTX_CHIPS, and its kernels before the GPU
    mapping compiled for this CPU (`--emit=host-kernels`) and linked into a
    shared library. Returns the dlrun device that runs the file's CUDA form
    with that library: `cuda-emulated:LIB`. `extra` are dlc compile
    options (e.g. --gradients)."""
    dlc = os.path.join(bin_dir, "dlc")
    ptx, obj, lib = (os.path.join(work_dir, n) for n in ("kernels.ptx", "kernels.o", "kernels.so"))
    run([dlc, "compile", *extra, "--target", "cuda", "--emit=ptx", model, "-o", ptx])
    ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
    for chip in PTX_CHIPS:
        run([ptxas, f"-arch={chip}", ptx, "-o", os.devnull])
    run([dlc, "compile", *extra, "--emit=host-kernels", model, "-o", obj])
    run(["cc", "-shared", obj, "-o", lib, "-lm"])
    return "cuda-emulated:" + lib


def run_cases(cases, only, check):
    """Runs check(case) for each case (only the one named `only`, if given):
    a PASS line with what check returns after the name, or a FAIL line with
    the error; then the count. Returns the exit status."""
    failures = 0
    selected = [c for c in cases if not only or c.name == only]
    for case in selected:
        try:
            print(f"PASS {case.name}{check(case)}")
        except (AssertionError, RuntimeError) as error:
            failures += 1
            print(f"FAIL {case.name}: {error}")
    print(f"{len(selected) - failures} passed, {failures} failed")
    return 1 if failures else 0
