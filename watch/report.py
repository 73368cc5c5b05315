"""Publishing a PoC run: the MLflow run (own experiment, nested run per EBM configuration), figures, the note."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from common.contracts.registry import tracking_uri
from common.settings import Settings
from training.register import finite, git_commit, setup_experiment
from watch import figures, methodology, table
from watch.champion import Champion, Split
from watch.config import EXPERIMENT, PocProfile
from watch.ebm import EbmCV, term_importance

log = logging.getLogger(__name__)


@dataclass
class Context:
    """Everything a PoC run measured, for MLflow and for the note."""

    settings: Settings
    profile: PocProfile
    champion: Champion
    split: Split
    results: list[EbmCV]
    best: EbmCV
    model: object
    table: pd.DataFrame
    verdict: str
    reason: str
    extra: dict
    oracle: dict | None
    p_champion: np.ndarray
    p_ebm: np.ndarray
    started: float

    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def summary(self) -> dict:
        """A JSON-ready summary (no arrays)."""
        c = self.champion
        oracle = None if self.oracle is None else {k: v for k, v in self.oracle.items() if k != "probabilities"}
        return {
            "profile": self.profile.name, "verdict": self.verdict, "reason": self.reason,
            "champion": {"version": c.version, "run_id": c.run_id, "name": c.summary["champion"]["name"],
                         "threshold": c.scorer.threshold, "feature_version": c.feature_version, "seed": c.seed},
            "data": {"n_dev": len(self.split.dev), "n_holdout": len(self.split.hold), "n_folds": len(self.split.folds),
                     "cost_fn": self.split.cost_fn, "cost_fp": self.split.cost_fp,
                     "data_fingerprint": self.split.data.fingerprint},
            "ebm": {"params": self.best.params, "threshold": self.best.choice.threshold,
                    "n_terms": len(self.model.term_features_),
                    "search": [{"params": r.params, **r.metrics} for r in self.results]},
            "fidelity": {k: v for k, v in self.extra.items() if not isinstance(v, dict)},
            "table": self.table.to_dict("records"), "oracle": oracle, "seconds": self.seconds(),
            "git_commit": git_commit(),
        }


def _log_search(results: list[EbmCV]) -> None:
    for r in results:
        with mlflow.start_run(run_name=f"ebm/{r.name}"[:250], nested=True):
            mlflow.log_params({f"ebm.{k}": v for k, v in r.params.items()})
            mlflow.log_metrics(finite(r.metrics))


def _params(ctx: Context) -> dict:
    c, s = ctx.champion, ctx.split
    return {"profile": ctx.profile.name, "champion_version": c.version, "champion_run_id": c.run_id,
            "feature_version": c.feature_version, "seed": c.seed, "holdout_share": c.params["holdout_share"],
            "n_splits": len(s.folds), "cost_fn": s.cost_fn, "cost_fp": s.cost_fp, "n_dev": len(s.dev),
            "n_holdout": len(s.hold), "bootstrap": ctx.profile.bootstrap, "latency_calls": ctx.profile.latency_calls,
            **{f"ebm.{k}": v for k, v in ctx.best.params.items()}}


def _metrics(ctx: Context) -> dict:
    out = table.metrics_for_mlflow(ctx.table)
    out.update({k: v for k, v in ctx.extra.items() if isinstance(v, float)})
    if ctx.oracle:
        out.update({f"oracle_{k}": v for k, v in ctx.oracle.items() if isinstance(v, float)})
    out["poc_seconds"] = ctx.seconds()
    return finite(out)


def _write_artifacts(ctx: Context, folder: Path, summary: dict) -> None:
    ctx.table.to_csv(folder / "comparison.csv", index=False)
    (folder / "comparison.md").write_text(table.markdown(ctx.table) + f"\n\nConclusion: **{ctx.verdict}**: "
                                          f"{ctx.reason}.\n")
    pd.DataFrame([{"config": r.name, **r.metrics} for r in ctx.results]).to_csv(folder / "ebm_search.csv",
                                                                               index=False)
    term_importance(ctx.model).to_csv(folder / "ebm_term_importance.csv", index=False)
    (folder / "poc_summary.json").write_text(json.dumps(summary, indent=1, default=str))


def publish(ctx: Context, out: Path) -> tuple[str, Path]:
    """Log the run to the `credit-scoring-poc` experiment, write the figures and the methodology note.

    Returns:
        (MLflow run id, path of the note).
    """
    setup_experiment(tracking_uri(ctx.settings.mlflow_tracking_uri), EXPERIMENT)
    out = Path(out)
    with mlflow.start_run(run_name=f"poc-ebm-{ctx.profile.name}") as run, tempfile.TemporaryDirectory() as tmp:
        mlflow.set_tags({"verdict": ctx.verdict, "champion_version": ctx.champion.version,
                         "feature_version": ctx.champion.feature_version, "git_commit": git_commit(),
                         "data_fingerprint": ctx.split.data.fingerprint})
        mlflow.log_params(_params(ctx))
        _log_search(ctx.results)
        paths = figures.write_all(ctx.model, ctx.best.choice.threshold, ctx.champion, ctx.split, out.parent / "figures")
        note = methodology.write(ctx, out, paths, run.info.run_id)
        summary = ctx.summary()
        mlflow.log_metrics(_metrics(ctx))
        _write_artifacts(ctx, Path(tmp), summary)
        mlflow.log_artifacts(tmp)
        for path in paths.values():
            mlflow.log_artifact(str(path), artifact_path="figures")
        mlflow.log_artifact(str(note))
    log.info("PoC run %s in experiment %s; note %s; %.0f s", run.info.run_id, EXPERIMENT, note, ctx.seconds())
    return run.info.run_id, note
