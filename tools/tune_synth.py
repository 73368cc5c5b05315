"""Measure (and help tune) the signal: default rate, Bayes AUC and the application-only ceiling.

`python -m tools.tune_synth --clients 40000` prints, for the current constants of `signal.py`, the
intercept that gives an 8.1% default rate, the expected AUC of p, and the expected AUC of E[p | application]
(history re-simulated `--reps` times for the same applications).
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.optimize import brentq

from common.contracts.columns import load_spec
from warehouse.synth.expand import IdSequence, sigmoid
from warehouse.synth.generate import CHUNK, applications, histories, make_plan
from warehouse.synth.signal import HISTORY_WEIGHT, SCALE, application_terms, expected_auc, history_terms

TARGET_RATE = 0.081


def signal_report(n_clients: int, seed: int, reps: int, scale: float = SCALE,
                  history_weight: float = HISTORY_WEIGHT) -> dict:
    """Expected default rate and AUCs of the true probability on the train clients of a generated set."""
    spec = load_spec()
    cols = {t: spec[t].column_names for t in spec}
    plan = make_plan(n_clients, seed)
    lin, app_lin, cond = [], [], []
    for k, lo in enumerate(range(0, n_clients, CHUNK)):
        hi = min(n_clients, lo + CHUNK)
        rng, apps = applications(seed, k, plan, spec, lo, hi)
        a = application_terms(apps)
        draws = []
        for r in range(reps + 1):
            rep_rng = rng if r == 0 else np.random.default_rng([seed, 2, k, r])
            _, agg = histories(rep_rng, apps, {"prev": IdSequence(1, 1), "bureau": IdSequence(1, 1)}, cols)
            draws.append(history_terms(agg, history_weight))
        train = plan.is_train[lo:hi]
        lin.append((a + draws[0])[train])
        app_lin.append(a[train])
        cond.append(np.stack([a + d for d in draws[1:]])[:, train])
    lin, cond = np.concatenate(lin), np.concatenate(cond, axis=1)
    b0 = brentq(lambda b: sigmoid(b + scale * lin).mean() - TARGET_RATE, -15, 5)
    p = sigmoid(b0 + scale * lin)
    p_app = sigmoid(b0 + scale * cond).mean(axis=0)
    return {"intercept": b0, "default_rate": float(p.mean()), "bayes_auc": expected_auc(p, p),
            "application_only_auc": expected_auc(p_app, p)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40_000, help="clients to simulate (default 40000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--reps", type=int, default=16, help="history re-simulations for E[p | application]")
    parser.add_argument("--scale", type=float, default=SCALE, help="multiplier of the linear predictor to try")
    parser.add_argument("--history-weight", type=float, default=HISTORY_WEIGHT, help="weight of the history terms")
    args = parser.parse_args()
    report = signal_report(args.clients, args.seed, args.reps, args.scale, args.history_weight)
    for key, value in report.items():
        print(f"{key:>22}: {value:.4f}")


if __name__ == "__main__":
    main()
