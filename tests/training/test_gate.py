"""The promotion gate: the rule on a better, an equal-within-noise and a worse challenger, the feature contract, and
the registry moves (gate, forced promotion, rollback) on planted versions in their own MLflow store."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient

from common.contracts.registry import CHALLENGER, CHAMPION, MODEL_NAME
from tests.conftest import REPO_ROOT
from tests.training.trained import isolated_tracking
from training import gate
from training.data import holdout_split, load_training_data
from training.promotion import PromotionError, history, promote, rollback
from training.register import register_champion, setup_experiment, synthetic_example

RESAMPLES = 400


def _population(n: int = 4000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes and their true default probabilities."""
    rng = np.random.default_rng(seed)
    p = rng.beta(1, 9, n)
    return (rng.random(n) < p).astype(int), p


def _noisy(p: np.ndarray, scale: float, seed: int) -> np.ndarray:
    """Probabilities blurred on the log-odds scale (a weaker model for larger `scale`)."""
    logit = np.log(p / (1 - p)) + np.random.default_rng(seed).normal(0, scale, len(p))
    return 1 / (1 + np.exp(-logit))


def test_a_better_challenger_is_promoted() -> None:
    y, p = _population()
    verdict = gate.judge(y, (p, 1 / 11), (_noisy(p, 2.0, 2), 1 / 11), 10, 1, RESAMPLES, 0, "7")
    low, high = verdict.cost_difference
    assert verdict.promoted is True and high < 0
    assert verdict.reason.startswith("it costs significantly less than the champion: cost per applicant ")
    assert verdict.challenger_cost < verdict.champion_cost
    assert (verdict.champion_version, verdict.n_holdout, verdict.resamples) == ("7", 4000, RESAMPLES)


def test_an_equal_within_noise_challenger_is_promoted() -> None:
    y, p = _population()
    champion = _noisy(p, 0.3, 3)
    verdict = gate.judge(y, (_noisy(champion, 0.05, 4), 1 / 11), (champion, 1 / 11), 10, 1, RESAMPLES, 0, "7")
    low, high = verdict.cost_difference
    assert verdict.promoted is True and low < 0 < high
    assert verdict.reason.startswith("it is not worse than the champion within the noise: ")
    assert verdict.reason.endswith(f"[{low:+.4f}, {high:+.4f}] ({RESAMPLES} paired bootstrap resamples), contains 0")


def test_the_same_model_again_is_promoted() -> None:
    """Identical decisions: the interval is [0, 0], not above 0."""
    y, p = _population()
    verdict = gate.judge(y, (p, 0.1), (p, 0.1), 10, 1, RESAMPLES, 0, "7")
    assert verdict.promoted is True and verdict.cost_difference == (0.0, 0.0)


def test_a_worse_challenger_is_kept_and_says_why() -> None:
    y, p = _population()
    verdict = gate.judge(y, (_noisy(p, 2.0, 2), 1 / 11), (p, 1 / 11), 10, 1, RESAMPLES, 0, "7")
    low, _ = verdict.cost_difference
    assert verdict.promoted is False and low > 0
    assert verdict.reason.startswith("it costs significantly more than the champion: ")
    assert verdict.text().startswith("Promotion gate: kept as challenger, champion stays version 7: it costs")
    assert "`python -m training promote VERSION --reason TEXT` overrides the gate." in verdict.text()


class _Scorer:
    def __init__(self, numeric: list[str], categorical: list[str]) -> None:
        self.numeric, self.categorical = numeric, categorical

    @property
    def features(self) -> list[str]:
        return self.numeric + self.categorical


def test_the_feature_contract() -> None:
    champion = _Scorer(["a", "b"], ["c"])
    assert gate.contract_gap(champion, "fv1", "fv1", [], []) is None  # same version: same rows
    assert gate.contract_gap(champion, "fv1", "fv2", ["a", "b", "z"], ["c"]) is None  # columns kept
    assert gate.contract_gap(champion, "fv1", "fv2", ["a"], ["c"]) == (
        "the champion (feature version fv1) reads another feature contract: 1 of its inputs are not in feature "
        "version fv2 (b)")
    assert gate.contract_gap(champion, "fv1", "fv2", ["a", "b", "c"], []) == (
        "the champion (feature version fv1) reads another feature contract: 1 change kind, numeric <-> text (c)")


# ---- the registry: planted versions in a store of their own -------------------------------------------------

