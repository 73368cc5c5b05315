"""Markdown reports written from the summaries: what drifts, whether it crosses a threshold, what it means."""

from __future__ import annotations

import math

from monitoring.shadow import lines as shadow_lines

METHOD_NOTE = (
    "Evidently chooses the test per column from the data: with more than 1,000 reference rows, the normed "
    "Wasserstein distance for numerical columns and the Jensen-Shannon distance for categorical ones (drift when "
    "the distance is at least 0.1); with fewer rows, Kolmogorov-Smirnov or chi-square p-values (drift below "
    "0.05); numerical columns with few distinct values (counts, flags) are compared like categories. A distance "
    "ignores the sample size, so on a small window sampling noise alone can pass 0.1 on heavy-tailed columns: a "
    "column flagged by Evidently counts as drifted only when the shift is also significant (two-sample "
    "Kolmogorov-Smirnov for numbers, chi-square for categories, p < {p_value}). Evidently compares only the values "
    "present, so the missing share of every feature is compared separately: a feature also drifts when its "
    "missing share moves by at least {missing:.0f} percentage points and the change is significant "
    "(two-proportion test, p < 0.01). The predicted probability never counts among the features; it is judged "
    "by its PSI on the reference's deciles (alert at {psi:.2f}).")


def _pct(value: float | None) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def verdict_lines(summary: dict) -> list[str]:
    """The verdict bullets: drifted share against its threshold, the score's shift, missing shares."""
    t = summary["thresholds"]
    n, k = len(summary["drifted_features"]), len(summary["features"])
    crossed = any(a["kind"] == "feature_drift" for a in summary["alerts"])
    weighted = summary.get("drifted_importance_share")
    carrying = "" if weighted is None else f", carrying {_pct(weighted)} of their importance"
    rule = f"{t['drift_share']:.2f}" + ("" if weighted is None else f" or {t.get('importance_share', 0.3):.0%} of the "
                                         "importance")
    lines = [f"- **{n} of {k} monitored features drift** (share {summary['drifted_share']:.2f}{carrying}); the alert "
             f"threshold is {rule}: " + ("**crossed, an alert is raised**." if crossed else "not crossed.")]
    if summary["drifted_features"]:
        lines.append("- Drifted: " + ", ".join(f"`{c}`" for c in summary["drifted_features"]) + ".")
    score = summary.get("score") or {}
    if score:
        psi = score.get("psi")
        alert = psi is not None and not math.isnan(psi) and psi >= t["score_psi"]
        lines.append(
            f"- Predicted probability: PSI {_num(psi)} (alert at {t['score_psi']:.2f}: "
            f"{'**crossed**' if alert else 'not crossed'}), KS statistic {_num(score.get('ks_statistic'))}, "
            f"mean {_num(score.get('reference_mean'))} in the reference against {_num(score.get('current_mean'))} now"
            + (f"; refusal rate at the threshold {_pct(score.get('reference_refusal_rate'))} against "
               f"{_pct(score.get('current_refusal_rate'))}" if "current_refusal_rate" in score else "") + ".")
    moved = summary["missing_drifted"]
    lines.append("- Missing shares: " + (", ".join(
        f"`{c['column']}` {_pct(c['reference_missing'])} -> {_pct(c['current_missing'])}"
        for c in summary["columns"] if c["column"] in moved) if moved else
        f"no feature's missing share moved by {100 * t['missing_share']:.0f} percentage points or more") + ".")
    return lines


