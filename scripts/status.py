"""`make status`: where `make run` is: features, background stage and training progress, champion, API up?

    python -m scripts.status

Reads <HC_REPORTS_DIR>/run/state.json (written by scripts.run), the last lines of the background log, the model
registry and the API's /health. Exit status 0 when the API answers, 1 when it does not.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import httpx

from common.contracts.registry import (
    CHALLENGER,
    CHAMPION,
    MODEL_NAME,
    TAG_FEATURE_VERSION,
    TAG_GATE,
    TAG_GATE_REASON,
    TAG_PROFILE,
    tracking_uri,
)
from common.settings import Settings, get_settings
from scripts import run_plan
from scripts.run import BACKGROUND_LOG, _alive, registry_exists

# lines of the training log that say how far the search is
PROGRESS = re.compile(r"candidate \S+|refine trial|refining|refit|champion \S+:|gate:|registered|threshold on")


def last_progress(log: Path, lines: int = 400) -> str | None:
    """The last line of `log` that tells the search's progress (or its last line), without the timestamp."""
    try:
        tail = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return None
    hits = [line for line in tail if PROGRESS.search(line)] or tail[-1:]
    return hits[-1].strip() if hits else None


def registry_lines(settings: Settings) -> list[str]:
    """The champion and the challenger: version, feature version, profile, gate verdict."""
    # mlflow: seconds to import; the rest of the status does not need it
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    uri = tracking_uri(settings.mlflow_tracking_uri)
    if not registry_exists(uri):
        return [f"champion    none (no registry at {uri} yet)"]
    client = MlflowClient(uri)
    lines = []
    for alias in (CHAMPION, CHALLENGER):
        try:
            v = client.get_model_version_by_alias(MODEL_NAME, alias)
        except MlflowException:
            lines.append(f"{alias:<11} none")
            continue
        gate = f", gate: {v.tags[TAG_GATE]}" if TAG_GATE in v.tags else ""
        why = f" ({v.tags[TAG_GATE_REASON]})" if alias == CHALLENGER and TAG_GATE_REASON in v.tags else ""
        lines.append(f"{alias:<11} {MODEL_NAME} version {v.version}, feature version "
                     f"{v.tags.get(TAG_FEATURE_VERSION, '?')}, profile {v.tags.get(TAG_PROFILE, '?')}{gate}{why}")
    return lines


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m scripts.status", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    settings = get_settings()
    state = run_plan.read_state(settings.reports_dir)
    if not state:
        print(f"no run recorded in {settings.reports_dir / run_plan.STATE_FILE}: start one with `make run`")
    else:
        print(f"features    {state.get('feature_version', '?')} (built {state.get('features_built_at', '?')})")
        bg = state.get("background", {})
        if bg:
            alive = _alive(bg.get("pid"))
            stage = bg.get("stage", "?")
            if stage != "finished" and not alive:
                stage += " (process gone: interrupted?)"
            print(f"background  {stage} (pid {bg.get('pid')}, steps {' then '.join(bg.get('steps', []))}, "
                  f"started {bg.get('started_at')}{', running' if alive else ''})")
            progress = last_progress(settings.reports_dir / BACKGROUND_LOG)
            if progress and (alive or stage.startswith("finished")):
                print(f"            last: {progress}")
        for step in ("drift", "standard"):
            if step in state:
                s = state[step]
                print(f"{step:<11} {s.get('status')} for {s.get('feature_version')} at {s.get('finished_at')}")
    for line in registry_lines(settings):
        print(line)
    api_url = f"http://{settings.api_host}:{settings.api_port}"  # where scripts.stack starts it
    try:
        health = httpx.get(f"{api_url}/health", timeout=3).json()
        print(f"API         up at {api_url}: serves version {health['model_version']} on "
              f"{health['feature_version']}")
        return 0
    except (httpx.HTTPError, ValueError, KeyError):
        print(f"API         not answering at {api_url}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