@pytest.fixture(scope="module")
def planted(trained, tmp_path_factory):
    """The quick run's model and holdout, and a fresh MLflow store where versions are registered as challengers."""
    root = tmp_path_factory.mktemp("gate")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    with isolated_tracking():
        mlflow.set_tracking_uri(trained.settings.mlflow_tracking_uri)
        scorer = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{trained.summary['model_version']}").unwrap_python_model()
    data = load_training_data(trained.settings.duckdb_path)
    dev, hold = holdout_split(data.y, 0.2, 0)
    return {"uri": uri, "scorer": scorer, "data": data, "X_hold": data.X.iloc[hold], "y_hold": data.y[hold]}


def _register(planted, scorer, feature_version: str | None = None) -> str:
    data = planted["data"]
    fv = feature_version or data.version.feature_version
    with mlflow.start_run(run_name="planted"):
        version, _ = register_champion(scorer, synthetic_example(data.X, data.numeric, data.categorical),
                                       {"feature_version": fv, "profile": "test"}, alias=CHALLENGER,
                                       column_types=data.column_types)
    return version


def _gate(planted, scorer, feature_version: str | None = None, judged=None) -> tuple[str, gate.Verdict]:
    """Register `scorer` as challenger and let the gate judge it (or `judged`, a variant that reads other columns)."""
    client = MlflowClient()
    fv = feature_version or planted["data"].version.feature_version
    version = _register(planted, scorer, fv)
    verdict = gate.evaluate(client, MODEL_NAME, judged or scorer, fv, planted["X_hold"], planted["y_hold"], 10.0, 1.0,
                            RESAMPLES, 0)
    gate.record(client, MODEL_NAME, version, verdict, "tester")
    return version, verdict


def _alias(alias: str) -> str | None:
    try:
        return str(MlflowClient().get_model_version_by_alias(MODEL_NAME, alias).version)
    except mlflow.exceptions.MlflowException:
        return None


def test_gate_forced_promotion_and_rollback_in_the_registry(planted) -> None:
    with isolated_tracking():
        setup_experiment(planted["uri"])
        client = MlflowClient()
        # 1. the first model becomes champion
        first, verdict = _gate(planted, planted["scorer"])
        assert (first, verdict.promoted, verdict.reason) == ("1", True, f"first model: {MODEL_NAME} had no champion")
        assert (_alias(CHAMPION), _alias(CHALLENGER)) == ("1", None)
        tags = client.get_model_version(MODEL_NAME, "1").tags
        assert (tags["gate"], tags["promotion"], tags["promoted_by"]) == ("promoted", "gate", "tester")

        # 2. a planted worse model (refuses every client) stays challenger, and its description says why
        worse = copy.copy(planted["scorer"])
        worse.threshold = 0.0
        second, verdict = _gate(planted, worse)
        assert (second, verdict.promoted) == ("2", False)
        assert (_alias(CHAMPION), _alias(CHALLENGER)) == ("1", "2")
        version = client.get_model_version(MODEL_NAME, "2")
        assert version.tags["gate"] == "kept" and version.tags["gate_compared_with"] == "1"
        low, high = (float(v) for v in version.tags["gate_cost_difference"].split(","))
        assert 0 < low <= high
        assert version.description.endswith(verdict.text())
        assert "Promotion gate: kept as challenger, champion stays version 1: it costs significantly more" in \
            version.description
        assert "promotion" not in version.tags

        # 3. the same model with a threshold a hair away: equal within the noise, promoted
        same = copy.copy(planted["scorer"])
        same.threshold = planted["scorer"].threshold * 1.001
        third, verdict = _gate(planted, same)
        assert (third, verdict.promoted) == ("3", True)
        assert "within the noise" in verdict.reason
        assert (_alias(CHAMPION), _alias(CHALLENGER)) == ("3", None)  # the challenger alias leaves a champion
        assert history(client, MODEL_NAME) == ["1", "3"]

        # 4. another feature contract: kept whatever its cost
        narrow = copy.copy(planted["scorer"])
        narrow.numeric = planted["scorer"].numeric[1:]
        fourth, verdict = _gate(planted, planted["scorer"], feature_version="v2", judged=narrow)
        assert (fourth, verdict.promoted) == ("4", False)
        assert verdict.reason == (f"the champion (feature version v1) reads another feature contract: 1 of its inputs "
                                  f"are not in feature version v2 ({planted['scorer'].numeric[0]})")
        assert _alias(CHAMPION) == "3"

        # 5. forced promotion of the worse one, recorded with who and why
        assert promote(client, MODEL_NAME, "2", "alice", "business asked for a stricter policy") == "3"
        tags = client.get_model_version(MODEL_NAME, "2").tags
        assert (tags["promotion"], tags["promoted_by"], tags["promotion_reason"]) == (
            "forced", "alice", "business asked for a stricter policy")
        assert (_alias(CHAMPION), _alias(CHALLENGER)) == ("2", "4")
        assert history(client, MODEL_NAME) == ["1", "3", "2"]
        with pytest.raises(PromotionError, match="version 2 of credit-scoring is the champion already"):
            promote(client, MODEL_NAME, "2", "alice", "again")
        with pytest.raises(PromotionError, match="credit-scoring has no version '99'"):
            promote(client, MODEL_NAME, "99", "alice", "no such version")

        # 6. rollbacks go back through the champions, then stop
        assert rollback(client, MODEL_NAME, "bob", "too many refusals") == ("2", "3")
        assert _alias(CHAMPION) == "3" and history(client, MODEL_NAME) == ["1", "3"]
        tags = client.get_model_version(MODEL_NAME, "2").tags
        assert (tags["rolled_back_by"], tags["rollback_reason"]) == ("bob", "too many refusals")
        tags = client.get_model_version(MODEL_NAME, "3").tags
        assert (tags["promotion"], tags["promoted_by"], tags["promotion_reason"]) == (
            "rollback", "bob", "too many refusals")
        assert rollback(client, MODEL_NAME, "bob", "again") == ("3", "1")
        with pytest.raises(PromotionError, match=r"credit-scoring@champion \(version 1\) has no previous champion"):
            rollback(client, MODEL_NAME, "bob", "once more")
        assert json.loads(client.get_registered_model(MODEL_NAME).tags["champion_history"]) == ["1"]