def meaning(summary: dict) -> list[str]:
    """What the result means for the model, in a few sentences."""
    importance = summary.get("importance") or {}
    total = sum(v for v in importance.values() if v == v) or math.nan
    drifted = summary["drifted_features"]
    t = summary["thresholds"]
    score = summary.get("score") or {}
    psi = score.get("psi")
    score_moved = psi is not None and not math.isnan(psi) and psi >= t["score_psi"]
    base = summary.get("baseline") or {}
    if not drifted and not score_moved:
        text = ["The new clients resemble the clients the model was trained on, on the features that carry most of "
                "its decisions, and the scores it gives them are distributed like its holdout scores. Nothing here "
                "suggests that the holdout's performance"
                + (f" (AUC {_num(base.get('roc_auc'))}, cost {_num(base.get('cost_per_client'))} per client at "
                   f"the threshold)" if base else "")
                + " will not carry over to them; "
                + ("the delayed labels above measure it." if summary.get("kind") == "monitor"
                   else "delayed labels (`make monitor`) will measure it.")]
        return text
    text = []
    if drifted:
        share = sum(importance.get(c, 0.0) for c in drifted) / total if importance else math.nan
        text.append(
            f"{len(drifted)} feature(s) moved away from what the model saw in training"
            + (f"; together they carry {_pct(share)} of the monitored features' importance (mean |SHAP|)"
               if importance else "")
            + ". Where the new values are rare in the training data, the scores rest on patterns learnt from few "
              "clients, so the holdout's measured performance is a weaker guarantee for them.")
    if score_moved:
        text.append("The distribution of the predicted probability moved: at the fixed threshold the share of refused "
                    "applications changes with it, whether or not the clients' risk really changed. Check the "
                    "features above and the data feed before acting on the scores.")
    if any(a["kind"] == "feature_drift" for a in summary["alerts"]):
        text.append("The drift crosses the alert threshold: look for a change in the data feed first (units, "
                    "defaults, a form that stopped filling a field); if the population itself changed, retrain "
                    "on recent clients once their outcomes are known.")
    else:
        text.append("The drift stays below the alert thresholds: no action beyond watching these features.")
    return text


def feature_table(summary: dict) -> list[str]:
    """One Markdown table row per monitored feature, most important first."""
    importance = summary.get("importance") or {}
    rows = ["| rank | feature | importance | kind | Evidently method | drift score | threshold | p-value | values drift "
            "| missing (ref -> now) | verdict |", "|---:|---|---:|---|---|---:|---:|---:|---|---|---|"]
    for c in summary["columns"]:
        imp = importance.get(c["column"])
        values = ("yes" if c["value_drifted"] else "not significant" if c["evidently_drifted"] else "no")
        rows.append(
            f"| {c['rank']} | `{c['column']}` | {_num(imp, 4) if imp is not None else ''} | {c['kind']} | "
            f"{c['method']} | {_num(c['score'])} | {_num(c['threshold'], 2)} | {_p(c.get('p_value'))} | {values} | "
            f"{_pct(c['reference_missing'])} -> {_pct(c['current_missing'])}"
            f"{' (moved)' if c['missing_drifted'] else ''} | {'**drift**' if c['drifted'] else 'stable'} |")
    return rows


