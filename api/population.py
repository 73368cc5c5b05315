"""Population comparisons: distributions of descriptive variables over all clients or a filtered group, and
the clients most similar to a given client with their observed default rate.

Source: the descriptive profiles of the model's feature version (`marts.client_profiles__<version>`, the
readable attributes of `marts.client_profiles`) and, for the default rate, the known outcome (`target`) of the
train clients of the same version. Loaded once at start-up (about 20 columns), computed in memory.

Similar clients (the definition the API documents): among the train clients with a known outcome, the same
contract type as the client (cash or revolving) when at least `k` such clients exist, the `k` nearest in
Euclidean distance over six standardised key variables: age, log(1 + annual income), log(1 + credit amount),
log(1 + annuity), years employed (missing, e.g. pensioners, counted as 0) and number of children. Each
variable is standardised with its mean and standard deviation over all clients (a missing value becomes
the mean, i.e. 0 after standardisation). The client itself is excluded; ties are broken by client id.

Small groups are never disclosed (`min_group`, HC_MIN_GROUP_SIZE, default 20): a group of fewer clients is reported
as too small, with no statistic; inside a larger group, a category or a histogram bin of fewer clients has its count
and default rate withheld; minima and maxima (one client's value) are never returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from common.contracts.labels import label_of

NUMERIC = {
    "age_years": "Age (years)", "annual_income": "Annual income", "credit_amount": "Credit amount",
    "annuity_amount": "Annuity", "goods_price": "Price of the goods", "years_employed": "Years employed",
    "children_count": "Number of children", "family_members_count": "Family members",
    "region_rating": "Rating of the region (1-3)",
}
CATEGORICAL = {
    "gender": "Gender", "family_status": "Family status", "education": "Education", "income_type": "Income type",
    "occupation": "Occupation", "housing_type": "Housing", "contract_type": "Contract type",
    "owns_car": "Owns a car", "owns_realty": "Owns real estate",
}
# The Kaggle column of each categorical variable, for its French labels (common/contracts/labels_fr.json).
PROFILE_COLUMNS = {
    "gender": "CODE_GENDER", "family_status": "NAME_FAMILY_STATUS", "education": "NAME_EDUCATION_TYPE",
    "income_type": "NAME_INCOME_TYPE", "occupation": "OCCUPATION_TYPE", "housing_type": "NAME_HOUSING_TYPE",
    "contract_type": "NAME_CONTRACT_TYPE", "organization_type": "ORGANIZATION_TYPE",
}
SIMILARITY_VARIABLES = ("age_years", "annual_income", "credit_amount", "annuity_amount", "years_employed",
                        "children_count")
LOGGED = ("annual_income", "credit_amount", "annuity_amount")
SEGMENT = "contract_type"
SIMILARITY_DEFINITION = (
    "Among the train clients with a known outcome (excluding the client), those with the same contract type "
    "(when at least k exist; otherwise all), the k nearest in Euclidean distance over six standardised "
    "variables: age, log(1 + annual income), log(1 + credit amount), log(1 + annuity), years employed "
    "(missing counted as 0) and number of children; each standardised by its mean and standard deviation "
    "over all clients, a missing value counting as the mean. Ties are broken by client id.")


@dataclass
class Filters:
    """A group of clients: equality on categorical variables, ranges on numeric ones (all optional)."""

    equals: dict[str, Any]
    ranges: dict[str, tuple[float | None, float | None]]

    def describe(self) -> dict[str, Any]:
        """The active filters, JSON-ready."""
        out: dict[str, Any] = {k: v for k, v in self.equals.items() if v is not None}
        for name, (low, high) in self.ranges.items():
            if low is not None:
                out[f"{name}_min"] = low
            if high is not None:
                out[f"{name}_max"] = high
        return out


class Population:
    """Profiles of every client of one feature version, with the known outcomes."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame.sort_values("client_id", ignore_index=True)
        self.ids = self.frame["client_id"].to_numpy(dtype=np.int64)
        self.numeric = [c for c in NUMERIC if c in self.frame]
        self.categorical = [c for c in CATEGORICAL if c in self.frame]
        for c in self.categorical:
            self.frame[c] = self.frame[c].map(_label).astype(object)
        self._space = self._similarity_space()
        self.categories = {c: sorted(v for v in self.frame[c].dropna().unique()) for c in self.categorical}

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, profiles: str, snapshot: str) -> Population:
        """Profiles of the version joined with the known outcome of its train clients."""
        frame = con.sql(f"select p.*, f.target from {profiles} p left join "
                        f"(select client_id, target from {snapshot}) f using (client_id)").df()
        return cls(frame)

    def _similarity_space(self) -> np.ndarray:
        columns = []
        for name in SIMILARITY_VARIABLES:
            values = pd.to_numeric(self.frame.get(name, pd.Series(np.nan, index=self.frame.index)), errors="coerce")
            values = values.astype("float64")
            if name == "years_employed":
                values = values.fillna(0.0)
            if name in LOGGED:
                values = np.log1p(values.clip(lower=0))
            mean, std = values.mean(), values.std(ddof=0)
            z = (values - mean) / (std if std and std > 0 else 1.0)
            columns.append(z.fillna(0.0).to_numpy())
        return np.column_stack(columns)

    def row(self, client_id: int) -> int | None:
        """Row of a client in the population, or None."""
        i = int(np.searchsorted(self.ids, client_id))
        return i if i < len(self.ids) and int(self.ids[i]) == client_id else None

    def select(self, filters: Filters) -> pd.DataFrame:
        """The clients of a group."""
        mask = np.ones(len(self.frame), dtype=bool)
        for name, value in filters.equals.items():
            if value is not None:
                mask &= (self.frame[name] == value).to_numpy()
        for name, (low, high) in filters.ranges.items():
            values = pd.to_numeric(self.frame[name], errors="coerce").to_numpy(dtype="float64")
            if low is not None:
                mask &= values >= low
            if high is not None:
                mask &= values <= high
        return self.frame[mask]

    def summary(self, filters: Filters, min_group: int) -> dict[str, Any]:
        """Counts, default rate, numeric summaries and categorical counts of a group (none when it is too small)."""
        group = self.select(filters)
        out = {"filters": filters.describe(), **outcome(group, min_group), "numeric": {}, "categorical": {}}
        if not out["too_small"]:
            out["numeric"] = {c: numeric_summary(group[c]) for c in self.numeric}
            out["categorical"] = {c: categorical_counts(group, c, min_group) for c in self.categorical}
        return out

    def distribution(self, variable: str, filters: Filters, bins: int, client_id: int | None,
                     min_group: int, log: bool = False) -> dict[str, Any]:
        """Histogram (numeric; bins of equal width in log10 when `log`) or counts (categorical) of one variable in a
        group, and where a client stands."""
        group = self.select(filters)
        out: dict[str, Any] = {"variable": variable, "label": {**NUMERIC, **CATEGORICAL}[variable],
                               "filters": filters.describe(), **outcome(group, min_group),
                               "kind": "numeric" if variable in self.numeric else "categorical"}
        if out["too_small"]:
            return out
        if variable in self.numeric:
            out |= {"summary": numeric_summary(group[variable]),
                    "histogram": histogram(group, variable, bins, min_group, log)}
        else:
            out["counts"] = categorical_counts(group, variable, min_group)
        if client_id is not None:
            out["client"] = self.position(client_id, variable, group)
        return out

    def position(self, client_id: int, variable: str, group: pd.DataFrame) -> dict[str, Any] | None:
        """The client's value of `variable` and its percentile in `group` (numeric variables)."""
        i = self.row(client_id)
        if i is None:
            return None
        value = self.frame.at[i, variable]
        if variable not in self.numeric:
            return {"client_id": client_id, "value": _json(value), "percentile": None}
        values = pd.to_numeric(group[variable], errors="coerce").dropna().to_numpy()
        if value is None or pd.isna(value) or values.size == 0:
            return {"client_id": client_id, "value": _json(value), "percentile": None}
        percentile = 100.0 * float(np.mean(values <= float(value)))
        return {"client_id": client_id, "value": float(value), "percentile": round(percentile, 2)}

    def similar(self, client_id: int, k: int, min_group: int) -> dict[str, Any] | None:
        """The k most similar train clients (see SIMILARITY_DEFINITION) and their observed default rate; `k` is at
        least `min_group` (the route refuses less)."""
        i = self.row(client_id)
        if i is None:
            return None
        known = self.frame["target"].notna().to_numpy() & (self.ids != client_id)
        segment_value = self.frame.at[i, SEGMENT] if SEGMENT in self.frame else None
        candidates = known
        if segment_value is not None and not pd.isna(segment_value):
            same = known & (self.frame[SEGMENT] == segment_value).to_numpy()
            if same.sum() >= k:
                candidates = same
        index = np.flatnonzero(candidates)
        distance = np.sqrt(((self._space[index] - self._space[i]) ** 2).sum(axis=1))
        order = np.lexsort((self.ids[index], distance))[:k]
        chosen, dist = index[order], distance[order]
        group = self.frame.iloc[chosen]
        neighbours = [{"client_id": int(self.ids[j]), "distance": round(float(d), 6),
                       **{v: _json(self.frame.at[j, v]) for v in SIMILARITY_VARIABLES if v in self.frame}}
                      for j, d in zip(chosen, dist, strict=True)]
        return {"client_id": client_id, "k": len(neighbours), "definition": SIMILARITY_DEFINITION,
                "segment": {SEGMENT: _json(segment_value)} if candidates is not known else {},
                **outcome(group, min_group), "medians": {v: _median(group[v]) for v in SIMILARITY_VARIABLES if v in group},
                "neighbours": neighbours}


