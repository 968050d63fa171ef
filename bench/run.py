"""Run every benchmark script in bench/ (bench_*.py) and print their reports.

Each script measures its figure next to a baseline taken in the same run on the same
machine, so that the numbers are ratios that hold on a noisy machine (DESIGN §8).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmark_scripts(selected=()) -> list[Path]:
    """The benchmarks (``bench_*.py``; the modules they share are named otherwise), or those
    whose names contain one of ``selected``."""
    scripts = sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(name in s.name for name in selected)]
    return scripts


def main() -> int:
    scripts = benchmark_scripts(sys.argv[1:])
    failed = 0
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        failed += result.returncode != 0
    if not scripts:
        print("no benchmark scripts found")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
