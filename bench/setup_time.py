"""`make bench-setup`: wall time of `make setup` on a fresh clone (budget 60 s), with uv's cache empty then filled.

Clones the current commit into a temporary folder and times `make setup` there twice: first with an empty uv
cache (every wheel comes from the package index or the configured mirrors), then again after removing `.venv/`
(the cache filled by the first run: what a developer sees on a second clone). With `--baseline REF`, times the
same on a clone of REF (e.g. the commit before uv, installed by pip) in the same session, and prints the ratios:
the machine is shared, so the load average is printed with every number.

    python bench/setup_time.py [--baseline 13aa97a]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 60.0


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def clone(ref: str, into: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(into)], check=True)
    subprocess.run(["git", "-C", str(into), "checkout", "--quiet", ref], check=True)
    return into


def timed_setup(folder: Path, env: dict[str, str]) -> dict:
    before = load()
    started = time.perf_counter()
    done = subprocess.run(["make", "setup"], cwd=folder, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"make setup failed in {folder}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return {"seconds": round(seconds, 1), "load_before": before, "load_after": load()}


def measure(ref: str, work: Path) -> dict:
    """Fresh clone of `ref`: `make setup` with an empty uv cache, then again with it filled."""
    folder = clone(ref, work / ref.replace("/", "_"))
    env = dict(os.environ, UV_CACHE_DIR=str(work / f"uv-cache-{ref.replace('/', '_')}"))
    cold = timed_setup(folder, env)
    shutil.rmtree(folder / ".venv")
    warm = timed_setup(folder, env)
    return {"ref": ref, "cache_empty": cold, "cache_filled": warm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default="HEAD", help="the commit to time (default: HEAD)")
    parser.add_argument("--baseline", help="another commit timed the same way in the same session, for ratios")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmp:
        work = Path(tmp)
        results = {"cores": os.cpu_count(), "budget_s": BUDGET_S, "runs": [measure(args.ref, work)]}
        if args.baseline:
            results["runs"].append(measure(args.baseline, work))
            mine, base = results["runs"]
            results["ratio_cache_empty"] = round(mine["cache_empty"]["seconds"] / base["cache_empty"]["seconds"], 2)
            results["ratio_cache_filled"] = round(mine["cache_filled"]["seconds"] / base["cache_filled"]["seconds"], 2)
    print(json.dumps(results, indent=1))
    first = results["runs"][0]["cache_empty"]["seconds"]
    print(f"make setup on a fresh clone: {first:.1f} s with an empty uv cache (budget {BUDGET_S:.0f} s), "
          f"{results['runs'][0]['cache_filled']['seconds']:.1f} s with it filled; load average {load()} "
          f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
