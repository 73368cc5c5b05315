"""`python -m monitoring.simulate_decisions` (`make simulate-decisions`): replay scorings and human decisions into an
events database of their own, once by honest advisors only and once with a planted biased advisor, and run the
override monitoring on each replay.

Each replay holds two windows of seeded scorings (contract type, age and gender of the client, a calibrated
probability, the model's decision at the threshold) and one decision on each by one of the advisors. An honest
advisor overrides a few scorings whatever the client's gender or age: 3% of the model's acceptances turned into
refusals, 2% referred to an analyst; 6% of the model's refusals accepted, 3% referred. In the biased replay the same
scorings and draws are replayed, but in the second (current) window the planted advisor also turns into a refusal
`--bias` (40%) of the women and clients under 30 the model accepted. Exit 0 when the unbiased replay raises no alert
and the biased one raises `override_refusal_bias` naming the planted advisor; 2 otherwise. Outcome in
`<HC_REPORTS_DIR>/simulate-decisions/simulation.{json,md}`; the replays' databases (with their alerts) beside it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from api.decisions import check_reason, model_side
from common.contracts.decisions import ACCEPTED, REFERRED, REFUSED
from common.contracts.events import DECISIONS, EVENTS, ensure_schema
from common.contracts.registry import MODEL_NAME
from common.settings import Settings, get_settings
from monitoring.alerts import AlertSink
from monitoring.events import Window
from monitoring.overrides import OverrideThresholds, override_section
from monitoring.reports import write_reports

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILED = 0, 2
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
THRESHOLD = 0.2
MODEL = {"model_name": MODEL_NAME, "model_version": "simulated", "feature_version": "simulated"}
# (model decision, person's decision, reason code, share of the model's decisions of that kind) of an honest advisor
HONEST = {"accept": ((REFUSED, "affordability_concern", 0.03), (REFERRED, "needs_analyst_review", 0.02)),
          "refuse": ((ACCEPTED, "guarantor", 0.06), (REFERRED, "needs_analyst_review", 0.03))}
BIASED_REASON = "unfavourable_information"


@dataclass(frozen=True)
class Replay:
    """What one replay writes: the scorings' events and the decisions on them."""

    events: list[dict]
    decisions: list[dict]


def scoring_event(i: int, at: datetime, gender: str, age_years: float, contract: str, probability: float) -> dict:
    """The prediction event of one scoring, as the API logs it (the segments among the model inputs)."""
    return {"created_at": at, "request_id": f"sim-{i:06d}", "endpoint": "GET /v1/clients/{client_id}/score",
            "client_id": 500_000 + i, "application_hash": None,
            "features": json.dumps({"code_gender": gender, "age_years": round(age_years, 1),
                                    "name_contract_type": contract}),
            "probability": probability, "decision": "refuse" if probability >= THRESHOLD else "accept",
            "threshold": THRESHOLD, **MODEL, "latency_ms": 1.0, "principal": "simulation"}


def decision_row(event: dict, principal: str, decision: str, reason_code: str | None, at: datetime,
                 supersedes: str | None = None) -> dict:
    """A decision on a scoring, checked and built as the API builds it (the model's side from the event)."""
    model = model_side(event)
    check_reason(decision, model["model_decision"], reason_code, None)
    return {"decision_id": uuid.uuid4().hex, "created_at": at, "decision_request_id": f"dec-{event['request_id']}",
            "request_id": event["request_id"], "client_id": event["client_id"], "principal": principal,
            "role": "advisor", "decision": decision, "reason_code": reason_code, "comment": None,
            "supersedes": supersedes, **model}


def write_replay(url: str, replay: Replay) -> None:
    """Create the events database's tables and write the replay's rows into them."""
    engine = sa.create_engine(url)
    try:
        ensure_schema(engine)
        with engine.begin() as con:
            if replay.events:
                con.execute(EVENTS.insert(), replay.events)
            if replay.decisions:
                con.execute(DECISIONS.insert(), replay.decisions)
    finally:
        engine.dispose()


def honest_decision(model_decision: str, draw: float) -> tuple[str, str | None]:
    """An honest advisor's decision: the model's, except for the shares of `HONEST` (whoever the client is)."""
    edge = 0.0
    for decision, reason, share in HONEST[model_decision]:
        edge += share
        if draw < edge:
            return decision, reason
    return (ACCEPTED if model_decision == "accept" else REFUSED), None


def build_replay(per_window: int, advisors: int, seed: int, biased: str | None, bias: float) -> Replay:
    """Two windows of `per_window` seeded scorings and their decisions; `biased`, when given, is the advisor who
    in the second window also refuses `bias` of the women and clients under 30 the model accepted."""
    rng = np.random.default_rng([seed, 16])
    n = 2 * per_window
    gender = np.where(rng.random(n) < 0.65, "F", "M")
    age = rng.uniform(21, 69, n)
    contract = np.where(rng.random(n) < 0.9, "Cash loans", "Revolving loans")
    probability = rng.beta(2.0, 14.0, n)
    advisor = rng.integers(0, advisors, n)
    honest_draw, bias_draw = rng.random(n), rng.random(n)
    events, decisions = [], []
    for i in range(n):
        at = T0 + timedelta(minutes=i)
        event = scoring_event(i, at, str(gender[i]), float(age[i]), str(contract[i]), float(probability[i]))
        principal = f"advisor-{advisor[i] + 1}"
        decision, reason = honest_decision(event["decision"], float(honest_draw[i]))
        targeted = gender[i] == "F" or age[i] < 30
        if (principal == biased and i >= per_window and event["decision"] == "accept" and targeted
                and bias_draw[i] < bias):
            decision, reason = REFUSED, BIASED_REASON
        events.append(event)
        decisions.append(decision_row(event, principal, decision, reason, at + timedelta(seconds=30)))
    return Replay(events, decisions)


