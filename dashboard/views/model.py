"""The model page: how to read the score, the threshold and the business cost in plain words; global importance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import api_client, charts, components
from dashboard import formatting as fmt

METRICS = {  # API name -> (French label, plain explanation, is a rate shown as %)
    "holdout_roc_auc": ("AUC", "capacité à classer un client qui fera défaut au-dessus d'un client qui remboursera "
                                "(0,5 = hasard, 1 = parfait)", False),
    "holdout_recall": ("Défauts détectés", "part des clients qui ont fait défaut que le modèle aurait refusés", True),
    "holdout_precision": ("Précision des refus", "part des clients refusés qui ont réellement fait défaut", True),
    "holdout_approval_rate": ("Taux d'acceptation", "part des demandes accordées au seuil choisi", True),
    "holdout_false_refusal_rate": ("Bons clients refusés", "part des clients qui auraient remboursé mais sont refusés", True),
    "holdout_cost_per_applicant": ("Coût moyen par demande", "coût métier moyen d'une décision (un bon client refusé coûte 1)",
                                   False),
}


def metrics_table(metrics: dict) -> pd.DataFrame:
    """The headline metrics measured on clients kept aside during training, in French."""
    rows = [(label, fmt.percent(metrics[name]) if is_rate else fmt.number(metrics[name], 3), meaning)
            for name, (label, meaning, is_rate) in METRICS.items() if metrics.get(name) is not None]
    return pd.DataFrame(rows, columns=["Mesure", "Valeur", "Ce que cela veut dire"]).set_index("Mesure")


def explain_threshold(info: dict) -> None:
    """The reading guide: probability, threshold, business cost."""
    threshold, ratio = info["threshold"], info.get("cost_ratio") or 10
    st.subheader("Comment lire le score")
    st.markdown(
        f"- Le modèle estime pour chaque demande une **probabilité de défaut** : la chance que le client ne "
        f"rembourse pas son crédit.\n"
        f"- La décision compare cette probabilité à un **seuil de {fmt.percent(threshold)}** : en dessous, le "
        f"crédit est **accordé** ; au niveau du seuil ou au-dessus, il est **refusé**.\n"
        f"- Le seuil n'est pas de 50 % car les deux erreurs n'ont pas le même coût : accorder un crédit à un client "
        f"qui ne rembourse pas coûte **{fmt.number(ratio)} fois plus** que refuser un client qui aurait remboursé. "
        f"Le seuil est choisi pour que le coût total des erreurs soit le plus faible possible.\n"
        f"- L'écart au seuil, en points, dit si la décision est nette ou serrée : un écart de moins de 2 points "
        f"mérite un examen attentif du dossier.\n"
        f"- Les raisons affichées pour un client sont les informations qui ont le plus augmenté ou diminué "
        f"**sa** probabilité par rapport à un client moyen.")


def draw() -> None:
    """The whole page."""
    try:
        info = api_client.model_info()
    except api_client.ApiError as error:
        components.show_error(error)
        return
    explain_threshold(info)
    st.subheader("Qualité mesurée du modèle")
    st.write("Mesurée sur des clients mis de côté pendant l'entraînement (le modèle ne les avait jamais vus).")
    components.data_table(metrics_table(info.get("metrics") or {}), "Mesures de qualité du modèle")
    importance = pd.DataFrame([{"label": r["label"], "importance": r["mean_abs_contribution"]}
                               for r in info.get("global_importance") or []], columns=["label", "importance"])
    if not importance.empty:
        st.subheader("Les informations qui comptent le plus, tous clients confondus")
        table = pd.DataFrame({"Variable": importance["label"],
                              "Importance moyenne": [fmt.number(v, 3) for v in importance["importance"]]}).set_index("Variable")
        components.chart_block(charts.importance_chart(importance), fmt.importance_alt(importance.to_dict("records")),
                               table, key="importance")
    st.write(f"Modèle {info.get('name', '')} version {info.get('version', '?')}, données de la version "
               f"{info.get('feature_version', '?')}, {fmt.number(info.get('n_features'))} variables.")


components.page_header("Le modèle : comment lire le score",
                       "Ce que signifient la probabilité de défaut, le seuil de décision et le coût métier.")
draw()
