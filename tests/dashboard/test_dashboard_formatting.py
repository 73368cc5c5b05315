"""French wording: numbers, decisions, distance to the threshold and the text alternatives of the charts."""

from __future__ import annotations

import math

from common.contracts.labels import value_labels
from dashboard import formatting as fmt

NB, TH = "\u00a0", "\u202f"


def test_numbers_use_french_separators():
    assert fmt.number(135000) == f"135{TH}000"
    assert fmt.number(2.5, 1) == "2,5"
    assert fmt.number(None) == "non renseigné"
    assert fmt.number(math.nan) == "non renseigné"


def test_percent_and_points():
    assert fmt.percent(0.1234) == f"12,3{NB}%"
    assert fmt.percent(0.5, 0) == f"50{NB}%"
    assert fmt.points(0.031) == f"3,1{NB}points"
    assert fmt.points(-0.012) == f"1,2{NB}point"


def test_profile_values_are_translated_with_the_apis_table():
    assert fmt.value_text("Pensioner") == "Pensioner"  # before the API's labels are loaded: the raw value
    fmt.use_labels(value_labels())  # what GET /v1/labels serves
    assert fmt.value_text("F") == "Femme"
    assert fmt.value_text("Pensioner") == "Retraité"
    assert fmt.value_text(True) == "oui"
    assert fmt.value_text(34.56) == "34,6"
    assert fmt.value_text(3.0) == "3"
    assert fmt.value_text("Something new") == "Something new"


def test_decisions_are_words_and_icons():
    assert fmt.decision_words("accepted") == ("Crédit accordé", ":material/check_circle:")
    assert fmt.decision_words("refused") == ("Crédit refusé", ":material/block:")


def test_threshold_sentence_below_above_and_at():
    assert fmt.threshold_sentence(0.082, 0.113, "accepted") == (
        f"La probabilité de défaut estimée est de 8,2{NB}%, soit 3,1{NB}points sous le seuil de 11,3{NB}%{NB}: "
        "le crédit est accordé.")
    assert fmt.threshold_sentence(0.158, 0.113, "refused") == (
        f"La probabilité de défaut estimée est de 15,8{NB}%, soit 4,5{NB}points au-dessus du seuil de 11,3{NB}%{NB}: "
        "le crédit est refusé.")
    assert "exactement au niveau du seuil" in fmt.threshold_sentence(0.113, 0.113, "refused")
    assert fmt.threshold_sentence(0.113, 0.113, "refused").endswith("le crédit est refusé.")
    # the verdict is the API's decision, never recomputed here (one threshold, one rule: the API's)
    assert fmt.threshold_sentence(0.2, 0.1, "accepted").endswith("le crédit est accordé.")


def test_change_sentence_says_whether_the_decision_changes():
    before = {"probability_default": 0.15, "decision": "refused"}
    after = {"probability_default": 0.09, "decision": "accepted"}
    assert fmt.change_sentence(before, after) == (
        f"La probabilité de défaut diminue de 6,0{NB}points (15,0{NB}% → 9,0{NB}%). "
        f"La décision change{NB}: crédit accordé.")
    assert fmt.change_sentence(before, before).endswith(f"La décision reste la même{NB}: crédit refusé.")


def test_text_alternatives_give_the_key_numbers():
    assert fmt.score_alt(0.2, 0.1, "refused") == (
        f"Jauge horizontale de la probabilité de défaut{NB}: 20,0{NB}% pour ce client, seuil de décision à 10,0{NB}% "
        "(trait vertical). Crédit refusé.")
    rows = [{"label": "score externe n° 3", "contribution": 0.4}, {"label": "âge", "contribution": -0.2}]
    assert fmt.contributions_alt(rows) == (
        f"Barres horizontales des 2 facteurs qui pèsent le plus sur le score de ce client. "
        f"Augmentent le risque{NB}: score externe n° 3. Diminuent le risque{NB}: âge.")
    text = fmt.distribution_alt("Âge (ans)", "tous les clients", 4000, 35.2, 0.4, 41)
    assert text == (f"Répartition de «{NB}Âge (ans){NB}» pour tous les clients (4{TH}000 clients). Médiane{NB}: 41. "
                    f"Valeur du client{NB}: 35,2 (losange noir). 40{NB}% des clients du groupe ont une valeur inférieure.")
    assert "3 accordés" in fmt.scatter_alt("Âge", "Revenu", 5, 3, 2, {"x": 30, "y": 1000})


def test_tables_are_html_with_caption_and_header_scopes():
    import pandas as pd
    from html_tables import parse

    frame = pd.DataFrame({"Valeur": ["7,7 %", "<b>"]}, index=pd.Index(["Probabilité", "Seuil"], name="Mesure"))
    (table,) = parse(fmt.html_table(frame, "Données « jauge »"))
    assert table["caption"] == "Données « jauge »"
    assert table["rows"] == [["Mesure", "Valeur"], ["Probabilité", "7,7 %"], ["Seuil", "<b>"]]  # escaped, not markup
    assert table["scopes"] == [["col", "col"], ["row", "td"], ["row", "td"]]
