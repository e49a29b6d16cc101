"""Start-up cost of `cg eval ... --json` against a bare Typer hello-world of the same Typer.

Runs the commands interleaved, many times, and prints medians and ratios:
    python bench/startup.py [--runs 40]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HELLO = '''import typer
app = typer.Typer()
@app.command()
def main(name: str = "world"):
    print("hello", name)
if __name__ == "__main__":
    app()
'''


def measure(commands: dict, runs: int) -> dict:
    times = {k: [] for k in commands}
    for _ in range(runs):
        for name, cmd in commands.items():        # interleaved: load drifts hit all alike
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def instructions(cmd: list) -> int | None:
    """The instructions one run of `cmd` executes (valgrind's cachegrind without its cache
    simulation; PYTHONHASHSEED=0), or None without valgrind: unlike wall-clock time on a shared
    machine, repeatable to within a few thousand."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    env = dict(os.environ, PYTHONHASHSEED="0")
    p = subprocess.run([valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *cmd],
                       capture_output=True, text=True, env=env)
    for line in p.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.split("refs:")[1].replace(",", "").split()[0])
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    py = sys.executable
    cg = shutil.which("cg") or os.path.join(os.path.dirname(py), "cg")
    import typer
    # compiled bytecode, as an install has (with PYTHONDONTWRITEBYTECODE set, an editable checkout
    # would compile cg's modules at every call: about twice the time)
    import cgcli
    subprocess.run([py, "-m", "compileall", "-q", os.path.dirname(cgcli.__file__)], capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        hello = os.path.join(tmp, "hello.py")
        with open(hello, "w") as f:
            f.write(HELLO)
        commands = {
            "python3 -c pass": [py, "-c", "pass"],
            f"typer {typer.__version__} hello-world": [py, hello, "--name", "x"],
            "cg eval --json": [cg, "eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--json"],
            "cg eval (table+tree)": [cg, "eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"],
        }
        med = measure(commands, args.runs)
    base = med["python3 -c pass"]
    hello_ms = med[f"typer {typer.__version__} hello-world"]
    print(f"{'command':34} {'median ms':>10} {'x hello':>8} {'x python':>9}")
    for name, ms in med.items():
        print(f"{name:34} {ms:10.1f} {ms / hello_ms:8.2f} {ms / base:9.2f}")


if __name__ == "__main__":
    main()