def outcome(group: pd.DataFrame, min_group: int) -> dict[str, Any]:
    """Group size, clients with a known outcome and their default rate; for a group of fewer than `min_group`
    clients, only that it is too small (no count, no rate)."""
    if len(group) < min_group:
        return {"n_clients": None, "n_with_outcome": None, "default_rate": None, "too_small": True,
                "size": f"fewer than {min_group}"}
    known = group["target"].dropna()
    rate = None if len(known) < min_group else round(float(known.mean()), 6)
    return {"n_clients": int(len(group)), "n_with_outcome": int(len(known)), "default_rate": rate,
            "too_small": False, "size": None}


def numeric_summary(values: pd.Series) -> dict[str, Any]:
    """Count, missing, mean, standard deviation, min, quartiles, max (None when empty)."""
    v = pd.to_numeric(values, errors="coerce")
    present = v.dropna()
    stats: dict[str, Any] = {"count": int(present.size), "missing": int(v.isna().sum())}
    if present.empty:
        return stats | dict.fromkeys(("mean", "std", "min", "q1", "median", "q3", "max"))
    q = present.quantile([0.25, 0.5, 0.75]).to_numpy()
    # no min or max: each is one client's value
    return stats | {"mean": float(present.mean()), "std": float(present.std(ddof=0)), "min": None,
                    "q1": float(q[0]), "median": float(q[1]), "q3": float(q[2]), "max": None}


