"""What `make run` must redo, and what it may skip because it is up to date.

A run records in <HC_REPORTS_DIR>/run/state.json the fingerprints of its inputs (the Kaggle files, as the loader
fingerprints them; the dbt project's SQL and YAML, as the feature pipeline does), the feature version they built,
and which background steps finished for that version. The next run compares:

- features (load + dbt build + publish): redone when there is no record, the data or the SQL changed, or the
  recorded feature version is no longer published in the warehouse;
- quick training: redone when the champion does not read the current feature version (or there is none), unless
  a quick model was trained for it already (the gate kept the champion);
- standard search and drift report (in the background, after the API answers): redone when they did not finish
  for the current feature version.

The functions here decide; `scripts.run` acts on them, `scripts.status` reports them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dbt_project.pipeline.versions import dbt_fingerprint
from warehouse.load.files import fingerprint as file_fingerprint

STATE_FILE = Path("run") / "state.json"  # under the reports folder
DONE = "done"


@dataclass(frozen=True)
class Inputs:
    """Fingerprints of what the features are built from."""

    data: str  # the Kaggle files of the data folder
    sql: str  # the dbt project's SQL and YAML


def input_fingerprints(data_dir: Path, files: list[str], project_dir: Path) -> Inputs:
    """Fingerprint the data files `files` of `data_dir` (size, mtime, first and last MiB each: cheap at full size)
    and the dbt project.

    Raises:
        FileNotFoundError: a data file is missing.
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}={file_fingerprint(data_dir / name).fingerprint}\n".encode())
    return Inputs(digest.hexdigest(), dbt_fingerprint(project_dir))


def read_state(reports_dir: Path) -> dict[str, Any]:
    """The recorded state, {} when there is none or it cannot be read (then everything is redone)."""
    try:
        state = json.loads((reports_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def update_state(reports_dir: Path, **changes: Any) -> dict[str, Any]:
    """Merge `changes` into the recorded state (replaced atomically: a reader never sees half a file)."""
    path = reports_dir / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    state = read_state(reports_dir) | changes
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(state, indent=2, default=str))
    tmp.replace(path)
    return state


def features_reason(state: dict[str, Any], inputs: Inputs, published: set[str]) -> str | None:
    """Why the features must be rebuilt, or None when the recorded feature version is up to date."""
    recorded = state.get("inputs")
    if not isinstance(recorded, dict) or not state.get("feature_version"):
        return "no previous run recorded"
    changed = [what for what, value in asdict(inputs).items() if recorded.get(what) != value]
    if changed:
        return " and ".join({"data": "the data files", "sql": "the dbt SQL"}[c] for c in changed) + " changed"
    if state["feature_version"] not in published:
        return f"feature version {state['feature_version']} is not published in the warehouse"
    return None


def quick_reason(feature_version: str, champion_feature_version: str | None, state: dict[str, Any]) -> str | None:
    """Why a quick model must be trained before serving, or None when a champion reads `feature_version` (or a
    quick model was trained for it already and the gate kept the champion: training it again would change
    nothing)."""
    if champion_feature_version == feature_version:
        return None
    if state.get("quick", {}).get("feature_version") == feature_version:
        return None
    if champion_feature_version is None:
        return "no champion yet"
    return f"the champion reads {champion_feature_version}, not {feature_version}"


def background_steps(state: dict[str, Any], feature_version: str) -> list[str]:
    """The background steps ('drift', 'standard') not yet done for `feature_version`, in the order to run them."""
    return [step for step in ("drift", "standard")
            if state.get(step, {}).get("feature_version") != feature_version or state.get(step, {}).get("status") != DONE]
