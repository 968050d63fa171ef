"""Run every benchmark script in bench/ (bench_*.py) and print their reports.

Each script measures its figure next to a baseline taken in the same run on the same
machine, so that the numbers are ratios that hold on a noisy machine (DESIGN §8).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    selected = sys.argv[1:]
    scripts = sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(name in s.name for name in selected)]
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
