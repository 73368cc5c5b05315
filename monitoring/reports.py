"""Writing a report: the summary as strict JSON and its Markdown reading, side by side."""

from __future__ import annotations

import json
import math
from pathlib import Path


def write_reports(out: Path, stem: str, summary: dict, markdown: str) -> tuple[Path, Path]:
    """Write `<stem>.json` and `<stem>.md` into `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(clean(summary), indent=1, default=str, allow_nan=False) + "\n")
    md_path.write_text(markdown)
    return json_path, md_path


def clean(value: object) -> object:
    """`value` with NaN and infinities replaced by None (strict JSON), numpy scalars as Python numbers."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