def _p(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "< 1e-4" if value < 1e-4 else f"{value:.4f}"


def render_drift(summary: dict) -> str:
    """`drift.md`: training clients against new clients."""
    m = summary["model"]
    html = summary.get("html") or {}
    lines = [
        "# Data drift: training clients against new clients", "",
        f"Generated {summary['created_at']} by `python -m monitoring drift` (`make drift`). Model "
        f"`{m['name']}` version {m['version']} (threshold {m['threshold']:.4f}), feature version "
        f"`{m['feature_version']}`. Reference: {summary['n_reference']:,} {summary['reference']}; current: "
        f"{summary['n_current']:,} {summary['current']}. Monitored: the {len(summary['features'])} most important "
        f"features (they carry {_pct(summary.get('importance_share'))} of the model's mean |SHAP|) and the "
        "predicted probability.", "",
        "## Verdict", "", *verdict_lines(summary), "",
        *figure_lines(summary),
        "## What it means for the model", "", "\n\n".join(meaning(summary)), "",
        "## Monitored features", "", *feature_table(summary), "",
        "## How to read this", "", METHOD_NOTE.format(missing=100 * summary["thresholds"]["missing_share"],
                                                        p_value=summary["thresholds"].get("p_value", 0.01),
                                                        psi=summary["thresholds"]["score_psi"]), "",
        "The reference probability is the champion's score on its holdout clients (out of sample): the clients "
        "it was fitted on get sharper scores than any new client would, which would look like drift.", "",
        f"Files: [drift.html](drift.html) (Evidently, {html.get('megabytes', 'n/a')} MB"
        + (", rendered on sampled rows" if html.get("sampled") else "") + "), [drift.json](drift.json) (this "
        "summary as data). Thresholds: `HC_DRIFT_SHARE_ALERT`, `HC_DRIFT_IMPORTANCE_ALERT`, `HC_DRIFT_P_VALUE`, "
        "`HC_MISSING_SHARE_ALERT`, `HC_SCORE_PSI_ALERT`.", "",
    ]
    return "\n".join(lines)


def figure_lines(summary: dict) -> list[str]:
    """The pictures of the report (score distributions; for `monitor`, the trend over windows)."""
    figures = summary.get("figures") or {}
    lines = []
    if figures.get("scores"):
        lines += ["## Scores: reference vs current", "", f"![predicted probability, reference vs current]({figures['scores']})", ""]
    if figures.get("trend"):
        lines += ["## Trend over the windows", "",
                  f"![mean probability, refusal rate and score PSI per window]({figures['trend']})", "",
                  "One point per `monitor` run (history.jsonl beside this report), oldest first.", ""]
    return lines


def render_monitor(summary: dict) -> str:
    """`monitor.md`: a window of prediction events against the reference, and the delayed labels."""
    m = summary["model"]
    lines = [
        "# Monitoring: prediction events against the reference", "",
        f"Generated {summary['created_at']} by `python -m monitoring monitor` (`make monitor`). Window: "
        f"{summary['window']['description']}: {summary['window']['n_events']:,} events from "
        f"{summary['window']['first']} to {summary['window']['last']}. Model `{m['name']}` version {m['version']} "
        f"(threshold {m['threshold']:.4f}).", "",
    ]
    if summary.get("shadow"):
        lines += ["## Champion and challenger (shadow scoring)", "", *shadow_lines(summary["shadow"]), ""]
    overrides = override_lines(summary["overrides"]) if summary.get("overrides") else []
    if summary.get("status") == "too_few_events":
        lines += ["## Verdict", "", f"- {summary['message']}", "", *overrides]
        lines += ["## Alerts", "", *([f"- **{a['kind']}**: {a['message']}" for a in summary["alerts"]] or ["- none"]), ""]
        return "\n".join(lines)
    lines += ["## Verdict", "", *verdict_lines(summary), "", *figure_lines(summary)]
    labels = summary.get("labels")
    if labels:
        lines += ["## Delayed labels", "", *label_lines(labels), ""]
    lines += overrides
    lines += ["## Alerts", ""]
    lines += [f"- **{a['kind']}**: {a['message']}" for a in summary["alerts"]] or ["- none"]
    lines += ["", "## What it means for the model", "", "\n\n".join(meaning(summary)), "",
              "## Monitored features", "", *feature_table(summary), "",
              "## How to read this", "", METHOD_NOTE.format(missing=100 * summary["thresholds"]["missing_share"],
                                                              p_value=summary["thresholds"].get("p_value", 0.01),
                                                              psi=summary["thresholds"]["score_psi"]), ""]
    return "\n".join(lines)


def label_lines(labels: dict) -> list[str]:
    """The delayed-label bullets: realised AUC and cost against the holdout's."""
    now, base = labels["realised"], labels["baseline"]
    if now.get("n", 0) == 0:
        return ["- No outcome is known yet for the clients of this window."]
    lines = [f"- {now['n']:,} scored clients have a known outcome ({now['n_positive']} defaults).",
             f"- Realised AUC {_num(now.get('roc_auc'))} against {_num(base['roc_auc'])} on the holdout "
             f"(alert at a drop of {labels['auc_drop']:.2f}).",
             f"- Cost per client {_num(now.get('cost_per_client'))} (missed defaulters {now.get('fn')}, refused good "
             f"clients {now.get('fp')}) against {_num(base['cost_per_client'])} on the holdout (alert above "
             f"+{labels['cost_increase']:.0%})."]
    if now["n"] < labels["min_labels"]:
        lines.append(f"- Fewer than {labels['min_labels']} labelled clients: not judged yet.")
    return lines


def render_simulation(outcome: dict) -> str:
    """`simulate/simulation.md`: the two replays and whether they gave the expected outcomes."""
    a, b = outcome["passes"]
    served = outcome["served"]
    lines = ["# Drift simulation", "",
             f"{outcome['clients']:,} test clients (seed {outcome['seed']}) replayed through the API twice (model "
             f"v{served.get('model_version')}, feature version {served.get('feature_version')}), the monitor run "
             "on each pass's events.", "",
             "| pass | requests | seconds | mean probability | drifted features | alerts |", "|---|---:|---:|---:|---|---|"]
    for p in (a, b):
        lines.append(f"| {p['name']} | {p['requests']} | {p['seconds']} | {p['mean_probability']:.3f} | "
                     f"{', '.join(p['drifted_features']) or 'none'} | "
                     f"{'; '.join(x['kind'] for x in p['alerts']) or 'none'} |")
    lines += ["", "Injected in pass (b): " + ", ".join(f"`{k}` {v}" for k, v in outcome["injected"].items()) + ".", "",
              f"- (a) unchanged raises no alert: **{'yes' if outcome['unchanged_without_alert'] else 'NO'}**",
              "- (b) drifted raises an alert naming drifted features: "
              f"**{'yes' if outcome['drift_alert_names_features'] else 'NO'}** "
              f"({', '.join(outcome['named_features']) or 'none'})", "",
              "Alerts of pass (b):", "", *[f"- **{x['kind']}**: {x['message']}" for x in b["alerts"]], "",
              f"Reports: [{a['name']}]({a['name']}/monitor.md), [{b['name']}]({b['name']}/monitor.md).", ""]
    return "\n".join(lines)


SEGMENT_TITLES = {"principal": "advisor", "contract_type": "contract type", "age_band": "age band", "gender": "gender"}


def override_lines(section: dict) -> list[str]:
    """The human decisions of the window: override rates overall and per segment, the checks and their alerts."""
    cur, prev, t = section["current"], section["previous"], section["thresholds"]
    lines = ["## Human decisions: overrides", ""]
    if not cur["decisions"]:
        return [*lines, f"- No human decision in force in {cur['description']}.", ""]
    lines += [f"- {cur['decisions']:,} decisions in force ({cur['description']}, {cur['first']} to {cur['last']}): "
              f"override rate **{_pct(cur['override_rate'])}** ({cur['to_accepted']} refusals turned into "
              f"acceptances, {cur['to_refused']} acceptances into refusals, {cur['to_referred']} referred to an "
              f"analyst); overrides towards refusal: {_pct(cur['refusal_override_rate'])} of the "
              f"{cur['model_accepted']:,} scorings the model accepted."]
    change = section["rate_change"]
    if prev is None or not change["compared"]:
        lines.append("- No previous window (the window is every decision): the change is not judged." if prev is None
                     else f"- Previous window: {prev['decisions']:,} decisions; fewer than {t['min_decisions']} on one "
                          "side: the change is not judged.")
    else:
        lines.append(f"- Previous window: {prev['decisions']:,} decisions, override rate {_pct(prev['override_rate'])}"
                     f"; change {100 * change['change']:+.1f} points (alert beyond {100 * t['rate_change']:.0f}).")
    lines += ["- An override is a decision other than the model's (`referred` counts); an override towards refusal "
              "is a refusal of a client the model accepted, its rate taken over the scorings the model accepted. "
              f"Groups of a protected attribute (gender, age band) are compared when they hold at least "
              f"{t['min_decisions']} such scorings; alert when two differ by more than {100 * t['group_gap']:.0f} "
              "points, over every advisor and for each advisor.", ""]
    for segment, title in SEGMENT_TITLES.items():
        lines += [f"| {title} | decisions | override rate | towards refusal | referred |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {g['group']} | {g['decisions']:,} | {_pct(g['override_rate'])} | "
                  f"{_pct(g['refusal_override_rate'])} | {g['to_referred']} |" for g in cur["by"][segment]]
        lines.append("")
    gaps = [c for c in section["group_gaps"] if c["gap"] is not None]
    if gaps:
        lines += ["| scope | attribute | groups compared | largest gap | alert |", "|---|---|---|---:|---|"]
        lines += [f"| {c['scope']} | {c['attribute']} | {', '.join(c['compared'])} | {100 * c['gap']:.1f} points | "
                  f"{'**yes**' if c['alert'] else 'no'} |" for c in gaps]
        lines.append("")
    return lines
