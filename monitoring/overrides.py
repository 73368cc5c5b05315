"""Human overrides of the model's decisions: rates per window and segment, and the alerts they raise.

A decision is read with the scoring event it is about (`decisions` joined to `prediction_events` on `request_id`,
both tables of `common/contracts/events.py`). Only the decision in force counts: a decision corrected by a later
one (`supersedes`) is replaced by the correction, which counts in the window of its own time.

Definitions (documented in monitoring/README.md):

- **override**: the person's decision differs from the model's. The model says `accepted` or `refused`; a person
  also may say `referred` (sent to a credit analyst), which is always an override: the person did not take the
  model's decision, and the API asks for a reason code for it.
- **override rate**: overrides / decisions.
- **override towards refusal**: the model accepted and the person refused. Its rate is taken over the decisions on
  scorings the model accepted (only those can be overridden towards refusal), so a group the model refuses more
  often is not diluted. A referral is not a refusal: referrals are counted and shown apart (`to_referred`).

Segments: the principal who decided, the contract type, the age band and the gender of the client, read from the
scoring event's features (the model inputs the API logged: `name_contract_type`, `age_years` or `days_birth`,
`code_gender`); `unknown` when the event does not hold them. Age bands are those of the training's fairness table.

Alerts (the thresholds are settings):

- `override_rate_change`: the override rate moves by more than `HC_OVERRIDE_RATE_CHANGE_ALERT` (10 points) from the
  previous window to this one, both windows holding at least `HC_OVERRIDE_MIN_DECISIONS` (50) decisions;
- `override_refusal_bias`: among the groups of a protected attribute (gender, age band; `unknown` left out) with at
  least `HC_OVERRIDE_MIN_DECISIONS` decisions on scorings the model accepted, the rates of overrides towards refusal
  of two groups differ by more than `HC_OVERRIDE_GROUP_GAP_ALERT` (10 points). Checked over every advisor together
  and for each advisor alone (a biased advisor among many is invisible in the total).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from common.contracts.decisions import ACCEPTED, REFERRED, REFUSED
from common.contracts.events import DECISIONS, EVENTS
from common.settings import Settings
from monitoring.events import Window
from training.data import AGE_BAND_LABELS, AGE_COLUMNS, GENDER_COLUMNS, UNKNOWN, age_bands

log = logging.getLogger(__name__)
CONTRACT_COLUMNS = ("name_contract_type", "contract_type")
SEGMENTS = ("principal", "contract_type", "age_band", "gender")  # the breakdowns of every window
PROTECTED = ("gender", "age_band")  # attributes whose groups must not be treated differently
ALL_ADVISORS = "all advisors"
FRAME_COLUMNS = ["time", "decision_id", "request_id", "client_id", "principal", "decision", "model_decision",
                 "reason_code", "contract_type", "age_band", "gender"]


@dataclass(frozen=True)
class OverrideThresholds:
    """When override rates raise an alert."""

    rate_change: float = 0.10
    group_gap: float = 0.10
    min_decisions: int = 50

    @classmethod
    def from_settings(cls, settings: Settings) -> OverrideThresholds:
        """The thresholds of the HC_OVERRIDE_* settings."""
        return cls(settings.override_rate_change_alert, settings.override_group_gap_alert,
                   settings.override_min_decisions)


def segment_values(features: object) -> dict:
    """Contract type, gender and age in years of a scoring event's features (a JSON object, names in any case)."""
    values = _load(features)
    lower = {str(k).lower(): v for k, v in values.items()}
    contract = next((lower[c] for c in CONTRACT_COLUMNS if lower.get(c) is not None), None)
    gender = next((lower[c] for c in GENDER_COLUMNS if lower.get(c) is not None), None)
    age_col = next((c for c in AGE_COLUMNS if lower.get(c) is not None), None)
    try:
        age = None if age_col is None else float(lower[age_col])
    except (TypeError, ValueError):
        age = None
    if age is not None and age_col == "days_birth":
        age = -age / 365.25
    return {"contract_type": UNKNOWN if contract is None else str(contract),
            "gender": UNKNOWN if gender is None else str(gender), "age_years": age}


def _load(value: object) -> dict:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value) if isinstance(value, str | bytes) else None
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def has_decisions(engine: sa.Engine) -> bool:
    """Whether the events database holds the decisions table (the API creates it with the others)."""
    return sa.inspect(engine).has_table(DECISIONS.name) and sa.inspect(engine).has_table(EVENTS.name)


