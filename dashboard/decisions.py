"""The advisor's decision beside the model's, and the client's history: pure functions, tested without Streamlit.

The choices, their French labels and the reasons come from the API (`GET /v1/decisions/reasons`); the model's
side of a decision (probability, decision, threshold, versions) is never sent: the API reads it from the scoring
event named by `request_id`. A decision that differs from the model's needs a reason, checked here before posting
so that the advisor gets the message at once (the API checks it again).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from dashboard import formatting as fmt
from dashboard.session import role_words

DECISION_VALUES = ("accepted", "refused", "referred")  # referred: sent to a credit analyst
HISTORY_COLUMNS = ["Quand (UTC)", "Qui", "Quoi", "Pourquoi"]


def decision_labels(reasons: dict) -> dict[str, str]:
    """The French label of each decision value (Accordé, Refusé, Transmis à un analyste crédit), from the API."""
    return {value: (reasons.get("decisions") or {}).get(value, value) for value in DECISION_VALUES}


def reason_options(reasons: dict) -> dict[str, str]:
    """The reasons offered (code -> French label), retired ones left out, in the API's order."""
    return {r["code"]: r["label"] for r in reasons.get("reasons", []) if not r.get("retired")}


def comment_required(reasons: dict, code: str | None) -> bool:
    """Whether the reason `code` means nothing without a comment (« Autre motif »)."""
    return any(r["code"] == code and r.get("comment_required") for r in reasons.get("reasons", []))


def problems(model_decision: str, decision: str | None, reason_code: str | None, comment: str | None,
             reasons: dict) -> list[str]:
    """What stops the decision from being recorded, in French (empty: it can be posted)."""
    found = []
    if decision not in DECISION_VALUES:
        found.append("Choisissez votre décision.")
    elif decision != model_decision and not reason_code:
        found.append(f"Choisissez un motif : votre décision (« {decision_labels(reasons)[decision]} ») diffère de "
                     f"celle du modèle (« {decision_labels(reasons)[model_decision]} »).")
    if reason_code and comment_required(reasons, reason_code) and not (comment or "").strip():
        found.append(f"Ajoutez un commentaire : le motif « {reason_options(reasons).get(reason_code, reason_code)} » "
                     "demande une précision.")
    return found


def decision_body(request_id: str, decision: str, reason_code: str | None, comment: str | None,
                  supersedes: str | None = None) -> dict:
    """The body of POST /v1/decisions: only what the person decides (a reason only when given, a trimmed comment)."""
    body = {"request_id": request_id, "decision": decision}
    if reason_code:
        body["reason_code"] = reason_code
    if comment and comment.strip():
        body["comment"] = comment.strip()
    if supersedes:
        body["supersedes"] = supersedes
    return body


def decision_in_force(history: dict, request_id: str) -> dict | None:
    """The decision in force on the scoring `request_id` (the last of its corrections), or None when none is."""
    for scoring in history.get("scorings", []):
        if scoring["request_id"] == request_id:
            return next((d for d in scoring.get("decisions", []) if not d.get("superseded_by")), None)
    return None


def when(value: str | datetime) -> str:
    """An API time (ISO 8601) in French, in UTC: `03/12/2026 à 10:15:02` (scorings often share a minute)."""
    return _moment(value).astimezone(UTC).strftime("%d/%m/%Y à %H:%M:%S")


def who(principal: str | None, role: str | None) -> str:
    """A person and their role in French."""
    if not principal:
        return "inconnu"
    return f"{principal} ({role_words(role)})" if role else principal


def confirmation(recorded: dict, reasons: dict) -> str:
    """The sentence shown once the API has recorded a decision."""
    label = decision_labels(reasons).get(recorded["decision"], recorded["decision"])
    text = f"Votre décision « {label} » est enregistrée le {when(recorded['decided_at'])} (UTC)"
    if recorded.get("override"):
        text += f", différente de celle du modèle, motif : {recorded.get('reason_label') or recorded.get('reason_code')}"
    if recorded.get("supersedes"):
        text += "; elle remplace la décision précédente"
    return text + f". Référence : {recorded['decision_id']}."


def _model_words(scoring: dict) -> str:
    return (f"Score du modèle : {fmt.decision_words(scoring['model_decision'])[0].lower()} (probabilité de défaut "
            f"{fmt.percent(scoring['probability_default'])}, seuil {fmt.percent(scoring['threshold'])}, modèle "
            f"version {scoring['model_version']})")


def _decision_words(decision: dict, labels: dict[str, str], times: dict[str, str]) -> str:
    text = f"Décision : {labels.get(decision['decision'], decision['decision'])}"
    text += " (différente du modèle)" if decision.get("override") else " (comme le modèle)"
    if decision.get("supersedes"):
        text += f", corrige la décision du {times.get(decision['supersedes'], 'précédente')}"
    if decision.get("superseded_by"):
        text += f", remplacée par la correction du {times.get(decision['superseded_by'], 'suivante')}"
    return text


def _why(decision: dict) -> str:
    parts = [decision.get("reason_label") or decision.get("reason_code") or ""]
    if decision.get("comment"):
        parts.append(f"« {decision['comment']} »")
    text = " ; ".join(p for p in parts if p)
    return text or "Aucun motif (décision du modèle confirmée)"


def history_rows(history: dict, reasons: dict) -> list[tuple[datetime, int, tuple[str, str, str, str]]]:
    """Every scoring and every decision of the history as (time, order, row), newest first."""
    labels = decision_labels(reasons)
    decisions = [d for s in history.get("scorings", []) for d in s.get("decisions", [])]
    times = {d["decision_id"]: when(d["decided_at"]) for d in decisions}
    rows = []
    for scoring in history.get("scorings", []):
        moment = _moment(scoring["scored_at"])
        rows.append((moment, 0, (when(moment), who(scoring.get("principal"), scoring.get("role")),
                                 _model_words(scoring), "Calcul du score")))
        for decision in scoring.get("decisions", []):
            moment = _moment(decision["decided_at"])
            rows.append((moment, 1, (when(moment), who(decision["principal"], decision.get("role")),
                                     _decision_words(decision, labels, times), _why(decision))))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)  # a decision follows its scoring, even in the same second
    return rows


def history_table(history: dict, reasons: dict) -> pd.DataFrame:
    """The history as a table (when, who, what, why), newest first, ready for `components.data_table`."""
    rows = [row for _, _, row in history_rows(history, reasons)]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS).set_index(HISTORY_COLUMNS[0])


def history_summary(history: dict) -> str:
    """One sentence: how many scorings and decisions the history holds."""
    scorings = history.get("scorings", [])
    decided = sum(len(s.get("decisions", [])) for s in scorings)
    if not scorings:
        return "Aucun score n'a encore été calculé pour ce client."
    return (f"{len(scorings)} calcul{'s' if len(scorings) > 1 else ''} du score et {decided} "
            f"décision{'s' if decided > 1 else ''} de conseiller, du plus récent au plus ancien.")


def _moment(value: str | datetime) -> datetime:
    """An API time (ISO 8601, `Z` or offset; naive means UTC) as an aware datetime."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
