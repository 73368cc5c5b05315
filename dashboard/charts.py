"""Pure Altair builders: data in, chart out, no Streamlit, so tests can call them and read their specs.

Accessibility built into every chart:
- Okabe-Ito colours that keep at least 3:1 contrast against the white background (WCAG 1.4.3 for marks):
  blue for accepted, vermillion for refused, dark grey for the population; text in black.
- Never colour alone (WCAG 1.4.1): decisions also differ by shape (circle / triangle) and carry words in the
  legend and labels; the client is a large black diamond with a text label; contributions point right (raise the
  risk) or left (lower it) and carry a signed label.
- Numbers and labels in French, written into the data (`*_text` columns) so the charts do not depend on a locale.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from dashboard import formatting as fmt

ACCEPTED = "#0072B2"  # Okabe-Ito blue, 5.2:1 on white
REFUSED = "#D55E00"  # Okabe-Ito vermillion, 3.9:1 on white
POPULATION = "#595959"  # dark grey, 7.0:1 on white
CLIENT = "#000000"
PALETTE = (ACCEPTED, REFUSED, POPULATION, CLIENT)

ACCEPTED_WORDS, REFUSED_WORDS = fmt.DECISIONS["accepted"][0], fmt.DECISIONS["refused"][0]
RAISES, LOWERS = "Augmente le risque", "Diminue le risque"
UNKNOWN_WORDS = "Décision non fournie"
DECISION_COLOR = alt.Scale(domain=[ACCEPTED_WORDS, REFUSED_WORDS], range=[ACCEPTED, REFUSED])
POINT_COLOR = alt.Scale(domain=[ACCEPTED_WORDS, REFUSED_WORDS, UNKNOWN_WORDS], range=[ACCEPTED, REFUSED, POPULATION])
POINT_SHAPE = alt.Scale(domain=[ACCEPTED_WORDS, REFUSED_WORDS, UNKNOWN_WORDS], range=["circle", "triangle-up", "square"])
DIRECTION_COLOR = alt.Scale(domain=[RAISES, LOWERS], range=[REFUSED, ACCEPTED])
# Quantitative axis labels written the French way (thin space between thousands, decimal comma), whatever the locale.
FRENCH_NUMBER = "replace(replace(format(datum.value, ',.6~f'), regexp(',', 'g'), '\u202f'), '.', ',')"
PERCENT_AXIS = alt.Axis(labelExpr="replace(format(datum.value * 100, '.0f'), '.', ',') + '\u00a0%'", labelFontSize=13,
                        titleFontSize=14)
NUMBER_AXIS = alt.Axis(labelExpr=FRENCH_NUMBER, labelFontSize=13, titleFontSize=13)
FONT = 13
LABEL_LIMIT = 230  # pixels of a category label before "…" (full names in the tooltip and the data table): room at 200 %
LOG_NOTE = " (échelle logarithmique)"
TEXT = "#1F2128"  # axis, legend and title text: 16:1 on white (Streamlit's own theme greys them to about 3.5:1)


def readable(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Dark text for axes, legends and titles, so that they keep 4.5:1 contrast (WCAG 1.4.3)."""
    return (chart.configure_axis(labelColor=TEXT, titleColor=TEXT, labelFontSize=FONT, titleFontSize=FONT)
            .configure_legend(labelColor=TEXT, titleColor=TEXT, labelFontSize=FONT, titleFontSize=FONT)
            .configure_title(color=TEXT, fontSize=15))


def _upper_bound(*probabilities: float) -> float:
    """A readable end for a probability axis, leaving room for the labels: at least 30 %, at most 100 %."""
    return min(1.0, max(0.3, math.ceil(max(probabilities) * 17) / 10))


def _halo_label(base: alt.Chart, dx: int) -> tuple[alt.Chart, alt.Chart]:
    """The client's label in bold black on a white outline, readable over bars and points."""
    text = {"align": "left", "dx": dx, "fontSize": FONT, "fontWeight": "bold"}
    encoding = {"x": "x:Q", "y": "y:Q", "text": "label:N"}
    return (base.mark_text(**text, stroke="white", strokeWidth=4, strokeJoin="round").encode(**encoding),
            base.mark_text(**text, color=CLIENT).encode(**encoding))


