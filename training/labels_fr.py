"""Short French labels for feature names, for the reasons shown to clients and advisers.

Raw application columns have hand-written labels (their English descriptions are in
warehouse/spec/columns.json); aggregates built by dbt (`bureau_count_active_credits`, ...) get a label
composed from their words. Names are matched case-insensitively.
"""

from __future__ import annotations

import re

APPLICATION = {
    "name_contract_type": "type de contrat", "code_gender": "genre", "flag_own_car": "possède une voiture",
    "flag_own_realty": "possède un logement", "cnt_children": "nombre d'enfants",
    "amt_income_total": "revenu déclaré", "amt_credit": "montant du crédit demandé",
    "amt_annuity": "montant de l'annuité", "amt_goods_price": "prix du bien financé",
    "name_type_suite": "accompagnant lors de la demande", "name_income_type": "type de revenu",
    "name_education_type": "niveau d'études", "name_family_status": "situation familiale",
    "name_housing_type": "type de logement", "region_population_relative": "densité de population de la région",
    "days_birth": "âge", "days_employed": "ancienneté dans l'emploi",
    "days_registration": "ancienneté de l'enregistrement administratif",
    "days_id_publish": "ancienneté de la pièce d'identité", "own_car_age": "âge de la voiture",
    "flag_mobil": "téléphone mobile fourni", "flag_emp_phone": "téléphone professionnel fourni",
    "flag_work_phone": "téléphone du travail fourni", "flag_cont_mobile": "mobile joignable",
    "flag_phone": "téléphone fixe fourni", "flag_email": "adresse e-mail fournie",
    "occupation_type": "profession", "cnt_fam_members": "taille du foyer",
    "region_rating_client": "note de la région de résidence",
    "region_rating_client_w_city": "note de la région et de la ville de résidence",
    "weekday_appr_process_start": "jour de la demande", "hour_appr_process_start": "heure de la demande",
    "reg_region_not_live_region": "région déclarée différente de la région de résidence",
    "reg_region_not_work_region": "région déclarée différente de la région de travail",
    "live_region_not_work_region": "région de résidence différente de la région de travail",
    "reg_city_not_live_city": "ville déclarée différente de la ville de résidence",
    "reg_city_not_work_city": "ville déclarée différente de la ville de travail",
    "live_city_not_work_city": "ville de résidence différente de la ville de travail",
    "organization_type": "secteur de l'employeur",
    "ext_source_1": "score externe n° 1", "ext_source_2": "score externe n° 2", "ext_source_3": "score externe n° 3",
    "obs_30_cnt_social_circle": "proches observés avec 30 jours de retard",
    "def_30_cnt_social_circle": "proches en défaut à 30 jours",
    "obs_60_cnt_social_circle": "proches observés avec 60 jours de retard",
    "def_60_cnt_social_circle": "proches en défaut à 60 jours",
    "days_last_phone_change": "ancienneté du numéro de téléphone",
    "fondkapremont_mode": "logement : fonds de rénovation", "housetype_mode": "logement : type de bâtiment",
    "totalarea_mode": "logement : surface totale", "wallsmaterial_mode": "logement : matériau des murs",
    "emergencystate_mode": "logement : état d'urgence du bâtiment",
}
HOUSING = {
    "apartments": "surface des appartements", "basementarea": "surface du sous-sol",
    "years_beginexpluatation": "début d'exploitation du bâtiment", "years_build": "âge du bâtiment",
    "commonarea": "surface des parties communes", "elevators": "ascenseurs", "entrances": "entrées",
    "floorsmax": "étages (maximum)", "floorsmin": "étages (minimum)", "landarea": "surface du terrain",
    "livingapartments": "appartements habitables", "livingarea": "surface habitable",
    "nonlivingapartments": "appartements non habitables", "nonlivingarea": "surface non habitable",
}
HOUSING_STAT = {"avg": "moyenne", "mode": "mode", "medi": "médiane"}
PERIODS = {"hour": "dernière heure", "day": "dernier jour", "week": "dernière semaine", "mon": "dernier mois",
           "qrt": "dernier trimestre", "year": "dernière année"}
