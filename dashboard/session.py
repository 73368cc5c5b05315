"""Who is signed in: the person the dashboard calls the API as, never a shared key.

Two ways to sign in, chosen by the settings:
- with the bank's OpenID Connect provider (`HC_OIDC_*`): Streamlit's `st.login`; the API is called with the ID token
  of the session (`Authorization: Bearer`), which the API verifies and maps to the principal bound to the person;
- otherwise with the advisor's personal key (`python -m api principals add NAME --role advisor`), typed in a form and
  kept in this browser session only (never in a file, a cookie or a log).
The API says who that is (`GET /v1/me`); the sidebar shows it, with « Se déconnecter ».
"""

from __future__ import annotations

import hashlib

import streamlit as st

from dashboard.settings import get_settings

KEY = "hc_personal_key"  # st.session_state slot of the personal key (key sign-in only)
PERSON = "hc_person"  # st.session_state slot of GET /v1/me's answer
ROLES = {"advisor": "conseiller", "analyst": "analyste", "service": "application", "operator": "exploitation"}


def _token() -> str | None:
    """The ID token of the signed-in person (OpenID Connect sign-in), or None."""
    if not getattr(st.user, "is_logged_in", False):
        return None
    try:
        return st.user.tokens["id"]
    except (KeyError, AttributeError):
        return None


def headers() -> dict[str, str]:
    """The credentials of the person signed in, for every API call (empty when nobody is)."""
    if get_settings().oidc:
        token = _token()
        return {"Authorization": f"Bearer {token}"} if token else {}
    key = st.session_state.get(KEY)
    return {"X-API-Key": key} if key else {}


def identity() -> str:
    """A stand-in for the person in cache keys (answers are never shared between people): a digest of their
    credentials, never the credentials themselves."""
    credential = "|".join(headers().values())
    return hashlib.sha256(credential.encode()).hexdigest()[:16] if credential else "nobody"


def remember(person: dict, key: str | None = None) -> None:
    """Keep who signed in (and their key, for key sign-in) in this browser session."""
    st.session_state[PERSON] = person
    if key is not None:
        st.session_state[KEY] = key


def sign_out() -> None:
    """Forget the person (and log out of the provider's session)."""
    for slot in (KEY, PERSON):
        st.session_state.pop(slot, None)
    st.cache_data.clear()
    if get_settings().oidc and getattr(st.user, "is_logged_in", False):
        st.logout()


def person() -> dict | None:
    """Who is signed in (name, role, scopes), once the API has said so."""
    return st.session_state.get(PERSON)


def role_words(role: str) -> str:
    """The role in French."""
    return ROLES.get(role, role)