def score_gauge(probability: float, threshold: float, decision: str) -> alt.LayerChart:
    """The client's probability of default as a bar labelled with the decision, the threshold as a labelled line."""
    words = fmt.decision_words(decision)[0]
    data = pd.DataFrame([{"who": "Ce client", "probability": probability, "decision": words, "threshold": threshold,
                          "label_x": max(probability, threshold),  # the label starts after the line: never over it
                          "probability_text": f"{fmt.percent(probability)} · {words}",
                          "threshold_text": f"Seuil {fmt.percent(threshold)}"}])
    x = alt.X("probability:Q", title="Probabilité de défaut", scale=alt.Scale(domain=[0, _upper_bound(probability, threshold)]),
              axis=PERCENT_AXIS)
    base = alt.Chart(data)
    return readable(alt.layer(
        base.mark_bar(size=30).encode(
            x=x, y=alt.Y("who:N", title=None, axis=alt.Axis(labelFontSize=FONT)),
            color=alt.Color("decision:N", scale=DECISION_COLOR, legend=None),
            tooltip=[alt.Tooltip("probability_text:N", title="Probabilité"), alt.Tooltip("threshold_text:N", title="Seuil")]),
        base.mark_text(align="left", dx=8, fontSize=14, fontWeight="bold", color=CLIENT).encode(
            x="label_x:Q", y="who:N", text="probability_text:N"),
        base.mark_rule(color=CLIENT, strokeWidth=3, strokeDash=[6, 3]).encode(x="threshold:Q"),
        base.mark_text(align="center", baseline="bottom", fontSize=FONT, color=CLIENT).encode(
            x="threshold:Q", y=alt.value(-4), text="threshold_text:N"),
    ).properties(height=alt.Step(56), title=alt.Title("Probabilité de défaut et seuil", offset=24)))


def contributions_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """What raised and what lowered the client's risk: one horizontal bar per factor, right = raises.

    Args:
        rows: columns `label` (French name), `contribution` (signed, in the model's units) and `value_text`.
    """
    data = rows.assign(
        direction=[RAISES if c > 0 else LOWERS for c in rows["contribution"]],
        contribution_text=[("+" if c > 0 else "−") + fmt.number(abs(c), 2) for c in rows["contribution"]],
    )
    order = list(data.sort_values("contribution", ascending=False)["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT, labelFontSize=FONT))
    base = alt.Chart(data)
    bars = base.mark_bar().encode(
        x=alt.X("contribution:Q", title="← diminue | augmente →",
                axis=NUMBER_AXIS, scale=alt.Scale(padding=36)),
        y=y,
        color=alt.Color("direction:N", scale=DIRECTION_COLOR,
                        legend=alt.Legend(title="Effet sur le risque", orient="top", direction="vertical", labelFontSize=FONT)),
        tooltip=[alt.Tooltip("label:N", title="Facteur"), alt.Tooltip("value_text:N", title="Valeur du client"),
                 alt.Tooltip("direction:N", title="Effet"), alt.Tooltip("contribution_text:N", title="Contribution")])
    right = base.transform_filter("datum.contribution > 0").mark_text(align="left", dx=4, fontSize=12, color=CLIENT)
    left = base.transform_filter("datum.contribution <= 0").mark_text(align="right", dx=-4, fontSize=12, color=CLIENT)
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=CLIENT).encode(x="zero:Q")
    text = {"x": "contribution:Q", "y": y, "text": "contribution_text:N"}
    return readable(alt.layer(bars, zero, right.encode(**text), left.encode(**text)).properties(
        height=alt.Step(26), title="Ce qui pèse sur le score du client"))


def numeric_distribution_chart(bins: pd.DataFrame, variable_label: str, client_value: float | None,
                               client_label: str, log: bool = False) -> alt.LayerChart:
    """Histogram of a numeric variable in a group, the client as a labelled black diamond on a vertical line.

    Args:
        bins: columns `start`, `end`, `count` (one row per bin).
        log: a logarithmic axis (skewed amounts, bins of equal width in log): the bulk of the clients stays
            readable next to a few very large values, and the client is on the axis whatever their value.
    """
    data = bins.assign(range_text=[f"{fmt.number(s, 1)} – {fmt.number(e, 1)}" for s, e in zip(bins["start"], bins["end"], strict=True)],
                       count_text=[fmt.number(c) for c in bins["count"]])
    hover = alt.selection_point(on="pointerover", empty=False, name="survol")
    bars = alt.Chart(data).mark_bar(color=POPULATION, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("start:Q", title=variable_label + (LOG_NOTE if log else ""), bin="binned", axis=NUMBER_AXIS,
                scale=alt.Scale(type="log") if log else alt.Undefined),
        x2="end:Q",
        y=alt.Y("count:Q", title="Nombre de clients", axis=NUMBER_AXIS),
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.8)),
        tooltip=[alt.Tooltip("range_text:N", title=variable_label), alt.Tooltip("count_text:N", title="Clients")],
    ).add_params(hover)
    if client_value is None:
        return readable(bars.properties(height=280, title=f"Répartition : {variable_label}"))
    top = float(bins["count"].max()) if len(bins) else 1.0
    mark = pd.DataFrame([{"x": client_value, "y": top * 1.08, "label": client_label}])
    client = alt.Chart(mark)
    return readable(alt.layer(
        bars,
        client.mark_rule(color=CLIENT, strokeWidth=2).encode(x="x:Q"),
        client.mark_point(shape="diamond", size=260, filled=True, color=CLIENT, stroke="white").encode(x="x:Q", y="y:Q"),
        *_halo_label(client, dx=12),
    ).properties(height=280, title=f"Répartition : {variable_label}"))