def test_promote_and_rollback_on_the_command_line(planted) -> None:
    """`python -m training promote|rollback`: who from --by or HC_REGISTRY_USER, exit 1 on an impossible move."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HC_", "MLFLOW_"))}
    env |= {"MLFLOW_TRACKING_URI": planted["uri"], "HC_REGISTRY_USER": "carol"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "training", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    with isolated_tracking():
        setup_experiment(planted["uri"])
        if _alias(CHAMPION) is None:  # on its own, this test starts from an empty store
            _gate(planted, planted["scorer"])
            _register(planted, planted["scorer"])
        client = MlflowClient()
        target = str(max(int(v.version) for v in client.search_model_versions(f"name = '{MODEL_NAME}'")))
        before = _alias(CHAMPION)
        done = cli("promote", target, "--reason", "manual check")
        assert done.returncode == 0, done.stderr
        assert f"credit-scoring@champion is version {target} (was {before})" in done.stderr
        tags = client.get_model_version(MODEL_NAME, target).tags
        assert (tags["promotion"], tags["promoted_by"], tags["promotion_reason"]) == ("forced", "carol", "manual check")
        done = cli("rollback", "--by", "dave", "--reason", "back")
        assert done.returncode == 0, done.stderr
        assert _alias(CHAMPION) == before
        assert client.get_model_version(MODEL_NAME, target).tags["rolled_back_by"] == "dave"
        done = cli("promote", "99", "--reason", "x")
        assert done.returncode == 1 and "credit-scoring has no version '99'" in done.stderr
        done = cli("promote", target)
        assert done.returncode == 2 and "the following arguments are required: --reason" in done.stderr


def test_the_model_card_says_why_a_challenger_was_kept_or_promoted() -> None:
    """The card's gate section: the verdict, the reason, the version still served and how to override."""
    from training.card import _gate

    kept = gate.Verdict(False, "cost interval (0.0100, 0.0300) per applicant is entirely above 0", "3", (0.01, 0.03),
                        0.52, 0.50, 1000, 400)
    text = _gate({"model_version": "4", "gate": kept.as_dict()})
    assert text.splitlines()[0] == "## Promotion gate: kept as challenger"
    assert text.splitlines()[1] == ("Version 4 was not promoted: cost interval (0.0100, 0.0300) per applicant is "
                                    "entirely above 0. The API keeps serving version 3; `python -m training promote 4 "
                                    "--reason TEXT` overrides the gate.")
    promoted = gate.Verdict(True, f"first model: {MODEL_NAME} had no {CHAMPION}", n_holdout=1000)
    assert _gate({"model_version": "1", "gate": promoted.as_dict()}) == (
        f"## Promotion gate: promoted to champion\nVersion 1 was promoted: first model: {MODEL_NAME} had no "
        f"{CHAMPION}.\n")
    assert _gate({"model_version": "1"}) == ""  # a run without a registry (no verdict): no section
