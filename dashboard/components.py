"""Streamlit pieces shared by the pages: page header, client picker, decision banner, chart with its alternatives."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import api_client, charts
from dashboard import formatting as fmt
from dashboard.application_form import FormField

APP_NAME = "Prêt à dépenser"
FAVICON = str(Path(__file__).with_name("favicon.png"))  # local: a Material page icon would be fetched from Google
CLIENT_KEY = "client_id"  # the client chosen on any page, kept when moving between pages
RECENT_KEY = "recent_clients"  # clients consulted in this session, offered first in the list


# At 200 % zoom (a 640-pixel layout, WCAG 1.4.4 / 1.4.10): headings wrap between words, never inside one, and
# shrink a little; the sidebar, when opened, stays narrow.
PAGE_STYLE = (
    "<style>h1,h2,h3{hyphens:manual;overflow-wrap:normal;word-break:normal}"
    "@media (max-width:800px){h1{font-size:1.9rem!important}h2{font-size:1.45rem!important}"
    "section[data-testid=stSidebar]{width:15rem!important;min-width:15rem!important;max-width:15rem!important}}"
    "</style>")


def page_header(title: str, intro: str) -> None:
    """The browser tab title (distinct per page, WCAG 2.4.2), the page heading and a one-line introduction."""
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=FAVICON)
    st.html(PAGE_STYLE)
    st.title(title)
    st.write(intro)
    load_labels()


def load_labels() -> None:
    """The French labels of the category values: one table, served by the API (cached for an hour)."""
    with contextlib.suppress(api_client.ApiError):  # the page says the API is unreachable; raw values meanwhile
        fmt.use_labels(api_client.value_labels())


def show_error(error: api_client.ApiError) -> None:
    """An API failure as a French message, never a traceback."""
    st.error(error.message, icon=":material/error:")


def decision_banner(decision: str, detail: str) -> None:
    """The decision in words with an icon (never colour alone, WCAG 1.4.1), then one plain sentence."""
    words, icon = fmt.decision_words(decision)
    show = st.success if decision == "accepted" else st.error
    show(f"**{words}**  \n{detail}", icon=icon)


def data_table(table: pd.DataFrame, caption: str) -> None:
    """A table with a caption, column and row headers (plain HTML: st.table is slow to draw in the browser)."""
    st.html(fmt.html_table(table, caption))


def chart_title(chart: alt.TopLevelMixin) -> str:
    """The title a builder gave its chart."""
    title = getattr(chart, "title", None)
    return str(getattr(title, "text", title) or "Graphique")


def chart_block(chart: alt.TopLevelMixin, alt_text: str, table: pd.DataFrame, key: str) -> None:
    """A chart, its text alternative (read by screen readers and shown below it) and its data as a table."""
    st.altair_chart(chart, width="stretch", alt=alt_text, key=f"chart_{key}")
    st.markdown(f"*Lecture du graphique :* {alt_text}")
    with st.expander("Voir les données du graphique sous forme de tableau"):
        data_table(table, f"Données du graphique « {chart_title(chart)} »")


def parse_client_id(value: object) -> int | None:
    """A client id typed or chosen by the adviser, or None when it is not a positive whole number."""
    text = str(value).strip().replace(" ", "").replace("\u202f", "")
    return int(text) if text.isdigit() and int(text) > 0 else None


@st.cache_data(ttl=api_client.TTL, show_spinner=False)
def _listed_ids() -> list[int]:
    try:
        return api_client.client_ids()
    except api_client.ApiError:  # the list is a convenience: without it, numbers are typed
        return []


def _suggestions(current: int | None) -> list[int]:
    """Clients offered in the list: those seen in this session, those similar to the current one, then the
    first clients the API lists (any other number can be typed)."""
    similar: list[int] = []
    if current is not None:
        try:
            similar = [n["client_id"] for n in api_client.similar_clients(current)["neighbours"]]
        except api_client.ApiError:
            similar = []
    return list(dict.fromkeys([*st.session_state.get(RECENT_KEY, []), *similar, *_listed_ids()]))


def client_picker(page: str) -> int | None:
    """Choose a client by number: typed, or chosen from a searchable list (keyboard: Tab, type, Enter).

    The choice is shared by every page (session state) and kept in the address (`?client=100002`).
    """
    current = st.session_state.get(CLIENT_KEY)
    if current is None and "client" in st.query_params:
        current = parse_client_id(st.query_params["client"])
    options = list(dict.fromkeys(([] if current is None else [current]) + _suggestions(current)))
    choice = st.selectbox(
        "Numéro du client", options, index=options.index(current) if current in options else None,
        key=f"picker_{page}", accept_new_options=True, filter_mode="prefix",
        placeholder="Tapez ou choisissez un numéro de client",
        help="Tapez le numéro (par exemple 100002) puis Entrée, ou choisissez-le dans la liste : clients déjà "
             "consultés, clients similaires au client affiché, puis les premiers numéros.")
    if choice is None:
        return None
    client_id = parse_client_id(choice)
    if client_id is None:
        st.error(f"« {choice} » n'est pas un numéro de client : saisissez uniquement des chiffres.", icon=":material/error:")
        return None
    st.session_state[CLIENT_KEY] = client_id
    st.query_params["client"] = str(client_id)
    recent = st.session_state.setdefault(RECENT_KEY, [])
    if client_id not in recent:
        recent.insert(0, client_id)
        del recent[20:]
    return client_id


def profile_table(profile: dict) -> pd.DataFrame:
    """The client's descriptive information as a two-column table in French."""
    rows = [(label, fmt.value_text(profile.get(name))) for name, label in fmt.PROFILE_LABELS.items() if name in profile]
    return pd.DataFrame(rows, columns=["Information", "Valeur"]).set_index("Information")


