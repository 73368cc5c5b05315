"""The reasons of a score (shared by the Client, Simulation and New application pages): sentences, chart, table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, components
from dashboard import formatting as fmt


def contributions_frame(explanation: dict) -> pd.DataFrame:
    """The explanation's contributions as rows for the chart: label, contribution, client value, typical value."""
    rows = []
    for c in explanation["contributions"]:
        typical = c.get("population_median")
        if typical is None:
            typical = c.get("population_most_frequent")
        rows.append({"label": c["label"], "contribution": c["contribution"],  # the API's words first (human units)
                     "value_text": c.get("value_text") or fmt.feature_value(c["feature"], c.get("client_value")),
                     "median_text": c.get("typical_value_text") or fmt.feature_value(c["feature"], typical)})
    return pd.DataFrame(rows, columns=["label", "contribution", "value_text", "median_text"])


def contributions_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The data table shown under the contributions chart."""
    return pd.DataFrame({
        "Facteur": rows["label"],
        "Valeur du client": rows["value_text"],
        "Valeur typique des clients": rows["median_text"],
        "Effet": [charts.RAISES if c > 0 else charts.LOWERS for c in rows["contribution"]],
        "Contribution": [("+" if c > 0 else "−") + fmt.number(abs(c), 3) for c in rows["contribution"]],
    }).set_index("Facteur")


def draw_reasons(explanation: dict) -> None:
    """The main reasons in plain French, as a numbered list."""
    st.subheader("Les principales raisons")
    reasons = explanation.get("reasons") or []
    if reasons:
        st.markdown("\n".join(f"{i}. {reason['text']}" for i, reason in enumerate(reasons, start=1)))
    else:
        st.write("Le service de scoring n'a pas fourni de raisons pour ce score.")


def draw_contributions(explanation: dict, key: str) -> None:
    """The contributions chart with its text alternative and table."""
    rows = contributions_frame(explanation)
    if not rows.empty:
        components.chart_block(charts.contributions_chart(rows), fmt.contributions_alt(rows.to_dict("records")),
                               contributions_table(rows), key=f"{key}_contributions")


def draw_explanation(explanation: dict, key: str) -> None:
    """The main reasons, then the contributions chart."""
    draw_reasons(explanation)
    draw_contributions(explanation, key)
