"""Benchmark sla.businesstime deadline arithmetic on the Chinese working calendar.

Run from the repository root:  .venv/bin/python bench/bench_deadlines.py [N]
No Django involved; one process, one core.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chinese_calendar  # noqa: E402

from sla.businesstime import SHANGHAI, WorkingCalendar  # noqa: E402

# Typical SLA targets: response/resolution times from 15 minutes to 40 business hours.
TARGETS = [timedelta(minutes=m) for m in (15, 30, 60, 120, 240, 480, 960, 1440, 1920, 2400)]


def make_calendar() -> WorkingCalendar:
    return WorkingCalendar.standard_china(
        chinese_calendar.holidays,
        chinese_calendar.workdays,
        tz=SHANGHAI,
        valid_from=date(2004, 1, 1),
        valid_until=date(2026, 12, 31),
    )


def make_inputs(n: int, seed: int = 20250101) -> tuple[list[datetime], list[timedelta]]:
    rng = random.Random(seed)
    lo = int(datetime(2024, 1, 1, tzinfo=SHANGHAI).timestamp())
    hi = int(datetime(2026, 12, 1, tzinfo=SHANGHAI).timestamp())
    starts = [
        datetime.fromtimestamp(rng.randrange(lo, hi), SHANGHAI).replace(
            microsecond=rng.randrange(1_000_000)
        )
        for _ in range(n)
    ]
    targets = [rng.choice(TARGETS) for _ in range(n)]
    return starts, targets


def rate(label: str, n: int, seconds: float) -> float:
    per_second = n / seconds
    print(f"{label:<44} {per_second:>12,.0f} /s   ({seconds * 1e6 / n:6.2f} µs/op)")
    return per_second


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    cal = make_calendar()
    starts, targets = make_inputs(n)
    pairs = list(zip(starts, targets, strict=True))
    span_rng = random.Random(7)
    ends = [s + timedelta(seconds=span_rng.randrange(0, 30 * 86_400)) for s in starts]
    ranges = list(zip(starts, ends, strict=True))

    # Warm the per-date / per-chunk caches once (a long-running server has them warm too).
    for s, d in pairs[:1000]:
        cal.add(s, d)

    print(f"Python {sys.version.split()[0]}, N={n:,}, calendar: {cal!r}")

    t0 = time.perf_counter()
    baseline = [s + d for s, d in pairs]
    base_rate = rate("baseline: start + timedelta", n, time.perf_counter() - t0)

    t0 = time.perf_counter()
    base_utc = [(s.astimezone(UTC) + d).astimezone(SHANGHAI) for s, d in pairs]
    utc_rate = rate("baseline: UTC round-trip start + timedelta", n, time.perf_counter() - t0)

    add = cal.add
    t0 = time.perf_counter()
    deadlines = [add(s, d) for s, d in pairs]
    add_rate = rate("WorkingCalendar.add", n, time.perf_counter() - t0)

    elapsed = cal.elapsed
    t0 = time.perf_counter()
    durations = [elapsed(a, b) for a, b in ranges]
    elapsed_rate = rate("WorkingCalendar.elapsed (0..30 day spans)", n, time.perf_counter() - t0)

    # Sanity check (also keeps the baseline results alive so nothing is optimised away).
    bad = sum(elapsed(s, r) != d for (s, d), r in zip(pairs[:20_000], deadlines, strict=False))
    if bad or not len(baseline) == len(base_utc) == len(durations) == n:
        sys.exit(f"self-check failed: {bad} deadlines where elapsed(start, add(start, d)) != d")

    print(
        f"add() is {base_rate / add_rate:.1f}x slower than plain start + timedelta "
        f"({utc_rate / add_rate:.1f}x vs. the DST-correct UTC round trip)"
    )
    print(f"elapsed() is {base_rate / elapsed_rate:.1f}x slower than plain start + timedelta")
    goal = 100_000
    print(f"goal >= {goal:,} add()/s: {'met' if add_rate >= goal else 'NOT met'}")


if __name__ == "__main__":
    main()
