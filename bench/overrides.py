"""How often the override alerts fire on honest advisors, and whether they name a planted biased one, by window size.

    python -m bench.overrides [--seeds 10] [--sizes 2000 5000] [--bias 0.4]

For each window size and seed, the decision replay of `monitoring.simulate_decisions` (five advisors, two windows)
is written twice into temporary events databases: unbiased, then with `advisor-3` refusing `--bias` of the women
and clients under 30 the model accepted in the second window; the override monitoring judges the second window
against the first. Prints, per size, the unbiased replays that raised any alert (false alarms) and the biased ones
whose alerts named the planted advisor, with the seconds per replay and the load average. Exit 1 when, at the
largest size, an unbiased replay alerts or a biased one is missed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from monitoring.events import Window
from monitoring.overrides import OverrideThresholds, override_section
from monitoring.simulate_decisions import build_replay, write_replay

PLANTED = "advisor-3"


def judge(folder: Path, size: int, seed: int, planted: str | None, bias: float) -> list[dict]:
    """The alerts of one replay."""
    path = folder / f"{size}-{seed}-{planted}.sqlite"
    write_replay(f"sqlite:///{path}", build_replay(size, 5, seed, planted, bias))
    return override_section(f"sqlite:///{path}", Window(last=size), OverrideThresholds())["alerts"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.overrides", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeded replays per window size (default 10)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000],
                        help="decisions per window (default 2000 5000)")
    parser.add_argument("--bias", type=float, default=0.4, help="share the planted advisor refuses (default 0.4)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("monitoring").setLevel(logging.ERROR)  # one WARNING line per alert otherwise
    print(f"{'decisions/window':>16} {'false alarms':>13} {'planted named':>14} {'s/replay':>9}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-overrides-") as tmp:
        for size in args.sizes:
            started, false_alarms, named = time.perf_counter(), 0, 0
            for seed in range(args.seeds):
                false_alarms += bool(judge(Path(tmp), size, seed, None, args.bias))
                named += any(a.get("scope") == PLANTED for a in judge(Path(tmp), size, seed, PLANTED, args.bias))
            seconds = (time.perf_counter() - started) / (2 * args.seeds)
            results[size] = (false_alarms, named)
            print(f"{size:>16} {false_alarms:>10}/{args.seeds} {named:>11}/{args.seeds} {seconds:>9.1f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    false_alarms, named = results[max(args.sizes)]
    return 0 if false_alarms == 0 and named == args.seeds else 1


if __name__ == "__main__":
    sys.exit(main())
