"""The drift findings of `monitoring` (`<reports_dir>/drift.json`) in a few sentences for the note."""

from __future__ import annotations

import json
from pathlib import Path


def drift_text(path: Path, champion) -> str:
    """What the latest drift report found, or that it was not run."""
    path = Path(path)
    if not path.exists():
        return (f"Not run: no `{path.name}` in the reports folder when this note was generated (`make drift` "
                "compares the training clients with the new clients and writes it).")
    d = json.loads(path.read_text())
    model = d.get("model", {})
    same = str(model.get("version")) == champion.version and model.get("run_id") == champion.run_id
    features = d.get("features", [])
    drifted = d.get("drifted_features", [])
    thresholds = d.get("thresholds", {})
    lines = [f"Report of {d.get('created_at', 'unknown date')}: {d.get('reference', 'reference')} "
             f"({d.get('n_reference', 0):,}) against {d.get('current', 'current')} ({d.get('n_current', 0):,}), "
             f"on the {len(features)} most important features of model version {model.get('version')}"
             + ("" if same else " (not the current champion: rerun `make drift`)") + "."]
    share, alert = d.get("drifted_share", 0.0), thresholds.get("drift_share")
    lines.append(f"{len(drifted)} of {len(features)} monitored features drifted (share {share:.2f}; alert at "
                 f"{alert}; a column drifts when Evidently flags it and the shift is significant at p < "
                 f"{thresholds.get('p_value')}, or when its missing share moves by {thresholds.get('missing_share')})"
                 + (": " + ", ".join(f"`{f}`" for f in drifted[:10]) + ("..." if len(drifted) > 10 else "")
                    if drifted else "") + ".")
    score = d.get("score") or {}
    if score.get("psi") is not None:
        lines.append(f"The predicted probability moved by a PSI of {score['psi']:.3f} (mean "
                     f"{score.get('reference_mean', float('nan')):.3f} -> {score.get('current_mean', float('nan')):.3f};"
                     f" alert at {thresholds.get('score_psi')}).")
    alerts = d.get("alerts", [])
    lines.append("Alerts: " + ("; ".join(a.get("message", a.get("kind", "")) for a in alerts) if alerts else "none")
                 + ".")
    return " ".join(lines)
