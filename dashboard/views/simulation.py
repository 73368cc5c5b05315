"""What-if page: edit some fields of a client's application, get the refreshed score and see what changed."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api_client, charts, components
from dashboard import application_form as form
from dashboard import formatting as fmt
from dashboard.reasons import draw_explanation


def edited_application(application: dict[str, Any], initial: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """The client's raw application with only the fields the adviser changed replaced (others stay exact)."""
    changed = {name: value for name, value in edited.items() if value != initial.get(name)}
    return {**application, **form.to_raw(changed)}


def changes_table(initial: dict[str, Any], edited: dict[str, Any]) -> pd.DataFrame:
    """Before / after of every changed field, in French."""
    rows = [(label, fmt.value_text(before), fmt.value_text(after))
            for label, before, after in form.changed_fields(initial, edited)]
    return pd.DataFrame(rows, columns=["Information", "Avant", "Après"]).set_index("Information")


def draw_comparison(before: dict, after: dict, changes: pd.DataFrame) -> None:
    """What changed: one sentence, the before/after chart, the table of changed fields."""
    st.header("Ce qui change")
    st.write(fmt.change_sentence(before, after))
    components.data_table(changes, "Informations modifiées")
    threshold = after["threshold"]
    table = pd.DataFrame({"Situation": ["Avant", "Après"],
                          "Probabilité de défaut": [fmt.percent(before["probability_default"]), fmt.percent(after["probability_default"])],
                          "Décision": [fmt.decision_words(before["decision"])[0], fmt.decision_words(after["decision"])[0]],
                          }).set_index("Situation")
    components.chart_block(charts.whatif_chart(before, after, threshold),
                           fmt.whatif_alt(before["probability_default"], after["probability_default"], threshold),
                           table, key="whatif")


def draw_form(client_id: int, initial: dict[str, Any], categories: dict[str, list[str]]) -> tuple[bool, dict[str, Any]]:
    """The editable fields, the actionable ones first."""
    with st.form(f"simulation_{client_id}"):
        st.subheader("Le crédit demandé")
        edited = components.application_inputs(form.ACTIONABLE, initial, categories, key=f"sim_{client_id}")
        with st.expander("Autres informations de la demande"):  # not age or gender: nobody can act on them
            edited |= components.application_inputs(form.SITUATION + form.EXTERNAL, initial, categories,
                                                    key=f"sim_{client_id}")
        submitted = st.form_submit_button("Recalculer le score", type="primary")
    return submitted, edited


def draw() -> None:
    """The whole page for the chosen client."""
    client_id = components.client_picker("simulation")
    if client_id is None:
        st.info("Choisissez un client pour simuler une autre demande.", icon=":material/info:")
        return
    try:
        application = api_client.client_application(client_id)
        before = api_client.client_score(client_id)
        categories = form.categories_from_schema(api_client.openapi())
    except api_client.ApiError as error:
        components.show_error(error)
        return
    words, icon = fmt.decision_words(before["decision"])
    st.write(f"Décision actuelle pour le client {client_id} : {icon} **{words}** "
             f"(probabilité de défaut {fmt.percent(before['probability_default'])}).")
    initial = form.from_raw(application)
    submitted, edited = draw_form(client_id, initial, categories)
    if not submitted:
        return
    changes = changes_table(initial, edited)
    if changes.empty:
        st.info("Aucune information n'a été modifiée : le score reste le même.", icon=":material/info:")
        return
    try:
        after = api_client.score_application(edited_application(application, initial, edited), client_id, form.LABELS)
    except api_client.ApiError as error:
        components.show_error(error)
        return
    draw_comparison(before, after, changes)
    components.score_result(after, key="whatif_after")
    draw_explanation(after, key="whatif")


components.page_header("Simulation : et si la demande changeait ?",
                       "Modifiez le montant, l'annuité ou d'autres informations d'un client et voyez l'effet sur la décision.")
draw()
