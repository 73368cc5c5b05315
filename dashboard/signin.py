"""The sign-in page and the signed-in person in the sidebar: every page of the dashboard is behind them."""

from __future__ import annotations

import streamlit as st

from dashboard import api_client, session
from dashboard.components import APP_NAME, FAVICON, PAGE_STYLE
from dashboard.settings import get_settings

TITLE = "Connexion au tableau de bord"


def require_person() -> dict:
    """The person signed in (name, role, scopes); otherwise the sign-in page is drawn and the script stops."""
    person = session.person()
    if person is None:
        person = _oidc_person() if get_settings().oidc else _key_form()
    if person is None:
        st.stop()
    _sidebar(person)
    return person


def _header(intro: str) -> None:
    st.set_page_config(page_title=f"{TITLE} · {APP_NAME}", page_icon=FAVICON)
    st.html(PAGE_STYLE)
    st.title(TITLE)
    st.write(intro)


def _key_form() -> dict | None:
    """Sign-in with the advisor's personal key: kept in this browser session only."""
    _header("Chaque conseiller se connecte avec sa clé personnelle : le service de scoring sait ainsi qui consulte "
            "quel dossier. Votre clé vous a été remise par l'équipe technique ; elle n'est gardée que le temps de "
            "cette session.")
    with st.form("sign_in"):
        key = st.text_input("Votre clé personnelle", type="password", autocomplete="off")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if not submitted:
        return None
    if not key.strip():
        st.error("Saisissez votre clé personnelle.", icon=":material/error:")
        return None
    try:
        person = api_client.whoami({"X-API-Key": key.strip()})
    except api_client.ApiError as error:
        message = ("Clé refusée : vérifiez-la, ou demandez-en une nouvelle à votre responsable."
                   if error.status == 401 else error.message)
        st.error(message, icon=":material/error:")
        return None
    session.remember(person, key.strip())
    st.rerun()
    return person


def _oidc_person() -> dict | None:
    """Sign-in with the bank's OpenID Connect provider; the API maps the identity to a principal."""
    if not getattr(st.user, "is_logged_in", False):
        _header("Connectez-vous avec votre compte de la banque : le service de scoring sait ainsi qui consulte quel "
                "dossier.")
        if st.button("Se connecter avec le compte de la banque", type="primary"):
            st.login()
        return None
    try:
        person = api_client.whoami(session.headers())
    except api_client.ApiError as error:
        _header("Votre compte est reconnu par la banque, mais pas par le service de scoring.")
        who = getattr(st.user, "email", None) or "ce compte"
        st.error(f"{who} n'a pas accès au tableau de bord ({error.message}) : demandez un accès à votre responsable.",
                 icon=":material/error:")
        if st.button("Se déconnecter"):
            st.logout()
        return None
    session.remember(person)
    return person


def _sidebar(person: dict) -> None:
    with st.sidebar:
        st.markdown(f"Connecté : **{person['name']}** ({session.role_words(person['role'])})")
        if st.button("Se déconnecter", key="sign_out"):
            session.sign_out()
            st.rerun()
