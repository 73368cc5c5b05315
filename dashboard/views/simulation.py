"""What-if page: change the amount, the duration or other fields of a client's application; the annuity follows
at the rate implied by the current application (`dashboard/whatif.py`); see the refreshed score and what changed."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api_client, charts, components, whatif
from dashboard import application_form as form
from dashboard import formatting as fmt
from dashboard.reasons import draw_explanation


def edited_application(application: dict[str, Any], initial: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """The client's raw application with only the fields the adviser changed replaced (others stay exact)."""
    changed = {name: value for name, value in edited.items() if value != initial.get(name)}
    return {**application, **form.to_raw(changed)}


def changes_table(initial: dict[str, Any], edited: dict[str, Any], months: tuple[int | None, int | None] = (None, None)
                  ) -> pd.DataFrame:
    """Before / after of every changed field (and of the duration, in months), in French."""
    rows = [(label, fmt.value_text(before), fmt.value_text(after))
            for label, before, after in form.changed_fields(initial, edited)]
    if months[0] != months[1] and None not in months:
        rows.insert(1, (form.DURATION.label, fmt.number(months[0]), fmt.number(months[1])))
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


def draw_form(client_id: int, initial: dict[str, Any], categories: dict[str, list[str]],
              terms: whatif.CurrentTerms | None) -> tuple[bool, dict[str, Any], int | None, bool]:
    """The editable fields, the actionable ones first: (submitted, values, duration in months, annuity typed?)."""
    key = f"sim_{client_id}"
    with st.form(f"simulation_{client_id}"):
        st.subheader("Le crédit demandé")
        st.write(whatif.terms_sentence(terms, initial.get("AMT_CREDIT"), initial.get("AMT_ANNUITY")))
        edited = components.application_inputs(form.CREDIT, initial, categories, key=key)
        months = None
        if terms is not None and terms.months is not None:
            months = components.field_input(form.DURATION, terms.months, categories, f"{key}_{form.DURATION.name}")
        with st.expander("Avancé : saisir la mensualité directement"):
            by_hand = st.checkbox("Utiliser la mensualité saisie ci-dessous au lieu de la recalculer",
                                  value=terms is None, key=f"{key}_annuity_by_hand")
            edited |= components.application_inputs((form.ANNUITY,), initial, categories, key=key, columns=1)
        with st.expander("Autres informations de la demande"):  # not age or gender: nobody can act on them
            edited |= components.application_inputs(form.SITUATION + form.EXTERNAL, initial, categories, key=key)
        submitted = st.form_submit_button("Recalculer le score", type="primary")
    return submitted, edited, months, by_hand


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
    terms = whatif.current_terms(initial.get("AMT_CREDIT"), initial.get("AMT_ANNUITY"), initial.get("NAME_CONTRACT_TYPE"))
    submitted, edited, months, by_hand = draw_form(client_id, initial, categories, terms)
    if not submitted:
        return
    edited = whatif.follow_annuity(initial, edited, terms, months, by_hand)
    changes = changes_table(initial, edited, (None if terms is None else terms.months, months))
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
                       "Modifiez le montant, la durée ou d'autres informations d'un client et voyez l'effet sur la décision.")
draw()
