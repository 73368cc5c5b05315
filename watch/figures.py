"""Figures of the methodology note (small PNGs): the champion's own figures and the EBM's shapes and a local
explanation of one holdout client by both models."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

from watch.ebm import contributions  # noqa: E402

log = logging.getLogger(__name__)
CHAMPION_FIGURES = ("cost_vs_threshold", "roc_pr_holdout", "shap_summary")
DPI = 80


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def copy_champion_figures(run_id: str, dest: Path) -> dict[str, Path]:
    """The champion run's figures (MLflow artifacts `model_card/<name>.png`, `figures/<name>.png` in runs made
    before the model card's images were logged where it links them) copied as `champion_<name>.png`."""
    out = {}
    for name in CHAMPION_FIGURES:
        for folder in ("model_card", "figures"):
            try:
                local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=f"{folder}/{name}.png")
            except (MlflowException, OSError):
                continue
            out[name] = Path(shutil.copyfile(local, dest / f"champion_{name}.png"))
            break
        else:
            log.warning("champion figure %s not found in run %s", name, run_id)
    return out


def ebm_shapes(model, path: Path, top: int = 6) -> Path:
    """Shape functions f_j of the `top` most important main effects, in log-odds, with the bagging spread."""
    glob = model.explain_global()
    importances = model.term_importances("avg_weight")
    mains = [i for i in np.argsort(-importances) if len(model.term_features_[i]) == 1][:top]
    fig, axes = plt.subplots(2, (len(mains) + 1) // 2, figsize=(10, 5.5), squeeze=False)
    for ax, i in zip(axes.ravel(), mains, strict=False):
        data = glob.data(int(i))
        scores = np.asarray(data["scores"], dtype=float)
        low, high = np.asarray(data["lower_bounds"], dtype=float), np.asarray(data["upper_bounds"], dtype=float)
        names = data["names"]
        if len(names) == len(scores) + 1:  # continuous: bin edges
            edges = np.asarray(names, dtype=float)
            ax.stairs(scores, edges, color="C0", baseline=None)
            ax.fill_between(edges[:-1], low, high, step="post", alpha=0.3, color="C0")
        else:
            ax.bar(range(len(scores)), scores, yerr=[scores - low, high - scores], color="C0")
            ax.set_xticks(range(len(scores)), [str(n)[:10] for n in names], rotation=60, fontsize=6)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(str(model.term_names_[i])[:40], fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(mains):]:
        ax.axis("off")
    fig.suptitle("EBM shape functions f_j(x_j) (log-odds of default; band: spread over bags)", fontsize=9)
    return _save(fig, path)


def _bars(ax: plt.Axes, values: pd.Series, title: str, top: int) -> None:
    shown = values.reindex(values.abs().sort_values(ascending=False).index[:top])[::-1]
    ax.barh([str(n)[:32] for n in shown.index], shown.to_numpy(),
            color=["C3" if v > 0 else "C2" for v in shown.to_numpy()])
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=7)


def local_explanation(model, scorer, row: pd.DataFrame, client_id: object, path: Path, top: int = 8) -> Path:
    """One client explained by both models: EBM terms (exact, the model itself) vs the champion's SHAP values."""
    ebm_terms = contributions(model, row).iloc[0].drop("_intercept")
    shap = scorer.contributions(row).iloc[0].drop("_base_value")
    p_ebm, p_champion = float(model.predict_proba(row)[0, 1]), float(scorer.predict_proba(row)[0])
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    _bars(a, ebm_terms, f"EBM terms (log-odds), p = {p_ebm:.3f}; red raises the risk", top)
    units = "probability" if scorer.explainer.kind == "forest" else "log-odds"
    _bars(b, shap, f"champion SHAP ({units}), p = {p_champion:.3f}", top)
    fig.suptitle(f"Local explanation of holdout client {client_id}", fontsize=9)
    return _save(fig, path)


def write_all(model, threshold: float, champion, split, dest: Path) -> dict[str, Path]:
    """Every figure of the note into `dest`; the explained client is the holdout client nearest the EBM threshold
    from above (a refusal that needs explaining)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = copy_champion_figures(champion.run_id, dest)
    out["ebm_shapes"] = ebm_shapes(model, dest / "ebm_shape_functions.png")
    p = model.predict_proba(split.X_hold)[:, 1]
    refused = np.flatnonzero(p >= threshold)
    i = int(refused[np.argmin(p[refused])]) if len(refused) else int(np.argmax(p))
    out["local"] = local_explanation(model, champion.scorer, split.X_hold.iloc[i:i + 1], split.hold_ids[i],
                                     dest / "local_explanation.png")
    return out
