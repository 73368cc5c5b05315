"""The pure Altair builders: valid Vega-Lite, French labels, and the accessibility properties each chart promises."""

from __future__ import annotations

import functools
import json
import re

import pandas as pd
import pytest

from dashboard import charts
from dashboard import groups as cmp


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str = "#ffffff") -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _marks(spec: dict) -> list[dict]:
    out = []
    for layer in _layers(spec):
        mark = layer["mark"]
        out.append(mark if isinstance(mark, dict) else {"type": mark})
    return out


CONTRIBUTIONS = pd.DataFrame({"label": ["score externe n° 3", "âge", "montant du crédit demandé"],
                              "contribution": [0.42, -0.18, 0.05], "value_text": ["0,21", "35 ans", "500 000"]})
BINS = pd.DataFrame({"start": [20, 30, 40, 50], "end": [30, 40, 50, 60], "count": [10, 40, 30, 20]})
COUNTS = pd.DataFrame({"category": ["Salarié", "Retraité", "Fonctionnaire"], "count": [60, 30, 10]})
POINTS = pd.DataFrame({"x": [25.0, 40.0, 55.0], "y": [1e5, 2e5, 3e5], "decision": ["Crédit accordé", "Crédit refusé", "Crédit accordé"]})


@functools.cache
def every_chart():
    """One chart of each builder, with the client marked where the builder can (built once)."""
    before, after = {"probability_default": 0.18, "decision": "refused"}, {"probability_default": 0.08, "decision": "accepted"}
    return {
        "score": charts.score_gauge(0.18, 0.11, "refused"),
        "contributions": charts.contributions_chart(CONTRIBUTIONS),
        "numeric": charts.numeric_distribution_chart(BINS, "Âge (ans)", 35.0, "Client 100002 : 35 ans"),
        "categorical": charts.categorical_distribution_chart(COUNTS, "Type de revenu", "Retraité", "Client 100002"),
        "scatter": charts.scatter_chart(POINTS, "Âge (ans)", "Revenu annuel", {"x": 33.0, "y": 150000.0, "label": "Client 100002"}),
        "rates": charts.rates_chart(pd.DataFrame({"group": ["Tous les clients", "Clients similaires"], "rate": [0.08, 0.12]})),
        "importance": charts.importance_chart(pd.DataFrame({"label": ["âge", "score externe n° 3"], "importance": [0.3, 0.5]})),
        "whatif": charts.whatif_chart(before, after, 0.11),
    }


@pytest.mark.parametrize("name", list(every_chart()))
def test_every_builder_gives_a_valid_spec_with_a_french_title(name):
    spec = every_chart()[name].to_dict()  # validates against the Vega-Lite schema
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    title = spec.get("title")
    title = title.get("text") if isinstance(title, dict) else title
    assert isinstance(title, str) and title and not re.search(r"\b(the|of|and)\b", title)


@pytest.mark.parametrize("name", list(every_chart()))
def test_marks_keep_3_to_1_contrast_against_white(name):
    """WCAG 1.4.3 / 1.4.11: every colour written in the chart, and every colour scale, is readable on white."""
    text = json.dumps(every_chart()[name].to_dict())
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", text)}
    assert colours, "the chart names its colours explicitly"
    for colour in colours:
        assert contrast(colour) >= 3.0, f"{colour} has contrast {contrast(colour):.2f}:1 on white"


def test_palette_is_okabe_ito_and_readable():
    assert (charts.ACCEPTED, charts.REFUSED) == ("#0072B2", "#D55E00")
    assert round(contrast(charts.ACCEPTED), 1) == 5.2
    assert round(contrast(charts.REFUSED), 1) == 3.9
    assert contrast(charts.POPULATION) >= 4.5 and contrast(charts.CLIENT) == 21.0


def test_score_gauge_draws_the_threshold_as_a_labelled_line():
    spec = charts.score_gauge(0.18, 0.11, "refused").to_dict()
    marks = [m["type"] for m in _marks(spec)]
    assert marks == ["bar", "text", "rule", "text"]
    rows = next(iter(spec["datasets"].values()))
    assert rows[0]["threshold_text"] == "Seuil 11,0\u00a0%"
    assert rows[0]["probability_text"] == "18,0\u00a0% · Crédit refusé"
    assert rows[0]["decision"] == "Crédit refusé"
    assert spec["layer"][2]["encoding"]["x"]["field"] == "threshold"


def test_decision_labels_start_after_the_threshold_line():
    """The probability's label is never drawn over the threshold line, below or above it."""
    for probability, threshold in ((0.097, 0.11), (0.18, 0.11)):
        spec = charts.score_gauge(probability, threshold, "accepted").to_dict()
        rows = next(iter(spec["datasets"].values()))
        assert rows[0]["label_x"] == max(probability, threshold)
        assert spec["layer"][1]["encoding"]["x"]["field"] == "label_x" and spec["layer"][1]["mark"]["dx"] > 0
    whatif = charts.whatif_chart({"probability_default": 0.18, "decision": "refused"},
                                 {"probability_default": 0.08, "decision": "accepted"}, 0.11).to_dict()
    assert [r["label_x"] for r in next(iter(whatif["datasets"].values()))] == [0.18, 0.11]
    assert whatif["layer"][1]["encoding"]["x"]["field"] == "label_x"


