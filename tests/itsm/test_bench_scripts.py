"""``make bench`` runs every script bench/run.py selects: each must be a runnable script,
not one of the modules the benchmarks share (settings, URLconfs, helpers)."""

import runpy
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_every_selected_file_is_a_script():
    scripts = runpy.run_path(str(BENCH / "run.py"))["benchmark_scripts"]()
    assert scripts
    for script in scripts:
        assert 'if __name__ == "__main__":' in script.read_text(), script.name


def test_selection_by_name():
    select = runpy.run_path(str(BENCH / "run.py"))["benchmark_scripts"]
    assert [s.name for s in select(["sla_tick"])] == ["bench_sla_tick.py"]