def run_replay(settings: Settings, folder: Path, name: str, replay: Replay, per_window: int) -> dict:
    """Write one replay into `<folder>/<name>.sqlite`, monitor its last window against the one before, emit the
    alerts into that database's alerts table (and the webhook when set)."""
    path = folder / f"{name}.sqlite"
    for stale in folder.glob(f"{name}.sqlite*"):
        stale.unlink()
    url = f"sqlite:///{path.resolve()}"
    write_replay(url, replay)
    section = override_section(url, Window(last=per_window), OverrideThresholds.from_settings(settings))
    recorded = AlertSink(url, settings.alert_webhook).emit(section["alerts"], "simulate",
                                                           window={"replay": name, "decisions": per_window})
    log.info("replay %s: %d scorings and decisions written to %s, %d alert(s)", name, len(replay.decisions), path,
             len(recorded))
    return {"name": name, "database": str(path), "overrides": section, "alerts": recorded}


def run(settings: Settings, per_window: int, advisors: int, seed: int, bias: float, planted: str,
        out: Path | None = None) -> dict:
    """Both replays, their verdict, and the report."""
    folder = Path(out or Path(settings.reports_dir) / "simulate-decisions")
    folder.mkdir(parents=True, exist_ok=True)
    unbiased = run_replay(settings, folder, "unbiased", build_replay(per_window, advisors, seed, None, bias),
                          per_window)
    biased = run_replay(settings, folder, "biased", build_replay(per_window, advisors, seed, planted, bias),
                        per_window)
    named = sorted({f"{a['columns'][0]}" for a in biased["alerts"]
                    if a["kind"] == "override_refusal_bias" and a.get("scope") == planted})
    outcome = {"per_window": per_window, "advisors": advisors, "seed": seed, "planted": planted, "bias": bias,
               "replays": [unbiased, biased], "unbiased_without_alert": not unbiased["alerts"],
               "biased_advisor_named": bool(named), "named_attributes": named}
    outcome["ok"] = outcome["unbiased_without_alert"] and outcome["biased_advisor_named"]
    write_reports(folder, "simulation", outcome, render(outcome))
    log.info("decision simulation: unbiased replay without alert: %s; planted advisor %s named for %s: %s",
             outcome["unbiased_without_alert"], planted, ", ".join(named) or "nothing", outcome["biased_advisor_named"])
    return outcome


def render(outcome: dict) -> str:
    """`simulation.md`: both replays, their override rates and alerts, and the verdict."""
    lines = ["# Override monitoring: replayed decisions", "",
             f"{outcome['per_window']:,} scorings and decisions per window, two windows, {outcome['advisors']} "
             f"advisors (seed {outcome['seed']}). Planted in the biased replay's second window: "
             f"`{outcome['planted']}` refuses {outcome['bias']:.0%} of the women and clients under 30 the model "
             "accepted.", "",
             "| replay | override rate (previous -> current) | towards refusal (current) | alerts |",
             "|---|---:|---:|---|"]
    for r in outcome["replays"]:
        cur, prev = r["overrides"]["current"], r["overrides"]["previous"]
        lines.append(f"| {r['name']} | {prev['override_rate']:.1%} -> {cur['override_rate']:.1%} | "
                     f"{cur['refusal_override_rate']:.1%} | {len(r['alerts'])} |")
    lines += ["", "## Alerts", ""]
    for r in outcome["replays"]:
        lines += [f"- {r['name']}: **{a['kind']}**: {a['message']}" for a in r["alerts"]] or [f"- {r['name']}: none"]
    lines += ["", f"- unbiased replay raises no alert: **{'yes' if outcome['unbiased_without_alert'] else 'NO'}**",
              f"- biased replay names the planted advisor: **{'yes' if outcome['biased_advisor_named'] else 'NO'}** "
              f"({', '.join(outcome['named_attributes']) or 'no attribute'})", ""]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m monitoring.simulate_decisions",
                                     description=__doc__.split("\n\n", 1)[0], epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--decisions", type=int, default=5000,
                        help="scorings and decisions per window (two windows per replay; default 5000)")
    parser.add_argument("--advisors", type=int, default=5, help="advisors sharing the decisions (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the scorings and of the advisors' draws")
    parser.add_argument("--bias", type=float, default=0.4,
                        help="share of the accepted women and under-30s the planted advisor refuses (default 0.4)")
    parser.add_argument("--planted", default="advisor-3", help="the biased advisor (default advisor-3)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder of the replays and the report (default <HC_REPORTS_DIR>/simulate-decisions)")
    parser.add_argument("--log-level", default="INFO", help="logging level (DEBUG, INFO, WARNING)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.decisions < 1 or args.advisors < 1 or not 0 <= args.bias <= 1:
        log.error("--decisions and --advisors must be at least 1 and --bias between 0 and 1")
        return EXIT_FAILED
    if args.planted not in {f"advisor-{k + 1}" for k in range(args.advisors)}:
        log.error("--planted %s is not one of advisor-1 .. advisor-%d", args.planted, args.advisors)
        return EXIT_FAILED
    outcome = run(get_settings(), args.decisions, args.advisors, args.seed, args.bias, args.planted, args.out)
    return EXIT_OK if outcome["ok"] else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
