"""Comparison page: the client against all clients, the similar clients the API defines, or a filtered group."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import api_client, charts, components
from dashboard import formatting as fmt
from dashboard import groups as cmp


def choose_group(variables: dict[str, dict]) -> tuple[str, dict[str, str | None], str | None]:
    """The group to compare with: all, similar, or filters on the main variables."""
    mode = st.radio("Comparer le client avec", [cmp.ALL, cmp.SIMILAR, cmp.GROUP], horizontal=True, key="cmp_mode")
    choices: dict[str, str | None] = {}
    band = None
    if mode == cmp.GROUP:
        slots = st.columns(4)
        for i, name in enumerate(cmp.FILTER_VARIABLES):
            with slots[i % 4]:
                choices[name] = st.selectbox(cmp.label(name), variables.get(name, {}).get("values") or [], index=None,
                                             placeholder="Tous", format_func=fmt.value_text, key=f"cmp_{name}")
        with slots[len(cmp.FILTER_VARIABLES) % 4]:
            band = st.selectbox("Tranche d'âge", list(cmp.AGE_BANDS), index=None, placeholder="Tous âges", key="cmp_age")
    return mode, choices, band


def draw_distribution(client_id: int, profile: dict, mode: str, filters: dict, group: str,
                      variables: dict[str, dict], similar: dict) -> dict | None:
    """Chart 1: the distribution of a chosen variable in the group, with the client's position."""
    names = list(cmp.SIMILARITY_VARIABLES) if mode == cmp.SIMILAR else list(variables)
    variable = st.selectbox("Variable à comparer", names, index=names.index("age_years") if "age_years" in names else 0,
                            format_func=lambda n: cmp.label(n, variables.get(n, {}).get("label")), key=f"cmp_var_{mode}")
    title = cmp.label(variable, variables.get(variable, {}).get("label"))
    value = profile.get(variable)
    client_words = f"Client {client_id} : {fmt.value_text(value)}"
    log = variable in cmp.SKEWED
    if mode == cmp.SIMILAR:
        values = [n.get(variable) for n in similar["neighbours"]]
        bins, count, below = cmp.local_histogram(values, log=log), len(values), cmp.share_below(values, value)
        answer = None
    else:
        answer = api_client.distribution(variable, filters, client_id, log=log)
        count, position = answer["n_clients"], answer.get("client") or {}
        if answer.get("too_small"):
            st.info(f"{cmp.TOO_SMALL} : {answer['size'].replace('fewer than', 'moins de')} clients correspondent à ces "
                    "filtres. Élargissez-les pour voir la répartition.", icon=":material/group_off:")
            return answer
        if count == 0:
            st.warning("Aucun client ne correspond à ces filtres : retirez-en un ou deux.", icon=":material/filter_alt_off:")
            return answer
        if answer["kind"] == "categorical":
            counts = cmp.counts_frame(answer["counts"])
            chart = charts.categorical_distribution_chart(counts, title, fmt.value_text(value), f"Client {client_id}")
            table = counts.rename(columns={"category": title, "count": "Nombre de clients"})[[title, "Nombre de clients"]]
            components.chart_block(chart, fmt.distribution_alt(title, group, count, fmt.value_text(value), None),
                                   table.set_index(title), key="distribution")
            if note := cmp.withheld_note(answer["counts"]):
                st.caption(note)
            return answer
        bins = cmp.histogram_frame(answer["histogram"])
        below = None if position.get("percentile") is None else position["percentile"] / 100
    log_axis = log and (value is None or float(value) > 0)
    chart = charts.numeric_distribution_chart(bins, title, None if value is None else float(value), client_words, log=log_axis)
    table = pd.DataFrame({f"{title} (de)": [fmt.number(v, 1) for v in bins["start"]],
                          f"{title} (à)": [fmt.number(v, 1) for v in bins["end"]],
                          "Nombre de clients": [cmp.count_text(c) for c in bins["count"]]}).set_index(f"{title} (de)")
    alt_text = fmt.distribution_alt(title, group, count, value, below) + (
        " Axe horizontal en échelle logarithmique." if log_axis else "")
    components.chart_block(chart, alt_text, table, key="distribution")
    if answer is not None and (note := cmp.withheld_note(answer["histogram"])):
        st.caption(note)
    return answer


