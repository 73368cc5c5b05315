"""Page logic with Streamlit's AppTest, against a real API process on the synthetic warehouse (no mock)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from html_tables import tables
from live_api import point_dashboard_at
from streamlit.testing.v1 import AppTest

from dashboard import formatting as fmt
from dashboard import session, whatif
from tests.api.conftest import KEYS
from tools import browser

VIEWS = Path(__file__).resolve().parents[2] / "dashboard" / "views"
TIMEOUT = 30


def run_page(name: str, client_id: int | None = None) -> AppTest:
    """Run one page file as the advisor signed in (the key of `point_dashboard_at`), with a client already chosen
    (as after a visit to another page)."""
    at = AppTest.from_file(str(VIEWS / f"{name}.py"), default_timeout=TIMEOUT)
    at.session_state[session.KEY] = os.environ["HC_API_KEY"]  # what the sign-in form keeps for the session
    if client_id is not None:
        at.session_state["client_id"] = client_id
    return at.run()


def texts(elements) -> str:
    """All the text of a list of AppTest elements."""
    return "\n".join(str(e.value) for e in elements)


def charts(at: AppTest) -> list:
    """The Altair charts drawn by the page."""
    return at.get("vega_lite_chart")


def test_router_asks_to_sign_in_then_opens_the_client_page(dashboard_env):
    at = AppTest.from_file(str(VIEWS.parent / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Connexion au tableau de bord"]  # nothing else before signing in
    assert not at.selectbox
    at.text_input[0].set_value("not-a-key")  # a form: its values go with the submit button's click
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Clé refusée : vérifiez-la, ou demandez-en une nouvelle à votre responsable."]
    assert session.KEY not in at.session_state
    at.text_input[0].set_value(dashboard_env.key)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Client : décision et explications"]
    assert at.selectbox[0].label == "Numéro du client"
    assert at.sidebar.markdown[0].value == "Connecté : **advisor-test** (conseiller)"
    assert at.session_state[session.PERSON]["role"] == "advisor"


def test_client_page_accepted_client_shows_decision_words_sentence_charts_and_tables(dashboard_env):
    at = run_page("client", dashboard_env.accepted)
    assert not at.exception
    assert len(at.success) == 1 and not at.error
    banner = at.success[0].value
    assert banner.startswith("**Crédit accordé**")
    assert "sous le seuil de" in banner and "le crédit est accordé." in banner
    assert at.success[0].icon == ":material/check_circle:"
    assert len(charts(at)) == 2  # gauge + contributions
    assert len(tables(at)) == 4  # gauge data, contributions data, client information in two halves
    descriptions = [m.value for m in at.markdown if m.value.startswith("*Lecture du graphique :*")]
    assert len(descriptions) == 2 and "Jauge horizontale de la probabilité de défaut" in descriptions[0]
    assert [e.label for e in at.expander] == ["Voir les données du graphique sous forme de tableau"] * 2
    reasons = next(m.value for m in at.markdown if m.value.startswith("1. "))
    assert reasons.count("cela ") == 4  # the API's four reasons, in French
    profile = list(tables(at)[2].index) + list(tables(at)[3].index)
    assert "Âge (ans)" in profile and "Revenu annuel" in profile
    assert [t.attrs["caption"] for t in tables(at)] == [
        "Données du graphique « Probabilité de défaut et seuil »", "Données du graphique « Ce qui pèse sur le score du client »",
        "Situation personnelle et emploi", "Logement, contrat et montants"]


def test_client_page_refused_client_says_refused_with_an_icon(dashboard_env):
    at = run_page("client", dashboard_env.refused)
    assert not at.exception and not at.success
    assert at.error[0].value.startswith("**Crédit refusé**")
    assert at.error[0].icon == ":material/block:"
    assert "au-dessus du seuil" in at.error[0].value or "exactement au niveau du seuil" in at.error[0].value


def test_client_page_without_client_asks_for_one(dashboard_env):
    at = run_page("client")
    assert not at.exception and not at.error
    assert texts(at.info) == "Choisissez un client pour voir la décision et ses raisons."
    picker = at.selectbox(key="picker_client")
    assert picker.label == "Numéro du client" and picker.value is None


def test_client_page_choosing_a_similar_client_in_the_list(dashboard_env):
    """The list offers the clients seen in the session, those similar to the current one, then the API's first
    clients (typing a number: browser test)."""
    import httpx

    similar = httpx.get(f"{dashboard_env.url}/v1/population/similar/{dashboard_env.accepted}",
                        headers={"X-API-Key": dashboard_env.key}).json()["neighbours"]
    at = run_page("client", dashboard_env.accepted)
    picker = at.selectbox(key="picker_client")
    assert picker.options[:4] == [str(dashboard_env.accepted)] + [str(n["client_id"]) for n in similar[:3]]
    assert len(picker.options) > 300  # + the first 300 clients of GET /v1/clients
    other = int(picker.options[5])
    picker.select(other).run()
    assert not at.exception
    assert at.session_state["client_id"] == other
    assert at.header[0].value == f"Client {other}"
    assert at.selectbox(key="picker_client").value == other


def test_unknown_client_is_a_french_message(dashboard_env):
    at = run_page("client", 999_999_999)
    assert not at.exception
    assert [e.value for e in at.error] == ["Aucun client ne porte le numéro 999999999. Vérifiez le numéro saisi."]


def test_api_down_is_a_french_message_not_a_traceback(live_api, monkeypatch):
    point_dashboard_at(f"http://127.0.0.1:{browser.free_port()}", live_api.key, monkeypatch)
    for page in ("client", "comparison", "simulation", "model", "new_application"):
        at = run_page(page, live_api.accepted)
        assert not at.exception, page
        assert len(at.error) == 1, page
        assert at.error[0].value.startswith("Le service de scoring est injoignable (http://127.0.0.1:"), page


def test_a_revoked_or_wrong_key_is_a_french_message(live_api, monkeypatch):
    point_dashboard_at(live_api.url, "wrong-key", monkeypatch)
    at = run_page("client", live_api.accepted)
    assert not at.exception
    assert at.error[0].value == ("Votre session n'est plus reconnue par le service de scoring (clé révoquée ou "
                                 "remplacée, ou connexion expirée) : déconnectez-vous puis reconnectez-vous.")


def test_a_missing_right_is_a_french_message(live_api, monkeypatch):
    point_dashboard_at(live_api.url, KEYS["analyst"], monkeypatch)  # no client:read
    at = run_page("client", live_api.accepted)
    assert not at.exception
    assert at.error[0].value == ("Votre profil ne permet pas cette consultation (droit « client:read ») : demandez-le "
                                 "à votre responsable.")


def test_a_group_of_fewer_than_20_is_too_small_to_show(dashboard_env):
    at = run_page("comparison", dashboard_env.accepted)
    at.radio(key="cmp_mode").set_value("Un groupe choisi avec des filtres").run()
    at.selectbox(key="cmp_income_type").set_value("Maternity leave").run()  # 2 clients in the seeded set
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == ["Groupe trop petit pour être affiché : moins de 20 clients correspondent à "
                                          "ces filtres. Élargissez-les pour voir la répartition."]
    assert "Groupe choisi : taux observé" not in tables(at)[0].index
    assert any("Groupe trop petit pour être affiché" in c.value for c in at.caption)


def test_comparison_with_all_similar_and_a_filtered_group(dashboard_env):
    at = run_page("comparison", dashboard_env.accepted)
    assert not at.exception and not at.error
    assert at.header[0].value == f"Client {dashboard_env.accepted} comparé à tous les clients"
    assert len(charts(at)) == 3  # distribution, default rates, scatter
    rates = tables(at)[1]
    assert list(rates.index) == ["Ce client : probabilité estimée", "Clients similaires : taux observé",
                                 "Tous les clients : taux observé"]
    at.selectbox(key="cmp_var_Tous les clients").set_value("income_type").run()
    assert not at.exception and "Type de revenu" in texts(at.markdown)
    at.radio(key="cmp_mode").set_value("Les clients similaires").run()
    assert at.header[0].value.endswith("comparé à les clients les plus proches du client")
    assert len(charts(at)) == 3
    at.radio(key="cmp_mode").set_value("Un groupe choisi avec des filtres").run()
    at.selectbox(key="cmp_gender").set_value("F").run()
    at.selectbox(key="cmp_age").set_value("35 à 45 ans").run()
    assert not at.exception and not at.error
    assert at.header[0].value.endswith("comparé à le groupe Femme, 35 à 45 ans")
    assert "Groupe choisi : taux observé" in tables(at)[1].index


def test_comparison_scatter_axes_can_be_changed(dashboard_env):
    at = run_page("comparison", dashboard_env.accepted)
    at.selectbox(key="cmp_x").set_value("credit_amount").run()
    at.selectbox(key="cmp_y").set_value("annuity_amount").run()
    assert not at.exception
    scatter = tables(at)[-1]
    assert list(scatter.columns) == ["Montant du crédit", "Annuité", "Décision"]
    assert len(scatter) == 100
    assert set(scatter["Décision"]) == {"Crédit accordé", "Crédit refusé"}  # the API's decision for each similar client


def test_simulation_shows_what_changes(dashboard_env):
    at = run_page("simulation", dashboard_env.refused)
    assert not at.exception and not at.error
    assert "Décision actuelle pour le client" in texts(at.markdown)
    keys = {w.key for w in at.number_input} | {w.key for w in at.selectbox}
    assert f"sim_{dashboard_env.refused}_AMT_ANNUITY" in keys
    assert not {f"sim_{dashboard_env.refused}_{name}" for name in ("CODE_GENDER", "DAYS_BIRTH")} & keys  # nobody can act on them
    assert "Demande actuelle" in texts(at.markdown) and "taux implicite" in texts(at.markdown)
    credit = at.number_input(key=f"sim_{dashboard_env.refused}_AMT_CREDIT")
    before_amount, before_annuity = credit.value, at.number_input(key=f"sim_{dashboard_env.refused}_AMT_ANNUITY").value
    contract = at.selectbox(key=f"sim_{dashboard_env.refused}_NAME_CONTRACT_TYPE").value
    credit.set_value(max(credit.value / 4, 1000.0))
    at.button[0].click().run()  # the form's submit button
    assert not at.exception and "Ce qui change" in [h.value for h in at.header]
    sentence = next(m.value for m in at.markdown if m.value.startswith("La probabilité de défaut "))
    assert "La décision" in sentence
    changes = tables(at)[0]
    assert list(changes.index) == ["Montant du crédit demandé", "Mensualité (remboursement par mois)"]
    terms = whatif.current_terms(before_amount, before_annuity, contract)  # the annuity follows, at the same rate
    expected = whatif.new_annuity(terms, max(before_amount / 4, 1000.0), terms.months)
    assert changes.loc["Mensualité (remboursement par mois)", "Après"] == fmt.value_text(expected)
    assert len(charts(at)) >= 2  # before/after + gauge (+ contributions)


def test_simulation_without_change_says_so(dashboard_env):
    at = run_page("simulation", dashboard_env.accepted)
    at.button[0].click().run()
    assert not at.exception
    assert "Aucune information n'a été modifiée" in texts(at.info)


def test_new_application_scores_the_form(dashboard_env):
    at = run_page("new_application")
    assert not at.exception and "Remplissez la demande" in texts(at.info)
    at.number_input(key="new_AMT_INCOME_TOTAL").set_value(300_000.0)
    at.button[0].click().run()
    assert not at.exception and not [e for e in at.error if not e.value.startswith("**Crédit refusé**")]
    decision = (at.success or at.error)[0].value
    assert decision.startswith(("**Crédit accordé**", "**Crédit refusé**"))
    assert len(charts(at)) == 2


def test_model_page_explains_threshold_and_cost_with_the_api_numbers(dashboard_env):
    import httpx

    info = httpx.get(f"{dashboard_env.url}/v1/model", headers={"X-API-Key": dashboard_env.key}).json()
    at = run_page("model")
    assert not at.exception and not at.error
    guide = texts(at.markdown)
    threshold = f"{100 * info['threshold']:.1f}".replace(".", ",")
    assert f"seuil de {threshold}\u00a0%" in guide
    assert "coûte **10 fois plus**" in guide
    assert len(charts(at)) == 1
    assert "AUC" in tables(at)[0].index


@pytest.mark.parametrize("page", ["client", "comparison", "simulation", "new_application", "model"])
def test_every_page_has_its_own_title(dashboard_env, page):
    at = run_page(page, dashboard_env.accepted)
    spec = next(s for s in browser.PAGES if s.slug == page)
    assert [t.value for t in at.title] == [spec.heading]
