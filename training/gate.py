"""The promotion gate: a newly trained version (alias `challenger`) takes `champion` only when it is not worse.

On the challenger's holdout, both models score the same clients at their own thresholds; the paired bootstrap
(training/bootstrap.py) gives the 95% interval of the difference in business cost per applicant (challenger -
champion). The challenger is promoted unless that interval lies entirely above 0 (significantly more costly), and
only when the champion reads the same feature contract (same feature version, or every champion input present in
the challenger's feature table with the same kind, numeric or text), so that the comparison is on the same rows.
The first model becomes champion. The verdict is written as version tags and into the version's description.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from common.contracts.registry import (
    CHAMPION,
    GATE_KEPT,
    GATE_PROMOTED,
    PROMOTED_BY_GATE,
    TAG_FEATURE_VERSION,
    TAG_GATE,
    TAG_GATE_CHAMPION,
    TAG_GATE_COST_DIFF,
    TAG_GATE_REASON,
)
from training.bootstrap import COST, holdout_metrics, paired_bootstrap
from training.promotion import alias_version, move_champion
from training.registered_model import CreditScorer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """What the gate decided for one challenger, and on what evidence."""

    promoted: bool
    reason: str
    champion_version: str | None = None  # the champion compared with (None: there was none)
    cost_difference: tuple[float, float] | None = None  # 95% interval, challenger - champion, cost per applicant
    challenger_cost: float | None = None  # on the challenger's holdout, at each model's own threshold
    champion_cost: float | None = None
    n_holdout: int = 0
    resamples: int = 0

    def text(self) -> str:
        """One paragraph for the version's description and the model card."""
        if self.promoted:
            return f"Promotion gate: promoted to {CHAMPION}: {self.reason}."
        return (f"Promotion gate: kept as challenger, {CHAMPION} stays version {self.champion_version}: {self.reason}. "
                "`python -m training promote VERSION --reason TEXT` overrides the gate.")

    def as_dict(self) -> dict:
        """JSON-friendly (the run summary)."""
        return asdict(self)


def contract_gap(champion: CreditScorer, champion_feature_version: str | None, feature_version: str,
                 numeric: list[str], categorical: list[str]) -> str | None:
    """Why the champion cannot score the challenger's feature rows, None when it can."""
    if champion_feature_version == feature_version:
        return None
    missing = [c for c in champion.features if c not in numeric and c not in categorical]
    changed = [c for c in champion.numeric if c in categorical] + [c for c in champion.categorical if c in numeric]
    if not missing and not changed:
        return None
    parts = []
    if missing:
        parts.append(f"{len(missing)} of its inputs are not in feature version {feature_version} "
                     f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''})")
    if changed:
        parts.append(f"{len(changed)} change kind, numeric <-> text ({', '.join(changed[:5])})")
    return (f"the champion (feature version {champion_feature_version}) reads another feature contract: "
            + "; ".join(parts))


def judge(y: np.ndarray, challenger: tuple[np.ndarray, float], champion: tuple[np.ndarray, float], cost_fn: float,
          cost_fp: float, resamples: int, seed: int, champion_version: str) -> Verdict:
    """The rule on probabilities already computed: (holdout probabilities, threshold) of each model."""
    intervals = paired_bootstrap(y, {"champion": champion, "challenger": challenger}, cost_fn, cost_fp, resamples,
                                 seed, metrics=(COST,))
    low, high = intervals[("challenger-champion", COST)]
    costs = {name: holdout_metrics(y, p, t, cost_fn, cost_fp, (COST,))[COST]
             for name, (p, t) in {"challenger": challenger, "champion": champion}.items()}
    evidence = (f"cost per applicant {costs['challenger']:.4f} vs {costs['champion']:.4f} for version "
                f"{champion_version} on the challenger's {len(y):,} holdout clients, 95% interval of the difference "
                f"[{low:+.4f}, {high:+.4f}] ({resamples} paired bootstrap resamples)")
    if low > 0:
        reason, promoted = f"it costs significantly more than the champion: {evidence}, entirely above 0", False
    elif high < 0:
        reason, promoted = f"it costs significantly less than the champion: {evidence}, entirely below 0", True
    else:
        reason, promoted = f"it is not worse than the champion within the noise: {evidence}, contains 0", True
    return Verdict(promoted, reason, champion_version, (low, high), costs["challenger"], costs["champion"], len(y),
                   resamples)


def evaluate(client: MlflowClient, name: str, challenger: CreditScorer, feature_version: str, X_hold: pd.DataFrame,
             y_hold: np.ndarray, cost_fn: float, cost_fp: float, resamples: int, seed: int) -> Verdict:
    """Compare a challenger (not registered as champion yet) with the current champion on its holdout."""
    version = alias_version(client, name, CHAMPION)
    if version is None:
        return Verdict(True, f"first model: {name} had no {CHAMPION}", n_holdout=len(y_hold))
    try:
        champion = mlflow.pyfunc.load_model(f"models:/{name}/{version}").unwrap_python_model()
    except (MlflowException, OSError, ImportError, AttributeError) as error:
        return Verdict(False, f"the champion (version {version}) cannot be loaded to compare with "
                              f"({type(error).__name__}: {str(error).splitlines()[0][:200]})", version)
    champion_fv = client.get_model_version(name, version).tags.get(TAG_FEATURE_VERSION)
    gap = contract_gap(champion, champion_fv, feature_version, challenger.numeric, challenger.categorical)
    if gap is not None:
        return Verdict(False, gap, version, n_holdout=len(y_hold))
    log.info("gate: challenger vs %s version %s on %d holdout clients (%d paired resamples)", CHAMPION, version,
             len(y_hold), resamples)
    return judge(np.asarray(y_hold), (challenger.predict_proba(X_hold), challenger.threshold),
                 (champion.predict_proba(X_hold), champion.threshold), cost_fn, cost_fp, resamples, seed, version)


def record(client: MlflowClient, name: str, version: str, verdict: Verdict, by: str) -> None:
    """Tags and description of the challenger's version say what the gate decided; champion moves if promoted."""
    tags = {TAG_GATE: GATE_PROMOTED if verdict.promoted else GATE_KEPT, TAG_GATE_REASON: verdict.reason[:5000],
            TAG_GATE_CHAMPION: verdict.champion_version or "none"}
    if verdict.cost_difference is not None:
        tags[TAG_GATE_COST_DIFF] = ",".join(repr(v) for v in verdict.cost_difference)
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)
    description = client.get_model_version(name, version).description or ""
    client.update_model_version(name, version, description=f"{description}\n\n{verdict.text()}".strip())
    if verdict.promoted:
        move_champion(client, name, version, PROMOTED_BY_GATE, by, verdict.reason)
    else:
        log.warning("version %s stays challenger: %s", version, verdict.reason)