def read_decisions(url: str, window: Window, offset: int = 0) -> pd.DataFrame:
    """The decisions in force of `window` (by decision time, oldest first), with their scoring's segments.

    Args:
        url: the events database.
        window: the last `window.last` decisions and/or those with since <= time < until.
        offset: skip this many of the newest decisions of the window first (the previous `last` decisions).
    """
    engine = sa.create_engine(url)
    try:
        if not has_decisions(engine):
            return pd.DataFrame(columns=FRAME_COLUMNS)
        later = DECISIONS.alias("later")
        d = DECISIONS
        query = (sa.select(d.c.created_at.label("time"), d.c.decision_id, d.c.request_id, d.c.client_id,
                           d.c.principal, d.c.decision, d.c.model_decision, d.c.reason_code, EVENTS.c.features)
                 .join(EVENTS, EVENTS.c.request_id == d.c.request_id)
                 .outerjoin(later, later.c.supersedes == d.c.decision_id)
                 .where(later.c.id.is_(None)))
        if window.since is not None:
            query = query.where(d.c.created_at >= window.since)
        if window.until is not None:
            query = query.where(d.c.created_at < window.until)
        query = query.order_by(d.c.created_at.desc(), d.c.id.desc())
        if window.last:
            query = query.limit(window.last).offset(offset)
        with engine.connect() as con:
            rows = [dict(r) for r in con.execute(query).mappings()]
    finally:
        engine.dispose()
    rows.reverse()
    for row in rows:
        row.update(segment_values(row.pop("features")))
    frame = pd.DataFrame(rows, columns=[*FRAME_COLUMNS, "age_years"])
    frame["age_band"] = age_bands(frame.pop("age_years").astype("float64"))
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="mixed")
    return frame


def previous_window(window: Window, now: datetime) -> tuple[Window, int] | None:
    """The window before `window`, and the offset to read it with: the same span just before `since`, or the
    `last` decisions before the current ones; None when the window has neither (every decision)."""
    if window.since is not None:
        span = (window.until or now) - window.since
        return Window(window.last, window.since - span, window.since), 0
    if window.last:
        return window, window.last
    return None


def rates(frame: pd.DataFrame) -> dict:
    """Counts and rates of a set of decisions (see the module's definitions); rates are None without decisions."""
    model_accepted = frame["model_decision"] == ACCEPTED
    override = frame["decision"] != frame["model_decision"]
    to_refused = int((model_accepted & (frame["decision"] == REFUSED)).sum())
    n, n_accepted = len(frame), int(model_accepted.sum())
    return {"decisions": n, "overrides": int(override.sum()),
            "override_rate": _ratio(int(override.sum()), n),
            "to_accepted": int(((frame["model_decision"] == REFUSED) & (frame["decision"] == ACCEPTED)).sum()),
            "to_refused": to_refused, "to_referred": int((frame["decision"] == REFERRED).sum()),
            "model_accepted": n_accepted, "refusal_override_rate": _ratio(to_refused, n_accepted)}


def _ratio(k: int, n: int) -> float | None:
    return k / n if n else None


def breakdown(frame: pd.DataFrame, by: str) -> list[dict]:
    """`rates` per value of one segment column: age bands youngest first, other segments largest groups first."""
    groups = [{"group": str(value), **rates(part)} for value, part in frame.groupby(by, sort=True)]
    if by == "age_band":
        order = {band: k for k, band in enumerate(AGE_BAND_LABELS)}
        return sorted(groups, key=lambda g: order.get(g["group"], len(order)))
    return sorted(groups, key=lambda g: (-g["decisions"], g["group"]))


def window_rates(frame: pd.DataFrame, description: str) -> dict:
    """Overall rates of one window, its time span and its breakdown by every segment."""
    return {"description": description, "first": frame["time"].min().isoformat() if len(frame) else None,
            "last": frame["time"].max().isoformat() if len(frame) else None, **rates(frame),
            "by": {segment: breakdown(frame, segment) for segment in SEGMENTS}}


