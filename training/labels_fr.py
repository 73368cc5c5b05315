"""Short French labels for feature names, for the reasons shown to clients and advisers.

Raw application columns have hand-written labels (their English descriptions are in
common/contracts/columns.json); aggregates built by dbt (`bureau_count_active_credits`, ...) get a label
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
    ("previous", "demandes précédentes"), ("bureau_balance", "historique mensuel au bureau de crédit"),
    ("bureau", "crédits au bureau de crédit"), ("installments", "échéances passées"),
    ("pos_cash", "crédits point de vente"), ("credit_card", "cartes de crédit"), ("prev", "demandes précédentes"),
    ("pos", "crédits point de vente"), ("cc", "cartes de crédit"), ("ext_source", "scores externes"),
]
PREFIX_STATS = {"count": "nombre de", "share": "part de"}
SUFFIX_STATS = {"mean": "moyenne", "avg": "moyenne", "max": "maximum", "min": "minimum", "sum": "total",
                "std": "dispersion"}
QUALIFIERS = {"approved": "acceptées", "refused": "refusées", "active": "actifs", "closed": "clôturés"}
PHRASES = {  # English words of the dbt names -> French; longest match first; unknown words are kept
    "approved_applications": "demandes acceptées", "refused_applications": "demandes refusées",
    "canceled_applications": "demandes annulées", "unused_offers": "offres non utilisées",
    "cash_loans": "prêts d'espèces", "consumer_loans": "crédits à la consommation",
    "revolving_loans": "crédits renouvelables", "cross_sell_applications": "demandes de vente croisée",
    "walk_in_applications": "demandes spontanées", "as_new_client": "en tant que nouveau client",
    "high_yield_applications": "demandes à taux élevé", "low_yield_applications": "demandes à taux bas",
    "insured_applications": "demandes assurées", "still_running": "encore en cours",
    "refusals_for_reason": "refus pour motif", "amount_applied": "montant demandé",
    "amount_granted": "montant accordé", "granted_to_applied_ratio": "montant accordé / demandé",
    "credit_to_application_ratio": "crédit / demande", "annuity_amount": "montant de l'annuité",
    "goods_price": "prix du bien", "down_payment_amount": "montant de l'apport", "down_payment_rate": "taux d'apport",
    "term_in_payments": "durée (mensualités)", "term_in_installments": "durée (échéances)",
    "term_in_annuities": "durée (annuités)", "days_decision": "jours depuis la décision",
    "hour_of_application": "heure de la demande", "days_first_due": "jours jusqu'à la première échéance",
    "days_last_due_1st_version": "jours jusqu'à la dernière échéance prévue",
    "days_termination": "jours jusqu'à la fin du contrat", "planned_duration_days": "durée prévue (jours)",
    "completed_loans": "prêts terminés", "months_past_due": "mois en impayé", "with_tolerance": "(avec tolérance)",
    "last_month": "le dernier mois", "months_balance": "ancienneté du relevé (mois)",
    "installments_left": "échéances restantes", "completion_ratio": "taux d'achèvement",
    "credit_card_payments": "paiements par carte", "late_payments": "paiements en retard",
    "underpaid_payments": "paiements incomplets", "missed_payments": "paiements manqués",
    "instalment_version": "version de l'échéancier", "instalment_number": "numéro d'échéance",
    "payment_ratio": "taux de paiement", "amount_owed": "montant dû", "amount_paid": "montant payé",
    "amount_underpaid": "montant non payé", "days_entry_payment": "jours depuis le paiement",
    "days_instalment": "jours depuis l'échéance", "months_paid_below_minimum": "mois payés sous le minimum",
    "completed_months": "mois terminés", "credit_limit": "plafond de crédit",
    "receivable_principal": "capital restant dû", "total_receivable": "total restant dû",
    "atm_drawings_amount": "montant des retraits au distributeur",
    "pos_drawings_amount": "montant des achats par carte", "drawings_amount": "montant des retraits",
    "count_atm_drawings": "nombre de retraits au distributeur", "count_drawings": "nombre de retraits",
    "atm_share_of_drawings_amount": "part des retraits au distributeur", "payments_amount": "montant des paiements",
    "payments_to_minimum_installment_ratio": "paiements / minimum dû", "installments_paid": "échéances payées",
    "credits_overdue": "crédits en impayé", "active_credits_overdue": "crédits actifs en impayé",
    "days_overdue": "jours d'impayé", "credit_term_in_annuities": "durée du crédit (annuités)",
    "credits_with_balance_history": "crédits avec historique mensuel",
    "credits_ever_late": "crédits déjà en retard", "sold_or_bad_debt_credits": "crédits cédés ou douteux",
    "credit_types": "types de crédit", "consumer_credits": "crédits à la consommation",
    "credit_cards": "cartes de crédit", "car_loans": "prêts auto", "mortgages": "prêts immobiliers",
    "microloans": "microcrédits", "foreign_currency_credits": "crédits en devise",
    "days_credit_update": "jours depuis la mise à jour", "days_credit_enddate": "jours jusqu'à l'échéance",
    "days_credit": "ancienneté du crédit (jours)", "days_enddate_fact": "jours depuis la clôture",
    "days_closed_credit_duration": "durée des crédits clôturés (jours)", "credit_amount": "montant du crédit",
    "debt_amount": "montant de la dette", "amount_overdue_ever": "montant en impayé (historique)",
    "overdue_amount": "montant en impayé", "credit_prolongations": "prolongations",
    "debt_to_credit_ratio": "dette / crédit", "overdue_to_debt_ratio": "impayés / dette",
    "limit_to_credit_ratio": "plafond / crédit", "balance_months": "mois d'historique",
    "late_months": "mois en retard", "months_late": "mois en retard", "worst_late_status": "pire retard",
    "months_balance_late": "mois de retard", "credit_to_goods_price_ratio": "crédit / prix du bien",
    "goods_price_to_income_ratio": "prix du bien / revenu", "credit_minus_goods_price": "crédit moins prix du bien",
    "car_age_to_age_ratio": "âge de la voiture / âge", "children_to_family_members_ratio": "enfants / taille du foyer",
    "years_employed": "ancienneté dans l'emploi (années)", "employed_to_age_ratio": "ancienneté dans l'emploi / âge",
    "registration_to_age_ratio": "ancienneté de l'enregistrement / âge",
    "id_publish_to_age_ratio": "ancienneté de la pièce d'identité / âge",
    "phone_change_to_age_ratio": "ancienneté du numéro de téléphone / âge", "document_count": "documents fournis",
    "contact_count": "moyens de contact fournis", "address_mismatch_count": "adresses discordantes",
    "credit_bureau_enquiry_count": "demandes au bureau de crédit",
    "social_circle_default_30_ratio": "part de l'entourage en défaut à 30 jours",
    "social_circle_default_60_ratio": "part de l'entourage en défaut à 60 jours",
    "building_count_missing_values": "informations manquantes sur le logement",
    "count_missing": "manquants", "flag_days_employed_sentinel": "emploi non renseigné",
    "age_years": "âge (années)", "income_per_family_member": "revenu par membre du foyer",
    "last_12_months": "sur 12 mois", "12m": "sur 12 mois", "to_income_ratio": "/ revenu",
    "to_credit_ratio": "/ crédit", "to_annuity_ratio": "/ annuité", "utilization_ratio": "taux d'utilisation",
    "paid_to_owed_ratio": "payé / dû", "days_late": "jours de retard", "days_early": "jours d'avance",
    "days_past_due": "jours d'impayé", "active_credits": "crédits actifs", "closed_credits": "crédits clôturés",
    "over_30_days_late": "à plus de 30 jours de retard", "applications": "demandes", "months": "mois",
    "loans": "prêts", "payments": "paiements", "cards": "cartes", "balance": "solde", "amount": "montant",
    "ratio": "ratio", "rate": "taux", "credits": "crédits", "credit": "crédit", "debt": "dette",
    "income": "revenu", "annuity": "annuité", "product": "produit", "items": "éléments", "of": "", "the": "",
}


def _compose(words: list[str]) -> str:
    """French label from English words: `count`/`share` lead, other statistics and qualifiers follow."""
    text = re.sub(r"(\d+)_to_(\d+)_days", r"de \1 à \2 jours", "_".join(words))
    text = re.sub(r"over_(\d+)_days_late", r"à plus de \1 jours de retard", text)
    text = re.sub(r"over_(\d+)_days", r"de plus de \1 jours", text)
    words = [w for w in text.split("_") if w]
    head, body, tail, i = [], [], [], 0
    while i < len(words):
        for size in range(min(6, len(words) - i), 0, -1):
            key = "_".join(words[i:i + size])
            if key in PHRASES:
                body.append(PHRASES[key])
                break
            if size == 1:
                w = words[i]
                if w in PREFIX_STATS and not body:
                    head.append(PREFIX_STATS[w])
                elif w in SUFFIX_STATS:
                    tail.append(SUFFIX_STATS[w])
                elif w in QUALIFIERS:
                    tail.append(QUALIFIERS[w])
                else:
                    body.append(w)
        i += size
    label = " ".join(p for p in [*head, *body] if p)
    label = re.sub(r"\bde ([aeiouyéèâ])", r"d'\1", label)
    return (label + (f" ({', '.join(tail)})" if tail else "")).strip()


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
            return f"{label} {rest}" if rest.startswith("(") else f"{label} : {rest}" if rest else label
    return _compose(name.split("_"))
