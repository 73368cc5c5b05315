"""Load the eight Kaggle-format CSV files into DuckDB schema `raw`: typed, validated, atomic.

Run it with `python -m warehouse.load` (or `make load`); `load_raw` is the function behind it.
"""

from warehouse.load.errors import LoadError
from warehouse.load.files import LoadedFile
from warehouse.load.loader import load_raw

__all__ = ["LoadError", "LoadedFile", "load_raw"]