def field_input(field: FormField, value: Any, categories: dict[str, list[str]], key: str) -> Any:
    """One labelled input of the application form, in the adviser's units."""
    if field.kind == "category":
        options = categories.get(field.name) or ([value] if value else [])
        index = options.index(value) if value in options else None
        return st.selectbox(field.label, options, index=index, key=key, format_func=fmt.value_text,
                            placeholder="Non renseigné", help=field.help or None)
    if field.kind == "yes_no":
        return st.radio(field.label, [True, False], index=0 if value else 1, key=key, horizontal=True,
                        format_func=lambda v: "Oui" if v else "Non")
    if field.kind == "count":
        return st.number_input(field.label, int(field.low), int(field.high), None if value is None else int(value),
                               int(field.step), key=key, help=field.help or None)
    decimals = 2 if field.kind == "score" else (1 if field.kind in ("years", "employment") else 0)
    return st.number_input(field.label, float(field.low), float(field.high), None if value is None else float(value),
                           float(field.step), format=f"%.{decimals}f", key=key, help=field.help or None,
                           placeholder="Non renseigné")


def application_inputs(fields: tuple[FormField, ...], values: dict[str, Any], categories: dict[str, list[str]],
                       key: str, columns: int = 2) -> dict[str, Any]:
    """Inputs for `fields`, laid out in columns, starting from `values`; returns the edited values."""
    out = {}
    slots = st.columns(columns)
    for i, field in enumerate(fields):
        with slots[i % columns]:
            out[field.name] = field_input(field, values.get(field.name), categories, f"{key}_{field.name}")
    return out


def score_result(result: dict, key: str) -> None:
    """The decision banner and the score gauge of an API answer (a client's score, a new application, a what-if)."""
    probability, threshold = result["probability_default"], result["threshold"]
    decision_banner(result["decision"], fmt.threshold_sentence(probability, threshold, result["decision"]))
    table = pd.DataFrame({"Mesure": ["Probabilité de défaut", "Seuil de décision", "Écart au seuil", "Décision"],
                          "Valeur": [fmt.percent(probability), fmt.percent(threshold),
                                     ("+" if probability >= threshold else "−") + fmt.points(probability - threshold),
                                     fmt.decision_words(result["decision"])[0]]}).set_index("Mesure")
    chart_block(charts.score_gauge(probability, threshold, result["decision"]),
                fmt.score_alt(probability, threshold, result["decision"]), table, key=f"{key}_score")