def categorical_distribution_chart(counts: pd.DataFrame, variable_label: str, client_category: str | None,
                                   client_label: str) -> alt.LayerChart:
    """Horizontal bars of a categorical variable in a group; the client's category outlined, marked and labelled.

    Args:
        counts: columns `category` (shown text) and `count`.
    """
    data = counts.assign(is_client=counts["category"] == client_category, count_text=[fmt.number(c) for c in counts["count"]],
                         mark=[f"◆ {client_label}" if c == client_category else "" for c in counts["category"]])
    hover = alt.selection_point(on="pointerover", empty=False, name="survol")
    y = alt.Y("category:N", title=variable_label, sort="-x", axis=alt.Axis(labelLimit=LABEL_LIMIT, labelFontSize=FONT, titleFontSize=FONT))
    base = alt.Chart(data)
    bars = base.mark_bar(color=POPULATION).encode(
        x=alt.X("count:Q", title="Nombre de clients", axis=NUMBER_AXIS),
        y=y,
        stroke=alt.condition("datum.is_client", alt.value(CLIENT), alt.value(None)),
        strokeWidth=alt.condition("datum.is_client", alt.value(3), alt.value(0)),
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.8)),
        tooltip=[alt.Tooltip("category:N", title=variable_label), alt.Tooltip("count_text:N", title="Clients")],
    ).add_params(hover)
    labels = base.mark_text(align="left", dx=6, fontSize=FONT, fontWeight="bold", color=CLIENT).encode(
        x="count:Q", y=y, text="mark:N")
    return readable(alt.layer(bars, labels).properties(height=alt.Step(28), title=f"Répartition : {variable_label}"))


def scatter_chart(points: pd.DataFrame, x_label: str, y_label: str, client: dict | None,
                  log_x: bool = False, log_y: bool = False) -> alt.LayerChart:
    """Two variables for a group of clients: decisions by colour and shape; the client as a labelled diamond.

    Zoom and pan with the mouse; a click on the legend keeps one decision.

    Args:
        points: columns `x`, `y` and `decision` (words: `Crédit accordé` / `Crédit refusé`).
        client: `x`, `y` and `label` of the client, or None.
        log_x, log_y: logarithmic axes (skewed amounts: a 100-million income does not squeeze the others).
    """
    legend = alt.selection_point(fields=["decision"], bind="legend", name="decision_choisie")
    present = [i for i, words in enumerate(POINT_COLOR.domain) if words in set(points["decision"])] or [0, 1]
    color = alt.Scale(domain=[POINT_COLOR.domain[i] for i in present], range=[POINT_COLOR.range[i] for i in present])
    shape = alt.Scale(domain=[POINT_SHAPE.domain[i] for i in present], range=[POINT_SHAPE.range[i] for i in present])
    dots = alt.Chart(points.assign(x_text=[fmt.value_text(v) for v in points["x"]],
                                   y_text=[fmt.value_text(v) for v in points["y"]])).mark_point(filled=True, size=70).encode(
        x=alt.X("x:Q", title=x_label + (LOG_NOTE if log_x else ""), axis=NUMBER_AXIS,
                scale=alt.Scale(type="log") if log_x else alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=y_label + (LOG_NOTE if log_y else ""), axis=NUMBER_AXIS,
                scale=alt.Scale(type="log") if log_y else alt.Scale(zero=False)),
        color=alt.Color("decision:N", scale=color, legend=alt.Legend(title="Décision (cliquer pour filtrer)",
                                                                     orient="top", labelFontSize=FONT)),
        shape=alt.Shape("decision:N", scale=shape, legend=None),
        opacity=alt.condition(legend, alt.value(1.0), alt.value(0.08)),  # opaque: marks keep their 3:1 contrast
        tooltip=[alt.Tooltip("x_text:N", title=x_label), alt.Tooltip("y_text:N", title=y_label),
                 alt.Tooltip("decision:N", title="Décision")],
    ).add_params(legend).interactive()
    if not client:
        return readable(alt.layer(dots).properties(height=420, title=f"{y_label} selon {x_label}"))
    mark = alt.Chart(pd.DataFrame([client]))
    return readable(alt.layer(
        dots,
        mark.mark_point(shape="diamond", size=420, filled=True, color=CLIENT, stroke="white", strokeWidth=1.5).encode(x="x:Q", y="y:Q"),
        *_halo_label(mark, dx=14),
    ).properties(height=420, title=f"{y_label} selon {x_label}"))


