"""`docs/methodology.md`: the template of this package filled with the champion's run and the PoC's numbers."""

from __future__ import annotations

import datetime as dt
import os
from importlib.metadata import version
from pathlib import Path
from string import Template

import pandas as pd

from watch import table
from watch.drift import drift_text

TEMPLATE = Path(__file__).with_name("methodology_template.md")
STRATEGIES = ("none", "class_weight", "undersample", "smote")
LOCAL_METHOD = {
    "tree": "the exact TreeSHAP contributions of the LightGBM champion (`pred_contrib`, log-odds)",
    "forest": "the exact TreeSHAP contributions of the random forest champion (`shap.TreeExplainer`, probability)",
    "linear": "the exact decomposition of the logistic regression (coefficient x centred value, log-odds)",
}
TREES_CAVEAT = ("Shapley values are a post-hoc reading of an ensemble of trees: exact for that ensemble, but an "
                "interaction between two features is split between them, and correlated features share credit.")
LINEAR_CAVEAT = ("For a linear model the decomposition is the model itself, but it reads the features through their "
                 "transformed values (imputed, arcsinh, scaled).")


def _md(df: pd.DataFrame, digits: int = 4) -> str:
    def cell(v: object) -> str:
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v).replace("|", "/")
    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "\n".join("| " + " | ".join(cell(v) for v in r) + " |" for r in df.itertuples(index=False))


def _candidates(summary: dict) -> pd.DataFrame:
    df = pd.DataFrame(summary["candidates"])
    parts = df["name"].str.split("/", expand=True)
    return df.assign(family=parts[0], imbalance=parts[1])


def imbalance_table(summary: dict) -> str:
    """Best OOF cost per imbalance strategy for the logistic regression and LightGBM."""
    df = _candidates(summary)
    rows = []
    for strategy in STRATEGIES:
        row = {"strategy": strategy}
        for family, label in (("logistic", "logistic OOF cost"), ("lightgbm", "LightGBM OOF cost")):
            sub = df[(df["family"] == family) & (df["imbalance"] == strategy)]
            row[label] = float(sub["oof_cost_per_applicant"].min()) if len(sub) else float("nan")
        rows.append(row)
    return _md(pd.DataFrame(rows))


def families_table(summary: dict) -> str:
    """The best candidate of each family, in the order they were tried."""
    df = _candidates(summary)
    best = df.loc[df.groupby("family", sort=False)["oof_cost_per_applicant"].idxmin()]
    shown = pd.DataFrame({"family": best["family"], "best candidate": best["name"],
                          "OOF cost/applicant": best["oof_cost_per_applicant"], "CV ROC AUC": best["cv_roc_auc_mean"],
                          "fit s/fold": best["fit_seconds_mean"], "threshold": best["threshold"]})
    return _md(shown)


def _why(summary: dict) -> str:
    df = _candidates(summary)
    champion = summary["champion"]["oof"]["oof_cost_per_applicant"]
    why = f"lowest OOF cost of the {len(df)} candidates ({champion:.4f} per applicant"
    dummy = df[df["family"] == "dummy"]
    if len(dummy):
        why += f", against {float(dummy['oof_cost_per_applicant'].min()):.4f} for the Dummy"
    return why + ")"


def _importance(scorer, top: int = 10) -> str:
    imp = scorer.global_importance()
    if imp is None:
        return "not available"
    shown = imp.head(top).rename(columns={"label_fr": "label (French)", "mean_abs_shap": "mean abs SHAP"})
    return _md(shown)


def search_table(ctx) -> str:
    """The EBM configurations tried (the parameters of the grid; the shared ones are listed below the table),
    the chosen one in bold."""
    def shown(r) -> str:
        name = ", ".join(f"{k}={v}" for k, v in r.params.items() if k not in ctx.profile.base)
        return f"**{name}**" if r is ctx.best else name
    rows = [{"configuration": shown(r),
             "OOF cost/applicant": r.metrics["oof_cost_per_applicant"], "fold std": r.metrics["cv_cost_per_applicant_std"],
             "CV ROC AUC": r.metrics["cv_roc_auc_mean"], "terms": f"{r.metrics['n_terms_mean']:.0f}",
             "fit s (all folds)": f"{r.metrics['fit_seconds_total']:.0f}"} for r in ctx.results]
    shared = ", ".join(f"`{k}={v}`" for k, v in ctx.profile.base.items())
    return _md(pd.DataFrame(rows)) + f"\n\nShared by every configuration: {shared}."


def oracle_table(ctx) -> str:
    o = ctx.oracle
    if not o:
        return ""
    t = ctx.table.set_index("key")
    lines = ["\nOn synthetic data, the oracle (the generator's true probability, Bayes threshold "
             f"{o['threshold']:.4f}) on the same holdout:\n", "| | ROC AUC | cost per applicant |", "|---|---|---|",
             f"| oracle | {o['roc_auc']:.4f} [{o['roc_auc_low']:.4f}, {o['roc_auc_high']:.4f}] | "
             f"{o['cost_per_applicant']:.4f} [{o['cost_per_applicant_low']:.4f}, {o['cost_per_applicant_high']:.4f}] |"]
    for name, col in (("champion", "champion"), ("EBM", "ebm")):
        lines.append(f"| {name} | {t.loc['holdout_roc_auc', col]:.4f} | {t.loc['holdout_cost_per_applicant', col]:.4f} |")
    return "\n".join(lines) + "\n"


def _ebm_terms(model) -> str:
    pairs = sum(len(t) == 2 for t in model.term_features_)
    return f"{len(model.term_features_) - pairs} main-effect terms and {pairs} pair terms"


