"""Running dlc's tools from the end-to-end test scripts."""
import argparse
import fnmatch
import os
import shutil
import subprocess


def run(command, expect_ok=True, timeout=600):
    """Runs `command`; unless `expect_ok` is false, a failure raises
    RuntimeError with the command and its output. A command still running
    after `timeout` seconds (a GPU form's threads that never meet) is
    killed, and that too raises."""
    try:
        result = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{' '.join(map(str, command))} did not finish in {timeout} s")
    if expect_ok and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout}{result.stderr}")
    return result


def case_arguments():
    """The command line of a per-case check script: --bin BUILD/bin
    --workdir DIR [--only NAME] [--bundle] [--cuda-form [unmapped|mapped]]; the work
    directory is created. With --cuda-form each case runs the file's CUDA
    form on the CPU (see cuda_form)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--only")
    parser.add_argument("--bundle", action="store_true",
                        help="only write each case's compiled file, inputs, NumPy result and "
                             "host kernels into the work directory, for a GPU machine "
                             "(scripts/gpu-bundle.sh)")
    add_cuda_form_argument(parser)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    return args


PTX_CHIPS = ("sm_80", "sm_90")
SIMT_HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "simt_harness.c")


def add_cuda_form_argument(parser):
    """--cuda-form [unmapped|mapped|fake]: run each file's CUDA form (see
    cuda_form); `unmapped` when given without a value."""
    parser.add_argument("--cuda-form", nargs="?", const="unmapped",
                        choices=("unmapped", "mapped", "fake"),
                        help="run each file's GPU form on the CPU (commands.cuda_form)")





def cuda_form(bin_dir, model, work_dir, extra=(), form="unmapped"):
    """The CUDA form of `model` checked as far as a machine without a GPU
    can: its PTX (`dlc compile --target cuda --emit=ptx`) assembled by the
    toolkit's ptxas for each of PTX_CHIPS, and its kernels compiled for this
    CPU into a shared library: `unmapped`, the kernels before the mapping to
    blocks and threads (`--emit=host-kernels`), each running all its items;
    `mapped`, the kernels as the GPU runs them (`--emit=host-mapped-kernels`),
    each thread of a block a host thread of SIMT_HARNESS. Returns the dlrun
    device that runs the file's CUDA form with that library:
    `cuda-emulated:LIB`. `extra` are dlc compile options (e.g. --gradients).
    `fake` builds the unmapped kernels and returns `cuda`, after pointing
    this process's environment (which the commands it runs inherit) at the
    CPU stand-ins of the NVIDIA driver, cuBLASLt and cuDNN (test/cuda_fake)
    and at that library: `dlrun --device cuda` then runs the CUDA backend
    itself."""
    dlc = os.path.join(bin_dir, "dlc")
    ptx, obj, lib = (os.path.join(work_dir, n) for n in ("kernels.ptx", "kernels.o", "kernels.so"))
    run([dlc, "compile", *extra, "--target", "cuda", "--emit=ptx", model, "-o", ptx])
    ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
    for chip in PTX_CHIPS:
        run([ptxas, f"-arch={chip}", ptx, "-o", os.devnull])
    if form == "fake":
        run([dlc, "compile", *extra, "--emit=host-kernels", model, "-o", obj])
        run(["cc", "-shared", obj, "-o", lib, "-lm"])
        os.environ["LD_LIBRARY_PATH"] = os.path.join(
            os.path.dirname(os.path.abspath(bin_dir)), "lib", "cuda-fake")
        os.environ["FAKE_CUDA_KERNELS"] = lib
        return "cuda"
    if form == "mapped":
        run([dlc, "compile", *extra, "--emit=host-mapped-kernels", model, "-o", obj])
        run(["cc", "-fPIC", "-shared", obj, SIMT_HARNESS, "-o", lib, "-lpthread", "-lm"])
    else:
        run([dlc, "compile", *extra, "--emit=host-kernels", model, "-o", obj])
        run(["cc", "-shared", obj, "-o", lib, "-lm"])
    return "cuda-emulated:" + lib


def run_cases(cases, only, check):
    """Runs check(case) for each case (only those `only` names, if given: a
    name or a shell pattern such as 'conv*'):
    a PASS line with what check returns after the name, or a FAIL line with
    the error; then the count. Returns the exit status."""
    failures = 0
    selected = [c for c in cases if not only or fnmatch.fnmatchcase(c.name, only)]
    for case in selected:
        try:
            print(f"PASS {case.name}{check(case)}")
        except (AssertionError, RuntimeError) as error:
            failures += 1
            print(f"FAIL {case.name}: {error}")
    print(f"{len(selected) - failures} passed, {failures} failed")
    return 1 if failures else 0
