"""Running dlc's tools from the end-to-end test scripts."""
import subprocess


def run(command, expect_ok=True):
    """Runs `command`; unless `expect_ok` is false, a failure raises
    RuntimeError with the command and its output."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    if expect_ok and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout}{result.stderr}")
    return result