def _figure(paths: dict, name: str, out: Path) -> str:
    path = paths.get(name)
    return os.path.relpath(path, out.parent) if path else "(figure not available)"


def _data_values(ctx) -> dict:
    s, c, split = ctx.champion.summary, ctx.champion, ctx.split
    return {
        "data_origin": ("Here they come from the repository's seeded synthetic generator (`warehouse/synth`), which "
                        "also writes the true default probability of every client (the oracle), read only to "
                        "evaluate." if ctx.oracle is not None else "Here they are the real Kaggle files."),
        "n_clients": f"{s['n_clients']:,}", "default_rate": f"{s['default_rate']:.2%}",
        "feature_version": c.feature_version, "feature_table": s["feature_version"]["snapshot"],
        "n_features": s["n_numeric"] + s["n_categorical"], "n_numeric": s["n_numeric"],
        "n_categorical": s["n_categorical"], "sql_fingerprint": s["feature_version"]["info"].get("sql_fingerprint"),
        "data_fingerprint": s["data_fingerprint"], "holdout_share": f"{float(c.params['holdout_share']):.0%}",
        "n_holdout": f"{len(split.hold):,}", "seed": c.seed, "n_dev": f"{len(split.dev):,}",
        "n_folds": len(split.folds), "cost_fn": f"{split.cost_fn:g}", "cost_fp": f"{split.cost_fp:g}",
        "bayes_threshold": f"{split.cost_fp / (split.cost_fn + split.cost_fp):.4f}",
    }


def _champion_values(ctx) -> dict:
    s, c = ctx.champion.summary, ctx.champion
    hold, oof = s["champion"]["holdout"], s["champion"]["oof"]
    kind = c.scorer.explainer.kind
    return {
        "imbalance_table": imbalance_table(s), "n_candidates": len(s["candidates"]),
        "families_table": families_table(s), "champion_name": s["champion"]["name"], "champion_why": _why(s),
        "threshold": f"{c.scorer.threshold:.4f}", "oof_cost": f"{oof['oof_cost_per_applicant']:.4f}",
        "oof_relative": f"{oof['oof_relative_cost']:.1%}", "hold_cost": f"{hold['cost_per_applicant']:.4f}",
        "hold_relative": f"{hold['relative_cost']:.1%}", "approval": f"{hold['approval_rate']:.1%}",
        "hold_auc": f"{hold['roc_auc']:.4f}", "hold_pr_auc": f"{hold['pr_auc']:.4f}",
        "hold_recall": f"{hold['recall']:.4f}", "hold_precision": f"{hold['precision']:.4f}",
        "hold_frr": f"{hold['false_refusal_rate']:.4f}", "importance_table": _importance(c.scorer),
        "local_method": LOCAL_METHOD.get(kind, "no local explanation"),
        "posthoc_caveat": LINEAR_CAVEAT if kind == "linear" else TREES_CAVEAT, **_calibration_values(s),
    }


def _calibration_values(s: dict) -> dict:
    c = s["calibration"]
    before, after = c["holdout_raw"], c["holdout"]
    return {"calibration_method": f"{c['method']} ({c['description']})", "ece_before": f"{before['ece']:.4f}",
            "ece_after": f"{after['ece']:.4f}", "mean_before": f"{before['mean_predicted']:.4f}",
            "mean_after": f"{after['mean_predicted']:.4f}", "observed_rate": f"{after['observed_rate']:.4f}",
            "slope_after": f"{after['calibration_slope']:.2f}"}


def _poc_values(ctx) -> dict:
    o = ctx.oracle
    return {
        "oracle_text": (f"On this synthetic data the oracle reaches ROC AUC {o['roc_auc']:.4f} and "
                        f"{o['cost_per_applicant']:.4f} per applicant on the same holdout: the ceiling." if o else ""),
        "fidelity_rows": f"{min(ctx.profile.fidelity_rows, len(ctx.split.hold)):,}",
        "champion_fidelity": f"{ctx.table.set_index('key').loc['explanation_max_abs_error', 'champion']:.1e}",
        "champion_fidelity_units": ctx.extra["champion_fidelity_units"], "interpret_version": version("interpret-core"),
        "ebm_terms": _ebm_terms(ctx.model), "bootstrap": ctx.profile.bootstrap, "n_configs": len(ctx.results),
        "search_table": search_table(ctx), "comparison_table": table.markdown(ctx.table),
        "oracle_table": oracle_table(ctx), "verdict": ctx.verdict, "reason": ctx.reason,
        "poc_minutes": f"{ctx.seconds() / 60:.1f}", "poc_budget": "20-minute",
        "synthetic_caveat": " (this run)" if o else " (not this run: real files)",
        "drift_text": drift_text(ctx.settings.reports_dir / "drift.json", ctx.champion),
    }


def values(ctx, out: Path, paths: dict, poc_run: str) -> dict:
    """Every placeholder of the template."""
    head = {"profile": ctx.profile.name, "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "champion_version": ctx.champion.version, "champion_run": ctx.champion.run_id, "poc_run": poc_run}
    figures = {f"fig_{k}": _figure(paths, k, out)
               for k in ("cost_vs_threshold", "roc_pr_holdout", "shap_summary", "local", "ebm_shapes")}
    return {**head, **_data_values(ctx), **_champion_values(ctx), **_poc_values(ctx), **figures}


def write(ctx, out: Path, paths: dict, poc_run: str) -> Path:
    """Fill the template and write it to `out` (its folder is created)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = Template(TEMPLATE.read_text()).substitute(values(ctx, out, paths, poc_run))
    out.write_text(text)
    return out

