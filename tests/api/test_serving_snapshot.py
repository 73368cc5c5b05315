"""Serving snapshots: the API reads its own immutable copy of the feature version, so the features can be rebuilt
while it serves; a version published without one gets it written once at start-up (or a clear refusal)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.startup import StartupError
from common.contracts import serving
from common.contracts.feature_versions import REGISTRY
from dbt_project.pipeline.build import BuildOptions, BuildResult, build
from tests.api.conftest import HEADERS, KEYS, REPO_ROOT, ApiWorld, add_principal

pytestmark = pytest.mark.slow


def world_copy(api_world: ApiWorld, folder: Path) -> tuple[Path, object]:
    """The session's warehouse alone (no serving snapshot beside it), and settings serving it with fresh events."""
    warehouse = Path(shutil.copy(api_world.settings.duckdb_path, folder / "homecredit.duckdb"))
    events_url = f"sqlite:///{folder / 'events.sqlite'}"
    add_principal(events_url, "advisor-test", "advisor", KEYS["advisor"])
    return warehouse, api_world.settings.model_copy(update={"duckdb_path": warehouse, "events_url": events_url,
                                                            "model_poll_s": 0, "rate_limits": "score=1000000/minute"})


def test_the_published_version_has_a_snapshot_holding_what_the_api_reads(api_world: ApiWorld) -> None:
    folder = serving.folder(serving.default_dir(api_world.settings.duckdb_path), api_world.feature_version)
    assert serving.is_complete(folder)
    manifest = json.loads((folder / serving.MANIFEST).read_text())
    history = serving.history_relations(manifest, 1)
    assert history == ['"intermediate"."int_bureau_aggregated_to_clients"',
                       '"intermediate"."int_credit_card_aggregated_to_clients"',
                       '"intermediate"."int_installments_aggregated_to_clients"',
                       '"intermediate"."int_pos_cash_aggregated_to_clients"',
                       '"intermediate"."int_previous_applications_aggregated_to_clients"']
    tables = serving.describe(folder)["tables"]
    n_clients = api_world.query(f"select count(*) from {api_world.snapshot}")[0][0]
    n_train = api_world.query(f"select count(*) from {api_world.snapshot} where split = 'train'")[0][0]
    profiles = f'marts."client_profiles__{api_world.feature_version}"'
    assert tables == {REGISTRY: 1, api_world.snapshot: n_clients, profiles: n_clients,
                      "raw.application_train": n_train, "raw.application_test": n_clients - n_train,
                      **dict.fromkeys(history, 0)}
    with duckdb.connect(str(folder / serving.DATABASE), read_only=True) as con:
        held = {f"{s}.{t}" for s, t in con.sql("select schema_name, table_name from duckdb_tables()").fetchall()}
        got = con.sql(f"select * from {api_world.snapshot} order by client_id limit 50").fetchall()
    assert held == {name.replace('"', "") for name in tables}
    assert got == api_world.query(f"select * from {api_world.snapshot} order by client_id limit 50")


def test_features_are_rebuilt_while_the_api_serves_from_its_snapshot(api_world: ApiWorld, clients: dict,
                                                                      tmp_path: Path) -> None:
    warehouse, settings = world_copy(api_world, tmp_path)
    built: dict[str, BuildResult | BaseException] = {}

    def rebuild() -> None:
        options = BuildOptions(duckdb_path=warehouse, project_dir=REPO_ROOT / "dbt_project",
                               reports_dir=tmp_path / "reports", target_path=tmp_path / "dbt-target",
                               log_path=tmp_path / "dbt-logs")
        try:
            built["result"] = build(options)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            built["result"] = error

    statuses, versions = [], set()
    with TestClient(create_app(settings)) as client:
        # the copy had no snapshot: the API wrote it once, from the warehouse, at start-up
        assert serving.is_complete(serving.folder(tmp_path / "homecredit.serving", api_world.feature_version))
        builder = threading.Thread(target=rebuild)
        builder.start()
        while builder.is_alive():
            for client_id in clients.values():
                response = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS)
                statuses.append(response.status_code)
                versions.add((response.json().get("model_version"), response.json().get("feature_version")))
        builder.join()
        after = client.get(f"/v1/clients/{clients['test']}/score", headers=HEADERS)
    result = built["result"]
    assert isinstance(result, BuildResult), f"the feature build failed while the API served: {result}"
    assert result.feature_version == "fv0002"
    assert serving.is_complete(serving.folder(tmp_path / "homecredit.serving", "fv0002"))
    assert len(statuses) >= 3
    assert set(statuses) == {200}
    assert versions == {(api_world.model_version, api_world.feature_version)}
    assert (after.status_code, after.json()["feature_version"]) == (200, api_world.feature_version)


def test_without_a_snapshot_a_locked_warehouse_is_refused_saying_what_to_do(api_world: ApiWorld,
                                                                           tmp_path: Path) -> None:
    warehouse, settings = world_copy(api_world, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(warehouse)!r})\nprint('locked', flush=True)\n"
                               "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StartupError) as refused, TestClient(create_app(settings)):
            pass
    finally:
        holder.communicate("", timeout=30)
    message = str(refused.value)
    assert message.startswith(f"feature version '{api_world.feature_version}' has no serving snapshot in "
                              f"{tmp_path / 'homecredit.serving'} and the warehouse {warehouse} cannot be read")
    assert message.endswith("a feature build is probably writing it; start the API again once `make features` is over")
    assert not serving.is_complete(serving.folder(tmp_path / "homecredit.serving", api_world.feature_version))
