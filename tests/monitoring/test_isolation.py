"""Evidently stays out of the API process (it costs about 4 s and 0.2 GB at import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_building_the_api_app_imports_neither_evidently_nor_monitoring() -> None:
    code = ("import sys; import api.main; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('evidently', 'monitoring')); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