SOURCES = [  # longest first
    ("previous_applications", "demandes précédentes"), ("previous_application", "demandes précédentes"),
    ("bureau_balance", "historique mensuel au bureau de crédit"), ("bureau", "crédits au bureau de crédit"),
    ("installments", "échéances passées"), ("pos_cash", "crédits point de vente"),
    ("credit_card", "cartes de crédit"), ("prev", "demandes précédentes"), ("pos", "crédits point de vente"),
    ("cc", "cartes de crédit"), ("ext_source", "scores externes"),
]
PHRASES = {  # multi-word first, then single words; unknown words are kept as they are
    "days_late": "jours de retard", "days_early": "jours d'avance", "days_past_due": "jours d'impayé",
    "active_credits": "crédits actifs", "closed_credits": "crédits clôturés", "last_12_months": "sur 12 mois",
    "12m": "sur 12 mois", "to_income_ratio": "rapporté au revenu", "to_credit_ratio": "rapporté au crédit",
    "to_age_ratio": "rapporté à l'âge", "to_annuity_ratio": "rapporté à l'annuité",
    "utilization_ratio": "taux d'utilisation", "paid_to_owed": "payé / dû", "to_income": "rapporté au revenu",
    "to_credit": "rapporté au crédit", "per_family_member": "par membre du foyer", "amount": "montant",
    "count": "nombre de", "mean": "moyenne de", "avg": "moyenne de", "max": "maximum de",
    "min": "minimum de", "sum": "total de", "std": "dispersion de", "share": "part de", "ratio": "ratio", "rate": "taux", "last": "dernier",
    "first": "premier", "total": "total", "credits": "crédits", "credit": "crédit", "active": "actifs",
    "closed": "clôturés", "approved": "acceptées", "refused": "refusées", "debt": "dette",
    "overdue": "impayés", "utilization": "utilisation", "balance": "solde", "limit": "plafond",
    "drawings": "retraits", "payment": "paiement", "payments": "paiements", "underpaid": "sous-payées",
    "late": "en retard", "days": "jours", "since": "depuis", "income": "revenu", "annuity": "annuité",
    "employed": "emploi", "age": "âge", "years": "années", "document": "documents", "documents": "documents",
    "product": "produit", "items": "éléments", "applications": "demandes", "asked": "demandé",
    "granted": "accordé", "of": "", "to": "/", "per": "par", "and": "et", "the": "", "in": "",
}


def _compose(words: list[str]) -> str:
    out, i = [], 0
    while i < len(words):
        for size in (3, 2, 1):
            key = "_".join(words[i:i + size])
            if len(words[i:i + size]) == size and key in PHRASES:
                if PHRASES[key]:
                    out.append(PHRASES[key])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    text = re.sub(r" de$", "", " ".join(out))
    return re.sub(r"\bde ([aeiouyéèâ])", r"d'\1", text)


def french_label(feature: str) -> str:
    """A short French label for a feature name (raw Home Credit column or dbt aggregate)."""
    name = feature.lower()
    if name in APPLICATION:
        return APPLICATION[name]
    if m := re.fullmatch(r"flag_document_(\d+)", name):
        return f"document n° {m.group(1)} fourni"
    if m := re.fullmatch(r"amt_req_credit_bureau_(\w+)", name):
        return f"demandes au bureau de crédit ({PERIODS.get(m.group(1), m.group(1))})"
    if (m := re.fullmatch(r"(\w+)_(avg|mode|medi)", name)) and m.group(1) in HOUSING:
        return f"logement : {HOUSING[m.group(1)]} ({HOUSING_STAT[m.group(2)]})"
    for prefix, label in SOURCES:
        if name == prefix or name.startswith(prefix + "_"):
            rest = _compose([w for w in name[len(prefix):].split("_") if w])
            return f"{label} : {rest}" if rest else label
    return _compose(name.split("_"))
