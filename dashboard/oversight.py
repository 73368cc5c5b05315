"""Human oversight on the client page: the counter-offer, « Votre décision », « Lettre au client » and the history.

Every answer comes from the API as the signed-in person (`api_client`); the wording is in `decisions.py` and
`offers.py` (pure). A decision is posted on the scoring shown on the page (its `request_id`); when a decision
already stands on it, the form records a correction of that decision.
"""

from __future__ import annotations

import streamlit as st

from dashboard import api_client, components, offers
from dashboard import decisions as dec

FLASH = "hc_decision_recorded"  # st.session_state slot: the confirmation shown after the rerun that follows a post
LETTER = "hc_letter_for"  # st.session_state slot: clients whose letter the person asked to see


def draw_counter_offer(client_id: int) -> None:
    """What the bank could lend the refused client: the largest amount and the longest term the model accepts."""
    st.subheader("Ce que la banque pourrait proposer")
    try:
        answer = api_client.client_counter_offer(client_id)
    except api_client.ApiError as error:
        components.show_error(error)
        return
    st.markdown("\n".join(f"- {sentence}" for sentence in offers.offer_sentences(answer)))
    st.write(offers.rate_sentence(answer.get("rate") or {}) + " Le reste de la demande est inchangé.")
    components.data_table(offers.offer_table(answer), "Demande actuelle et propositions acceptées par le modèle")


def draw_decision(client_id: int, scoring: dict, reasons: dict, history: dict) -> None:
    """« Votre décision » on the scoring shown: the model's decision preselected, a reason when it is changed."""
    st.subheader("Votre décision")
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash, icon=":material/task_alt:")
    labels = dec.decision_labels(reasons)
    standing = dec.decision_in_force(history, scoring["request_id"])
    model = scoring["decision"]
    if standing is None:
        st.write(f"Décision proposée par le modèle : **{labels[model]}**. Confirmez-la ou changez-la ; un motif est "
                 "obligatoire si vous la changez.")
    else:
        st.write(f"Une décision est déjà enregistrée sur ce score : **{labels[standing['decision']]}** "
                 f"({dec.who(standing['principal'], standing.get('role'))}, le {dec.when(standing['decided_at'])} "
                 f"UTC). Le modèle proposait : **{labels[model]}**. Vous pouvez la corriger ci-dessous.")
    options = dec.reason_options(reasons)
    key = f"decision_{scoring['request_id']}"
    with st.form(key, clear_on_submit=False):
        initial = standing["decision"] if standing else model
        decision = st.radio("Décision", list(dec.DECISION_VALUES), index=dec.DECISION_VALUES.index(initial),
                            format_func=labels.get, horizontal=True, key=f"{key}_choice")
        reason = st.selectbox("Motif (obligatoire si votre décision diffère de celle du modèle)", list(options),
                              index=None, format_func=options.get, placeholder="Choisissez un motif",
                              key=f"{key}_reason")
        comment = st.text_area("Commentaire (facultatif, obligatoire avec « Autre motif »)", max_chars=1000,
                               key=f"{key}_comment")
        submitted = st.form_submit_button("Corriger ma décision" if standing else "Enregistrer ma décision",
                                          type="primary")
    if not submitted:
        return
    found = dec.problems(model, decision, reason, comment, reasons)
    if found:
        st.error(" ".join(found), icon=":material/error:")
        return
    body = dec.decision_body(scoring["request_id"], decision, reason, comment,
                             standing["decision_id"] if standing else None)
    try:
        recorded = api_client.record_decision(client_id, body)
    except api_client.ApiError as error:
        components.show_error(error)
        return
    st.session_state[FLASH] = dec.confirmation(recorded, reasons)
    st.rerun()


def draw_letter(client_id: int, reasons: dict) -> None:
    """« Lettre au client »: the letter about the client's latest decision, shown and offered as a PDF."""
    st.subheader("Lettre au client")
    st.write("La lettre explique au client la dernière décision (la vôtre quand vous en avez enregistré une), ses "
             "principales raisons, ce qu'il peut faire et son droit de demander un réexamen par une personne.")
    asked = st.session_state.setdefault(LETTER, [])
    if client_id not in asked:
        if not st.button("Préparer la lettre", key=f"letter_{client_id}"):
            return
        asked.append(client_id)
    try:
        letter = api_client.client_letter(client_id, "html")
        pdf = api_client.client_letter(client_id, "pdf")["content"]
    except api_client.ApiError as error:
        components.show_error(error)
        return
    st.write(offers.letter_about(letter["decision"], letter["decided_by"], dec.decision_labels(reasons)))
    with st.container(border=True):
        st.html(offers.letter_fragment(letter["content"].decode("utf-8")))
    if offers.is_pdf(pdf):
        st.download_button("Télécharger la lettre (PDF)", pdf, file_name=offers.letter_file_name(client_id),
                           mime="application/pdf", icon=":material/download:", key=f"letter_pdf_{client_id}")
    else:
        st.error("Le service de scoring n'a pas renvoyé un fichier PDF : réessayez, ou prévenez l'équipe technique.",
                 icon=":material/error:")


def draw_history(client_id: int, reasons: dict) -> None:
    """The client's scorings and decisions, newest first: when, who, what, why (read again: a decision refused
    because a colleague's stands has just dropped the cached history)."""
    st.subheader("Historique des scores et des décisions")
    try:
        history = api_client.client_history(client_id)
    except api_client.ApiError as error:
        components.show_error(error)
        return
    st.write(dec.history_summary(history))
    if history.get("scorings"):
        components.data_table(dec.history_table(history, reasons), "Historique du client, du plus récent au plus ancien")


def draw(client_id: int, scoring: dict) -> None:
    """The oversight sections for the scoring shown (`scoring`: the API's answer with its `request_id`)."""
    if scoring["decision"] == "refused":
        draw_counter_offer(client_id)
    try:
        reasons = api_client.decision_reasons()
        history = api_client.client_history(client_id)
    except api_client.ApiError as error:
        components.show_error(error)
        return
    draw_decision(client_id, scoring, reasons, history)
    draw_letter(client_id, reasons)
    draw_history(client_id, reasons)
