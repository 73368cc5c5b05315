"""A Kaggle-format data folder made of the genuine rows in `../shared/homecredit/real_samples` (never in the repo).

The application rows of every public sample are pooled into one `application_train.csv` (and one
`application_test.csv`), one row per client (the samples overlap and agree where they do); the six history files
are written with their header only, since the samples are not complete per client. This is what a new user with a
few thousand genuine rows would feed the product: `python -m warehouse.load` and the features accept it as is.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from common.contracts.columns import load_spec

log = logging.getLogger(__name__)
HISTORY = ("bureau", "bureau_balance", "previous_application", "POS_CASH_balance", "installments_payments",
           "credit_card_balance")
KEY = "SK_ID_CURR"


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, low_memory=False, na_values=["NA"], keep_default_na=True)
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed:")])
    return frame.rename(columns={"DEFAULTED": "TARGET"})


def pooled(samples: Path, columns: list[str], with_target: bool) -> pd.DataFrame:
    """Every sample file holding exactly `columns` (TARGET renamed from DEFAULTED where needed), one row per client."""
    frames = []
    for path in sorted(samples.glob("*/*.csv")):
        head = _read_header(path)
        if set(head) == set(columns):
            frames.append(_read(path)[columns])
    if not frames:
        raise FileNotFoundError(f"no application sample with the expected columns under {samples}")
    out = pd.concat(frames, ignore_index=True).drop_duplicates(KEY, keep="first")
    log.info("%d %s clients pooled from %d files", len(out), "train" if with_target else "test", len(frames))
    return out.sort_values(KEY, ignore_index=True)


def _read_header(path: Path) -> list[str]:
    names = pd.read_csv(path, nrows=0).columns
    return [{"DEFAULTED": "TARGET"}.get(c, c) for c in names if not c.startswith("Unnamed:")]


def write_folder(shared: Path, out: Path) -> dict[str, int]:
    """Write the eight Kaggle files into `out`; returns the row count of each."""
    samples = shared / "homecredit" / "real_samples"
    if not samples.is_dir():
        raise FileNotFoundError(f"{samples} is missing: the genuine rows live in ../shared, outside the repository")
    spec = load_spec()
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, with_target in (("application_train", True), ("application_test", False)):
        frame = pooled(samples, spec[name].column_names, with_target)
        frame.to_csv(out / spec[name].file, index=False)
        counts[name] = len(frame)
    for name in HISTORY:
        (out / spec[name].file).write_text(",".join(spec[name].column_names) + "\n", encoding="utf-8")
        counts[name] = 0
    return counts
