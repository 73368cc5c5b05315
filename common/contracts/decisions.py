"""Human decisions on the model's scores: the values a decision takes and the fixed list of reasons to override.

Defined once: the API validates decisions against it and serves it (`GET /v1/decisions/reasons`), the events
database stores the codes (`decisions.reason_code`), monitoring reports overrides by code. A code is stable: never
renamed or reused; a reason no longer offered is marked `retired` rather than removed, so that old decisions keep
their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCEPTED, REFUSED, REFERRED = "accepted", "refused", "referred"
HUMAN_DECISIONS = (ACCEPTED, REFUSED, REFERRED)  # referred: sent to a credit analyst
MODEL_DECISIONS = {"accept": ACCEPTED, "refuse": REFUSED}  # the scorer's own words -> the API's
DECISION_LABELS_FR = {ACCEPTED: "Accordé", REFUSED: "Refusé", REFERRED: "Transmis à un analyste crédit"}


@dataclass(frozen=True)
class OverrideReason:
    """Why a person decided otherwise than the model: a stable code, a French label and when to use it."""

    code: str
    label: str
    description: str
    retired: bool = False


OVERRIDE_REASONS: tuple[OverrideReason, ...] = (
    OverrideReason("additional_income_proof", "Justificatif de revenus complémentaire",
                   "Le client a fourni une preuve de revenus que la demande ne mentionnait pas."),
    OverrideReason("guarantor", "Garant ou caution",
                   "Une personne ou un organisme se porte garant du remboursement."),
    OverrideReason("collateral", "Garantie matérielle",
                   "Un bien apporté en garantie (hypothèque, nantissement) réduit le risque."),
    OverrideReason("data_error_corrected", "Erreur de données corrigée",
                   "Une donnée de la demande ou de l'historique était fausse ; elle a été vérifiée et corrigée."),
    OverrideReason("down_payment", "Apport personnel",
                   "Le client finance une part de l'achat lui-même : le montant emprunté baisse."),
    OverrideReason("client_relationship", "Historique de la relation bancaire",
                   "La relation avec la banque (épargne, domiciliation des revenus) montre une capacité de "
                   "remboursement que le modèle ne voit pas."),
    OverrideReason("unfavourable_information", "Information défavorable non prise en compte",
                   "Un élément connu du conseiller (incident, endettement récent) augmente le risque au-delà du "
                   "score."),
    OverrideReason("affordability_concern", "Taux d'effort trop élevé",
                   "Les charges de remboursement sont jugées trop lourdes au regard des revenus."),
    OverrideReason("fraud_suspicion", "Suspicion de fraude",
                   "Des incohérences dans le dossier demandent une vérification avant tout accord."),
    OverrideReason("needs_analyst_review", "Dossier à examiner par un analyste",
                   "Le dossier sort du cadre habituel et demande l'avis d'un analyste crédit."),
    OverrideReason("policy_exception", "Dérogation à la politique de crédit",
                   "Décision hors règle habituelle, autorisée par un responsable."),
    OverrideReason("other", "Autre motif (à préciser en commentaire)",
                   "Tout autre motif : le commentaire est alors obligatoire."),
)
REASON_CODES = tuple(r.code for r in OVERRIDE_REASONS)
REASONS_BY_CODE = {r.code: r for r in OVERRIDE_REASONS}
COMMENT_REQUIRED = frozenset({"other"})  # codes that mean nothing without a comment
