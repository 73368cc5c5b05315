"""New application page: a form for a client without history -> score, decision and reasons."""

from __future__ import annotations

import streamlit as st

from dashboard import api_client, components
from dashboard import application_form as form
from dashboard.reasons import draw_explanation


def draw() -> None:
    """The form, then the result of the last submission."""
    try:
        categories = form.categories_from_schema(api_client.openapi())
    except api_client.ApiError as error:
        components.show_error(error)
        return
    values = dict(form.NEW_APPLICATION)
    with st.form("nouvelle_demande"):
        st.subheader("Le crédit demandé")
        edited = components.application_inputs(form.ACTIONABLE, values, categories, key="new")
        st.subheader("La situation du demandeur")
        edited |= components.application_inputs(form.SITUATION + form.IDENTITY, values, categories, key="new")
        with st.expander("Scores externes (facultatifs)"):
            edited |= components.application_inputs(form.EXTERNAL, values, categories, key="new", columns=3)
        submitted = st.form_submit_button("Calculer le score de la demande", type="primary")
    if not submitted:
        st.info("Remplissez la demande puis cliquez sur « Calculer le score de la demande ».", icon=":material/info:")
        return
    try:
        result = api_client.score_application(form.to_raw(edited), None, form.LABELS)
    except api_client.ApiError as error:
        components.show_error(error)
        return
    st.header("Résultat de la demande")
    components.score_result(result, key="new")
    draw_explanation(result, key="new")


components.page_header("Nouvelle demande de crédit",
                       "Le score, la décision et ses raisons pour un nouveau client, sans historique de crédit chez nous.")
draw()
