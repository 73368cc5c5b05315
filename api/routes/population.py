"""GET /v1/population/...: distributions over all clients or a group, and similar clients."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError

from api.access import PrincipalDep, secured
from api.deps import ServiceDep, SettingsDep
from api.population import CATEGORICAL, NUMERIC, PROFILE_COLUMNS, SIMILARITY_DEFINITION, Filters
from api.schemas import DistributionPublic, SimilarPublic, SummaryPublic, VariablePublic, error_responses
from api.service import ClientNotFoundError
from common.contracts.labels import label_of

router = APIRouter(prefix="/v1/population", tags=["population"], responses=error_responses(404, 422))
Text = Annotated[str | None, Query(max_length=100)]
Number = Annotated[float | None, Query(ge=-1e12, le=1e12, allow_inf_nan=False)]
YesNo = Annotated[Literal["yes", "no"] | None, Query()]


async def group_filters(gender: Text = None, family_status: Text = None, education: Text = None,
                        income_type: Text = None, occupation: Text = None, housing_type: Text = None,
                        contract_type: Text = None, owns_car: YesNo = None, owns_realty: YesNo = None,
                        age_min: Number = None, age_max: Number = None, income_min: Number = None,
                        income_max: Number = None, credit_min: Number = None, credit_max: Number = None) -> Filters:
    """A group: exact values of categorical variables, inclusive ranges of age, annual income and credit amount."""
    equals = {"gender": gender, "family_status": family_status, "education": education, "income_type": income_type,
              "occupation": occupation, "housing_type": housing_type, "contract_type": contract_type,
              "owns_car": owns_car, "owns_realty": owns_realty}
    ranges = {"age_years": (age_min, age_max), "annual_income": (income_min, income_max),
              "credit_amount": (credit_min, credit_max)}
    return Filters(equals, ranges)


FiltersDep = Annotated[Filters, Depends(group_filters)]


@router.get("/variables", response_model=list[VariablePublic], summary="Variables of the population endpoints",
            **secured("population:read", "read"))
def variables(service: ServiceDep) -> list[dict]:
    """The descriptive variables, their kind and known values."""
    population = service.population
    return ([{"name": n, "label": NUMERIC[n], "kind": "numeric"} for n in population.numeric]
            + [{"name": n, "label": CATEGORICAL[n], "kind": "categorical", "values": population.categories[n],
                "value_labels": {str(v): str(label_of(v, PROFILE_COLUMNS.get(n))) for v in population.categories[n]}}
               for n in population.categorical])


@router.get("/summary", response_model=SummaryPublic, summary="Summary of all clients or a group",
            **secured("population:read", "population"))
def summary(service: ServiceDep, settings: SettingsDep, filters: FiltersDep) -> dict:
    """Size, observed default rate, numeric summaries and categorical counts of the group; a group of fewer than
    HC_MIN_GROUP_SIZE clients is only reported as too small."""
    return service.population.summary(filters, settings.min_group_size)


@router.get("/distribution/{variable}", response_model=DistributionPublic, summary="Distribution of one variable",
            **secured("population:read", "population"))
def distribution(variable: Annotated[str, Path(max_length=64)], service: ServiceDep, settings: SettingsDep,
                 filters: FiltersDep,
                 bins: Annotated[int, Query(ge=2, le=100)] = 20,
                 client_id: Annotated[int | None, Query(ge=1, le=2**62, description="Show where this client stands")] = None,
                 scale: Annotated[Literal["linear", "log"], Query(description=(
                     "Histogram bins of equal width (linear) or of equal width in log10 (log: skewed amounts)"))] = "linear",
                 ) -> dict:
    """Histogram (numeric) or counts (categorical) of a variable in the group, with a client's position."""
    population = service.population
    if variable not in population.numeric and variable not in population.categorical:
        raise HTTPException(status_code=404, detail="Unknown variable (see GET /v1/population/variables)")
    if client_id is not None and population.row(client_id) is None:
        raise ClientNotFoundError(client_id)
    return population.distribution(variable, filters, bins, client_id, settings.min_group_size, log=scale == "log")


@router.get("/similar/{client_id}", response_model=SimilarPublic, summary="Clients most similar to a client",
            description=f"Similar clients: {SIMILARITY_DEFINITION} At least HC_MIN_GROUP_SIZE (20) of them; the "
                        "neighbours' ids and rows only for a principal with the scope client:read.",
            **secured("population:read", "population"))
def similar(client_id: Annotated[int, Path(ge=1, le=2**62)], service: ServiceDep, settings: SettingsDep,
            principal: PrincipalDep,
            k: Annotated[int, Query(ge=1, le=500, description="How many similar clients (at least 20)")] = 50) -> dict:
    """The k most similar clients with a known outcome, their default rate, medians, and the model's decisions."""
    if k < settings.min_group_size:
        raise RequestValidationError([{"loc": ("query", "k"), "type": "greater_than_equal",
                                       "msg": f"k must be at least {settings.min_group_size} (HC_MIN_GROUP_SIZE): a "
                                              "smaller group would single clients out"}])
    return service.similar(client_id, k, settings.min_group_size, principal.can("client:read"))
