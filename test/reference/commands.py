"""Running dlc's tools from the end-to-end test scripts."""
import argparse
import os
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
    --workdir DIR [--only NAME]; the work directory is created."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--only")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    return args


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