def categorical_counts(group: pd.DataFrame, variable: str, min_group: int) -> list[dict[str, Any]]:
    """Count, share and default rate per value (missing values as null), most frequent first; a value held by
    fewer than `min_group` clients keeps only its name (`suppressed`)."""
    total = max(len(group), 1)
    keys = group[variable].astype(object).where(group[variable].notna(), None)
    out = []
    for value, part in group.groupby(keys.fillna("\0missing"), sort=False, dropna=False):
        known = part["target"].dropna()
        small = len(part) < min_group
        raw = None if value == "\0missing" else _json(value)
        out.append({"value": raw, "label": None if raw is None else str(label_of(raw, PROFILE_COLUMNS.get(variable))),
                    "count": None if small else int(len(part)), "share": None if small else round(len(part) / total, 6),
                    "default_rate": None if small or len(known) < min_group else round(float(known.mean()), 6),
                    "suppressed": small, "_n": len(part)})
    out.sort(key=lambda r: (-r.pop("_n"), str(r["value"])))
    return out


def histogram(group: pd.DataFrame, variable: str, bins: int, min_group: int, log: bool = False) -> list[dict[str, Any]]:
    """Equal-width bins (in log10 when `log`: skewed amounts) from the value below which `min_group` clients lie to
    the value above which `min_group` lie, the others counted in the first or last bin: no edge is one client's value
    (the group's minimum or maximum). Edges, count and default rate per bin; a bin of fewer than `min_group`
    clients has them withheld (`suppressed`)."""
    values = pd.to_numeric(group[variable], errors="coerce")
    present = values.notna().to_numpy()
    x = values.to_numpy(dtype="float64")[present]
    if x.size == 0:
        return []
    share = min(min_group / x.size, 0.5)
    positive = x[x > 0]
    if log and positive.size:
        low, high = (float(v) for v in np.quantile(positive, [share, 1 - share]))
        edges = np.geomspace(low, high, bins + 1) if high > low else np.array([low, low * 1.0001])
    else:
        low, high = (float(v) for v in np.quantile(x, [share, 1 - share]))
        edges = np.linspace(low, high, bins + 1) if high > low else np.array([low, low + 1e-9])
    x = np.clip(x, edges[0], edges[-1])
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    target = group["target"].to_numpy(dtype="float64")[present]
    out = []
    for b in range(len(edges) - 1):
        inside = which == b
        known = target[inside & ~np.isnan(target)]
        n = int(inside.sum())
        out.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": n if n >= min_group or n == 0 else None,
                    "default_rate": None if known.size < min_group else round(float(known.mean()), 6),
                    "suppressed": 0 < n < min_group})
    return out


def profile_labels(profile: dict[str, Any]) -> dict[str, str]:
    """French labels of a profile's text values (booleans as oui / non)."""
    out = {}
    for name, value in profile.items():
        if isinstance(value, bool):
            out[name] = "oui" if value else "non"
        elif isinstance(value, str) and (name in PROFILE_COLUMNS or name in CATEGORICAL):
            out[name] = str(label_of(value, PROFILE_COLUMNS.get(name)))
    return out


def _median(values: pd.Series) -> float | None:
    present = pd.to_numeric(values, errors="coerce").dropna()
    return None if present.empty else float(present.median())


def _label(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return value


def _json(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