def rate_change_alert(current: dict, previous: dict | None, thresholds: OverrideThresholds) -> tuple[dict, list[dict]]:
    """The override rate of this window against the previous one; an alert when it moves by more than the
    threshold (both windows with enough decisions)."""
    check = {"threshold": thresholds.rate_change, "min_decisions": thresholds.min_decisions, "change": None,
             "compared": False}
    if previous is None or min(current["decisions"], previous["decisions"]) < thresholds.min_decisions:
        return check, []
    change = current["override_rate"] - previous["override_rate"]
    check.update(change=change, compared=True)
    if abs(change) <= thresholds.rate_change:
        return check, []
    return check, [{"kind": "override_rate_change", "value": abs(change), "threshold": thresholds.rate_change,
                    "columns": [], "message": f"the override rate moved from {previous['override_rate']:.1%} "
                    f"({previous['decisions']} decisions) to {current['override_rate']:.1%} ({current['decisions']} "
                    f"decisions): {100 * abs(change):.1f} points, more than {100 * thresholds.rate_change:.0f}"}]


def group_gaps(frame: pd.DataFrame, thresholds: OverrideThresholds) -> tuple[list[dict], list[dict]]:
    """Rates of overrides towards refusal between the groups of each protected attribute, over every advisor and
    for each advisor; returns (every comparison, the alerts)."""
    scopes = [(ALL_ADVISORS, frame)] + [(str(p), part) for p, part in frame.groupby("principal", sort=True)]
    checks, alerts = [], []
    for scope, part in scopes:
        accepted = part[part["model_decision"] == ACCEPTED]
        for attribute in PROTECTED:
            groups = [{"group": str(g), "decisions": len(rows), "to_refused": int((rows["decision"] == REFUSED).sum())}
                      for g, rows in accepted.groupby(attribute, sort=True) if str(g) != UNKNOWN]
            for g in groups:
                g["refusal_override_rate"] = g["to_refused"] / g["decisions"]
            compared = [g for g in groups if g["decisions"] >= thresholds.min_decisions]
            check = {"scope": scope, "attribute": attribute, "groups": groups,
                     "compared": [g["group"] for g in compared], "gap": None, "alert": False}
            checks.append(check)
            if len(compared) < 2:
                continue
            high = max(compared, key=lambda g: g["refusal_override_rate"])
            low = min(compared, key=lambda g: g["refusal_override_rate"])
            check["gap"] = high["refusal_override_rate"] - low["refusal_override_rate"]
            if check["gap"] > thresholds.group_gap:
                check["alert"] = True
                who = "every advisor together" if scope == ALL_ADVISORS else f"advisor {scope}"
                alerts.append({
                    "kind": "override_refusal_bias", "value": check["gap"], "threshold": thresholds.group_gap,
                    "columns": [attribute], "scope": scope, "groups": [high["group"], low["group"]],
                    "message": f"{who}: overrides towards refusal of accepted clients reach "
                               f"{high['refusal_override_rate']:.1%} for {attribute} {high['group']} "
                               f"({high['to_refused']} of {high['decisions']}) against "
                               f"{low['refusal_override_rate']:.1%} for {attribute} {low['group']} ({low['to_refused']} "
                               f"of {low['decisions']}): {100 * check['gap']:.1f} points apart, more than "
                               f"{100 * thresholds.group_gap:.0f}"})
    return checks, alerts


def override_section(url: str, window: Window, thresholds: OverrideThresholds, now: datetime | None = None) -> dict:
    """The overrides of a window (and of the window before it) with their alerts: the `overrides` section of the
    monitor's report."""
    now = now or datetime.now(UTC)
    current = read_decisions(url, window)
    before = previous_window(window, now)
    previous = read_decisions(url, *before) if before is not None else None
    section = {"status": "compared" if len(current) else "no_decisions",
               "definitions": {"override": "the person's decision differs from the model's; referred counts",
                               "override_towards_refusal": "model accepted, person refused (rate over the "
                                                           "decisions the model accepted)"},
               "thresholds": {"rate_change": thresholds.rate_change, "group_gap": thresholds.group_gap,
                              "min_decisions": thresholds.min_decisions},
               "current": window_rates(current, window.describe().replace("event", "decision"))}
    section["previous"] = None if previous is None else window_rates(previous, "the window before")
    change, alerts = rate_change_alert(section["current"], section["previous"], thresholds)
    checks, bias = group_gaps(current, thresholds)
    section.update(rate_change=change, group_gaps=checks, alerts=alerts + bias)
    log.info("overrides: %d decisions in force, override rate %s, %d alert(s)", len(current),
             "n/a" if section["current"]["override_rate"] is None else f"{section['current']['override_rate']:.1%}",
             len(section["alerts"]))
    return section
