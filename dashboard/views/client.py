"""Client page: the decision for one client, how far the score is from the threshold, why, who the client is, and
the advisor's own decision (with the counter-offer, the letter to the client and the history)."""

from __future__ import annotations

import streamlit as st

from dashboard import api_client, components, oversight
from dashboard.reasons import draw_contributions, draw_reasons

TOP_FACTORS = 10


def draw() -> None:
    """The whole page for the chosen client."""
    client_id = components.client_picker("client")
    if client_id is None:
        st.info("Choisissez un client pour voir la décision et ses raisons.", icon=":material/info:")
        return
    try:
        explanation = api_client.client_explanation(client_id, TOP_FACTORS)  # the score and its reasons
        profile = api_client.client_profile(client_id)
    except api_client.ApiError as error:
        components.show_error(error)
        return
    st.header(f"Client {client_id}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        components.score_result(explanation, key="client")
    with right:
        draw_reasons(explanation)
    draw_contributions(explanation, key="client")
    st.subheader("Informations du client")
    table = components.profile_table(profile)
    half = (len(table) + 1) // 2
    first, second = st.columns(2, gap="large")
    with first:
        components.data_table(table.iloc[:half], "Situation personnelle et emploi")
    with second:
        components.data_table(table.iloc[half:], "Logement, contrat et montants")
    oversight.draw(client_id, explanation)  # the counter-offer, « Votre décision », the letter, the history


components.page_header("Client : décision et explications",
                       "La décision de crédit d'un client, son écart au seuil et les raisons qui l'expliquent.")
draw()