def rates_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """Default rates (or the client's probability) of a few groups as labelled horizontal bars.

    Args:
        rows: columns `group` (words) and `rate` (0 to 1).
    """
    data = rows.assign(rate_text=[fmt.percent(r) for r in rows["rate"]])
    base = alt.Chart(data)
    y = alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=LABEL_LIMIT, labelFontSize=FONT))
    return readable(alt.layer(
        base.mark_bar(color=POPULATION).encode(
            x=alt.X("rate:Q", title="Taux de défaut", axis=PERCENT_AXIS, scale=alt.Scale(domain=[0, _upper_bound(*data["rate"])])),
            y=y, tooltip=[alt.Tooltip("group:N", title="Groupe"), alt.Tooltip("rate_text:N", title="Taux")]),
        base.mark_text(align="left", dx=6, fontSize=FONT, color=CLIENT).encode(x="rate:Q", y=y, text="rate_text:N"),
    ).properties(height=alt.Step(34), title="Taux de défaut comparés"))


def importance_chart(rows: pd.DataFrame) -> alt.Chart:
    """Global importance of the model's variables (mean absolute contribution), largest first.

    Args:
        rows: columns `label` (French name) and `importance`.
    """
    return readable(alt.Chart(rows.assign(importance_text=[fmt.number(v, 3) for v in rows["importance"]])).mark_bar(color=ACCEPTED).encode(
        x=alt.X("importance:Q", title="Importance moyenne (contribution absolue)", axis=NUMBER_AXIS),
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT, labelFontSize=FONT)),
        tooltip=[alt.Tooltip("label:N", title="Variable"), alt.Tooltip("importance_text:N", title="Importance")],
    ).properties(height=alt.Step(24), title="Variables les plus utilisées par le modèle"))


def whatif_chart(before: dict, after: dict, threshold: float) -> alt.LayerChart:
    """The probability before and after the changes, each bar labelled with its decision, and the threshold line."""
    rows = [{"scenario": name, "probability": s["probability_default"], "decision": fmt.decision_words(s["decision"])[0],
             "label_x": max(s["probability_default"], threshold),  # labels start after the threshold line
             "text": f"{fmt.percent(s['probability_default'])} · {fmt.decision_words(s['decision'])[0]}"}
            for name, s in (("Avant", before), ("Après", after))]
    data = pd.DataFrame(rows).assign(threshold=threshold, threshold_text=f"Seuil {fmt.percent(threshold)}")
    base = alt.Chart(data)
    y = alt.Y("scenario:N", title=None, sort=["Avant", "Après"], axis=alt.Axis(labelFontSize=FONT))
    x = alt.X("probability:Q", title="Probabilité de défaut", axis=PERCENT_AXIS,
              scale=alt.Scale(domain=[0, _upper_bound(before["probability_default"], after["probability_default"], threshold)]))
    return readable(alt.layer(
        base.mark_bar(size=30).encode(x=x, y=y, color=alt.Color("decision:N", scale=DECISION_COLOR, legend=None),
                                      tooltip=[alt.Tooltip("scenario:N", title="Situation"), alt.Tooltip("text:N", title="Score")]),
        base.mark_text(align="left", dx=8, fontSize=FONT, fontWeight="bold", color=CLIENT).encode(x="label_x:Q", y=y, text="text:N"),
        base.mark_rule(color=CLIENT, strokeWidth=3, strokeDash=[6, 3]).encode(x="threshold:Q"),
    ).properties(height=alt.Step(48), title=f"Avant et après les modifications (seuil {fmt.percent(threshold)}, trait pointillé)"))