def draw_rates(score: dict, mode: str, filters: dict, similar: dict) -> None:
    """Chart 2: the client's estimated probability next to the observed default rates of the groups."""
    rows = [("Ce client : probabilité estimée", score["probability_default"]),
            ("Clients similaires : taux observé", similar.get("default_rate"))]
    if mode == cmp.GROUP and filters:
        chosen = api_client.distribution("age_years", filters, None)
        rows.append(("Groupe choisi : taux observé", chosen["default_rate"]))
        if chosen.get("too_small"):
            st.caption(f"{cmp.TOO_SMALL} : le taux du groupe choisi n'est pas montré (moins de 20 clients).")
    rows.append(("Tous les clients : taux observé", api_client.distribution("age_years", {}, None)["default_rate"]))
    data = pd.DataFrame([r for r in rows if r[1] is not None], columns=["group", "rate"])
    alt_text = ("Barres horizontales des taux de défaut : " + " ; ".join(f"{g} {fmt.percent(r)}" for g, r in data.values) + ".")
    table = pd.DataFrame({"Groupe": data["group"], "Taux": [fmt.percent(r) for r in data["rate"]]}).set_index("Groupe")
    components.chart_block(charts.rates_chart(data), alt_text, table, key="rates")


def draw_scatter(client_id: int, profile: dict, similar: dict) -> None:
    """Chart 3: two variables for the similar clients, decisions by colour and shape, the client as a diamond."""
    names = list(cmp.SIMILARITY_VARIABLES)
    left, right = st.columns(2)
    x = left.selectbox("Axe horizontal", names, index=0, format_func=cmp.label, key="cmp_x")
    y = right.selectbox("Axe vertical", names, index=1, format_func=cmp.label, key="cmp_y")
    points = cmp.neighbours_frame(similar["neighbours"], x, y)
    client = None
    if profile.get(x) is not None and profile.get(y) is not None:
        client = {"x": float(profile[x]), "y": float(profile[y]), "label": f"Client {client_id}"}
    counts = points["decision"].value_counts()
    alt_text = fmt.scatter_alt(cmp.label(x), cmp.label(y), len(points), int(counts.get(charts.ACCEPTED_WORDS, 0)),
                               int(counts.get(charts.REFUSED_WORDS, 0)), client)
    table = pd.DataFrame({"Client": points["client_id"].astype(str), cmp.label(x): [fmt.value_text(v) for v in points["x"]],
                          cmp.label(y): [fmt.value_text(v) for v in points["y"]], "Décision": points["decision"]}).set_index("Client")
    log_x, log_y = x in cmp.SKEWED, y in cmp.SKEWED
    if log_x or log_y:  # a log axis cannot show 0: such points (none for the amounts) are left out
        points = points[((points["x"] > 0) | (not log_x)) & ((points["y"] > 0) | (not log_y))]
        alt_text += " Axe" + (" horizontal" if log_x and not log_y else " vertical" if log_y and not log_x else "s") + \
            " en échelle logarithmique."
    components.chart_block(charts.scatter_chart(points, cmp.label(x), cmp.label(y), client, log_x, log_y), alt_text, table,
                           key="scatter")


def draw() -> None:
    """The whole page for the chosen client."""
    client_id = components.client_picker("comparaison")
    if client_id is None:
        st.info("Choisissez un client pour le comparer à d'autres clients.", icon=":material/info:")
        return
    try:
        score = api_client.client_score(client_id)
        profile = api_client.client_profile(client_id)
        variables = {v["name"]: v for v in api_client.population_variables()}
        similar = api_client.similar_clients(client_id)
        mode, choices, band = choose_group(variables)
        filters = cmp.filter_params(choices, band) if mode == cmp.GROUP else {}
        group = cmp.group_words(mode, choices, band)
        st.header(f"Client {client_id} comparé à {group}")
        first, second = st.columns(2, gap="large")
        with first:
            draw_distribution(client_id, profile, mode, filters, group, variables, similar)
        with second:
            draw_rates(score, mode, filters, similar)
        st.subheader("Le client parmi ses clients similaires")
        st.write(similar_definition(similar))
        draw_scatter(client_id, profile, similar)
    except api_client.ApiError as error:
        components.show_error(error)


def similar_definition(similar: dict) -> str:
    """How the API chose the similar clients, in French."""
    return (f"Les {similar['k']} clients similaires sont, parmi les clients dont on connaît le remboursement, ceux du même "
            "type de contrat les plus proches par l'âge, le revenu, le montant du crédit, l'annuité, l'ancienneté dans "
            f"l'emploi et le nombre d'enfants. Leur taux de défaut observé : {fmt.percent(similar.get('default_rate'))}.")


components.page_header("Comparaison avec d'autres clients",
                       "Situez le client parmi tous les clients, ses clients similaires ou un groupe que vous choisissez.")
draw()
