"""GET /v1/labels: the French labels of the category values (one table: common/contracts/labels_fr.json)."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import secured
from api.population import PROFILE_COLUMNS
from api.schemas import LabelsPublic, error_responses
from common.contracts.labels import load_labels, value_labels

router = APIRouter(prefix="/v1", tags=["labels"], responses=error_responses())


@router.get("/labels", response_model=LabelsPublic, summary="French labels of the category values",
            **secured(None, "read"))
def labels() -> dict:
    """Every category value a person can see, with its French label (by column, and one label per value)."""
    return {"columns": {c: dict(v) for c, v in load_labels().items()}, "values": value_labels(),
            "profile_columns": PROFILE_COLUMNS}
