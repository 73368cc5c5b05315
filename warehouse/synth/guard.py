"""Ownership of the data folder: the generator only ever replaces files it wrote itself."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = ".synth-manifest.json"


class ForeignFilesError(Exception):
    """The target folder holds files the generator did not write (for example the real Kaggle files)."""


def _signature(path: Path) -> dict:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    return json.loads(path.read_text()) if path.exists() else None


def foreign_files(folder: Path) -> list[str]:
    """Files in `folder` that the generator's manifest does not list, or that changed since it wrote them."""
    if not folder.exists():
        return []
    manifest = read_manifest(folder) or {"files": {}}
    foreign = []
    for path in sorted(folder.iterdir()):
        if path.name == MANIFEST:
            continue
        if path.is_dir() or manifest["files"].get(path.name) != _signature(path):
            foreign.append(path.name)
    return foreign


def check_writable(folder: Path) -> None:
    foreign = foreign_files(folder)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise ForeignFilesError(
            f"refusing to write into {folder}: it holds {len(foreign)} file(s) this generator did not write "
            f"or that changed since ({shown}). Move them away, or set HC_DATA_DIR / --out to another folder.")


def generated(path: Path) -> bool:
    """Whether the generator wrote this file, unchanged since (its folder's manifest lists it with this signature)."""
    manifest = read_manifest(path.parent) or {"files": {}}
    return path.is_file() and manifest.get("files", {}).get(path.name) == _signature(path)


def write_manifest(folder: Path, params: dict, names: list[str]) -> None:
    files = {name: _signature(folder / name) for name in names}
    (folder / MANIFEST).write_text(json.dumps({"generator": "warehouse.synth", **params, "files": files}, indent=1))


def holds_generated(folder: Path, params: dict, names: list[str]) -> bool:
    """True when the folder holds exactly the files of a previous run with the same parameters."""
    manifest = read_manifest(folder)
    if manifest is None or any(manifest.get(k) != v for k, v in params.items()):
        return False
    return not foreign_files(folder) and all(n in manifest["files"] for n in names)
