"""`python -m scripts.container_bundle` (`make serving-bundle`): everything the API container serves, in one folder.

The API image carries no warehouse, no MLflow database and no dbt project, only this read-only bundle:

- `champion/`: the served model exported from the registry (`make export-model`: model files + registry facts);
- `serving/<feature version>/`: the serving snapshot of the champion's feature version, exactly as the features
  stage publishes it (`common/contracts/serving.py`: `snapshot.duckdb` holding only what the API reads, the dbt
  `manifest.json` whose compiled SQL rebuilds the features of posted applications, `snapshot.json`); the image
  sets `HC_SERVING_DIR=/srv/bundle/serving`;
- `bundle.json`: what the bundle holds (model version, feature version, sizes).

Before it is published the bundle is served once in-process (the API's own start-up checks on it: signature,
dbt SQL reproducing the snapshot, fast path reproducing the scorer), so a bundle that would not serve is never written.

A bundle holds client rows, so an image that carries one (and is pushed to a registry) may carry only generated
data: the bundle is refused when the warehouse's load manifest shows a file the generator did not write, unless
`--real-data` says so; such a bundle is marked `mount_only` and `make container-images` refuses to bake it: mount it
at run time (`-v .../serving-bundle:/srv/bundle:ro`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from api.registry import REGISTRY_FILE, export_model
from api.snapshots import manifest_path, write_from_warehouse
from api.startup import build_service
from api.store import open_warehouse
from common.contracts import serving
from common.settings import Settings, get_settings

log = logging.getLogger("serving-bundle")
DEFAULT_OUT = Path("build/serving-bundle")
SERVING = "serving"
CHAMPION = "champion"


def _model_folder(settings: Settings, out: Path) -> Path:
    """The exported champion in `out`: copied from HC_MODEL_DIR when set, else exported from the registry."""
    target = out / CHAMPION
    if settings.model_dir is not None:
        shutil.copytree(settings.model_dir, target)
        return target
    return export_model(settings, target)


def _feature_version(model_dir: Path) -> str:
    tags = json.loads((model_dir / REGISTRY_FILE).read_text(encoding="utf-8")).get("tags", {})
    if not tags.get("feature_version"):
        raise SystemExit(f"{model_dir / REGISTRY_FILE} has no feature_version tag: retrain with `make train`")
    return tags["feature_version"]


def data_origins(duckdb_path: Path) -> dict[str, str]:
    """File -> origin (`synthetic` or `external`) of the warehouse's last load (`external` when not recorded)."""
    with open_warehouse(duckdb_path) as con:
        columns = {r[0] for r in con.execute("describe raw._load_manifest").fetchall()}
        select = "origin" if "origin" in columns else "'external'"
        return dict(con.execute(f"select file_name, {select} from raw._load_manifest order by 1").fetchall())


def check_data(duckdb_path: Path, real_data: bool) -> bool:
    """True when the bundle may be baked into an image (generated data only); SystemExit when it holds real data
    and `--real-data` was not given."""
    external = sorted(f for f, origin in data_origins(duckdb_path).items() if origin != "synthetic")
    if external and not real_data:
        raise SystemExit(f"refusing to write a serving bundle from data the generator did not write ({', '.join(external)}"
                         "): a bundle is meant for an image, and an image must not carry real client rows. Pass "
                         "--real-data to write one to mount at run time (never baked into an image).")
    return not external


def check_serves(folder: Path) -> None:
    """Start the API's service on the bundle alone (every start-up check), then release it."""
    with tempfile.TemporaryDirectory(prefix="hc-bundle-check-") as scratch:
        # no warehouse: the bundle's serving snapshot must be enough
        settings = Settings(model_dir=folder / CHAMPION, serving_dir=folder / SERVING,
                            duckdb_path=Path(scratch) / "no-warehouse.duckdb",
                            api_cache_dir=Path(scratch) / "cache", events_url=f"sqlite:///{scratch}/events.sqlite")
        service = build_service(settings)
        service.close()


def build_bundle(settings: Settings, out: Path, real_data: bool = False) -> dict:
    """Write the bundle into `out` (replaced atomically once it has served). Returns its description."""
    out = Path(out)
    bakeable = check_data(settings.duckdb_path, real_data)
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    model_dir = _model_folder(settings, staging)
    feature_version = _feature_version(model_dir)
    published = serving.folder(settings.serving_dir or serving.default_dir(settings.duckdb_path), feature_version)
    if serving.is_complete(published):  # the one the features stage published
        snapshot = Path(shutil.copytree(published, serving.folder(staging / SERVING, feature_version)))
    else:
        snapshot = write_from_warehouse(settings.duckdb_path, feature_version, manifest_path(settings), staging / SERVING)
    rows = serving.describe(snapshot)["tables"]
    check_serves(staging)
    facts = json.loads((model_dir / REGISTRY_FILE).read_text(encoding="utf-8"))
    description = {"created_at": datetime.now(tz=UTC).isoformat(), "model_name": facts["name"],
                   "model_version": facts["version"], "feature_version": feature_version,
                   "tables": rows, "bytes": sum(p.stat().st_size for p in staging.rglob("*") if p.is_file()),
                   "data": "synthetic" if bakeable else "real", "mount_only": not bakeable}
    (staging / "bundle.json").write_text(json.dumps(description, indent=2), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return description


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.container_bundle",
        description="Write the API container's serving bundle: the champion (HC_MODEL_DIR, else exported from "
                    "HC_MODEL_NAME@HC_MODEL_ALIAS at HC_MLFLOW_TRACKING_URI) and the serving snapshot of its feature "
                    "version (the one the features stage published beside HC_DUCKDB_PATH or in HC_SERVING_DIR, "
                    "else written from HC_DUCKDB_PATH with the dbt manifest HC_DBT_MANIFEST_PATH).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"destination folder (default {DEFAULT_OUT})")
    parser.add_argument("--real-data", action="store_true",
                        help="allow data the generator did not write (real clients): the bundle is marked mount_only "
                             "and is never baked into an image")
    args = parser.parse_args(argv)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mlflow", "alembic", "api"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    description = build_bundle(get_settings(), args.out, args.real_data)
    print(f"serving bundle in {args.out}: {description['model_name']} version {description['model_version']}, "
          f"feature version {description['feature_version']}, {description['bytes'] / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
