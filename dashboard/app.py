"""Entry file of the advisor dashboard: a router over one file per page of `views/` (`python -m dashboard`).

The folder is not called `pages/`: Streamlit would also serve its files as legacy pages, bypassing this router.
"""

from __future__ import annotations

import streamlit as st

from dashboard import session
from dashboard.components import FAVICON
from dashboard.signin import require_person

# A local favicon set before the router: otherwise each page's Material icon is fetched from Google as favicon.
st.set_page_config(layout="wide", initial_sidebar_state="auto", page_icon=FAVICON)
# Streamlit writes <html lang="en">; the pages are French, so screen readers must read them as French (WCAG 3.1.1).
st.html("<script>document.documentElement.lang = 'fr';</script>", unsafe_allow_javascript=True)

PAGES = [
    st.Page("views/client.py", title="Client : décision et explications", icon=":material/person:", url_path="client", default=True),
    st.Page("views/comparison.py", title="Comparaison avec d'autres clients", icon=":material/bar_chart:", url_path="comparaison"),
    st.Page("views/simulation.py", title="Simulation : et si la demande changeait ?", icon=":material/tune:", url_path="simulation"),
    st.Page("views/new_application.py", title="Nouvelle demande de crédit", icon=":material/edit_note:", url_path="nouvelle-demande"),
    st.Page("views/model.py", title="Le modèle : comment lire le score", icon=":material/info:", url_path="modele"),
]

# the page asked for is known before signing in (so that the person lands on it), its links shown only after
page = st.navigation(PAGES, position="sidebar" if session.person() else "hidden")
require_person()  # nobody reaches a page without signing in: the API is called as that person
page.run()