def test_skewed_amounts_use_a_log_axis_with_the_client_on_it():
    spec = charts.scatter_chart(POINTS, "Âge (ans)", "Revenu annuel", {"x": 33.0, "y": 150000.0, "label": "Client 100002"},
                                log_y=True).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["scale"] == {"type": "log"}
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Revenu annuel (échelle logarithmique)"
    assert spec["layer"][0]["encoding"]["x"]["scale"] == {"zero": False}
    assert spec["layer"][1]["mark"]["shape"] == "diamond"  # the client stays marked on the log axis
    numeric = charts.numeric_distribution_chart(BINS, "Revenu annuel", 35.0, "Client", log=True).to_dict()
    assert numeric["layer"][0]["encoding"]["x"]["scale"] == {"type": "log"}
    bins = cmp.local_histogram([1e5, 1e6, 1e7, 1.17e8, None, 0.0], bins=3, log=True)
    assert list(bins["count"]) == [2, 1, 1] and bins["start"].iloc[0] == 1e5 and bins["end"].iloc[-1] == 1.17e8


def test_contributions_point_right_for_risk_and_carry_signed_labels():
    spec = charts.contributions_chart(CONTRIBUTIONS).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [(r["direction"], r["contribution_text"]) for r in rows] == [
        ("Augmente le risque", "+0,42"), ("Diminue le risque", "−0,18"), ("Augmente le risque", "+0,05")]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["score externe n° 3", "montant du crédit demandé", "âge"]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == [charts.REFUSED, charts.ACCEPTED]


def test_scatter_shows_decisions_by_shape_and_colour_and_labels_the_client():
    """WCAG 1.4.1: decisions differ by shape too; the client is a large labelled diamond."""
    spec = charts.scatter_chart(POINTS, "Âge (ans)", "Revenu annuel", {"x": 33.0, "y": 150000.0, "label": "Client 100002"}).to_dict()
    dots, diamond, halo, label = spec["layer"]
    assert halo["mark"]["stroke"] == "white" and halo["encoding"]["text"]["field"] == "label"
    assert dots["encoding"]["shape"]["field"] == "decision" == dots["encoding"]["color"]["field"]
    assert dots["encoding"]["shape"]["scale"]["range"] == ["circle", "triangle-up"]  # only the decisions present
    assert dots["encoding"]["opacity"]["condition"]["value"] == 1.0  # no transparency that would fade the contrast
    assert diamond["mark"]["shape"] == "diamond" and diamond["mark"]["size"] > 5 * dots["mark"]["size"]
    assert label["mark"]["type"] == "text" and label["encoding"]["text"]["field"] == "label"
    params = [p for layer in spec["layer"] for p in layer.get("params", [])] + spec.get("params", [])
    assert any(p.get("bind") == "legend" for p in params) and any(p.get("bind") == "scales" for p in params)


def test_scatter_marks_points_without_decision_by_a_third_shape():
    points = POINTS.assign(decision=["Crédit accordé", "Décision non fournie", "Crédit accordé"])
    dots = charts.scatter_chart(points, "x", "y", None).to_dict()["layer"][0]
    assert dots["encoding"]["shape"]["scale"] == {"domain": ["Crédit accordé", "Décision non fournie"],
                                                  "range": ["circle", "square"]}


def test_distributions_mark_the_client_with_a_shape_and_words():
    numeric = charts.numeric_distribution_chart(BINS, "Âge (ans)", 35.0, "Client 100002 : 35 ans").to_dict()
    assert [m["type"] for m in _marks(numeric)] == ["bar", "rule", "point", "text", "text"]
    assert numeric["layer"][2]["mark"]["shape"] == "diamond"
    categorical = charts.categorical_distribution_chart(COUNTS, "Type de revenu", "Retraité", "Client 100002").to_dict()
    rows = next(iter(categorical["datasets"].values()))
    assert [r["mark"] for r in rows] == ["", "◆ Client 100002", ""]
    assert [p["name"] for p in categorical["params"]] == ["survol"]  # hover highlight


def test_a_distribution_without_client_value_has_no_client_mark():
    spec = charts.numeric_distribution_chart(BINS, "Âge (ans)", None, "").to_dict()
    assert _marks(spec) == [{"type": "bar", "color": charts.POPULATION, "stroke": "white", "strokeWidth": 0.5}]


def test_whatif_chart_writes_each_decision_next_to_its_bar():
    spec = charts.whatif_chart({"probability_default": 0.18, "decision": "refused"},
                               {"probability_default": 0.08, "decision": "accepted"}, 0.11).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["text"] for r in rows] == ["18,0\u00a0% · Crédit refusé", "8,0\u00a0% · Crédit accordé"]


@pytest.mark.parametrize("name", list(every_chart()))
def test_axis_legend_and_title_text_is_dark(name):
    """WCAG 1.4.3: chart text in near-black (Streamlit's theme would grey axis labels to about 3.5:1)."""
    config = every_chart()[name].to_dict()["config"]
    assert config["axis"]["labelColor"] == config["axis"]["titleColor"] == charts.TEXT
    assert config["legend"]["labelColor"] == config["title"]["color"] == charts.TEXT
    assert contrast(charts.TEXT) >= 15


def test_quantitative_axes_speak_french():
    spec = charts.scatter_chart(POINTS, "Âge (ans)", "Revenu annuel", None).to_dict()
    y_axis = spec["layer"][0]["encoding"]["y"]["axis"]
    assert "regexp(',', 'g')" in y_axis["labelExpr"] and "'.', ','" in y_axis["labelExpr"]
    gauge = charts.score_gauge(0.2, 0.1, "refused").to_dict()
    assert gauge["layer"][0]["encoding"]["x"]["axis"]["labelExpr"].endswith("+ '\u00a0%'")
