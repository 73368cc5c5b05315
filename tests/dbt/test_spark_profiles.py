"""The Spark outputs of profiles.yml render without a cluster, and the local one says what Spark runs with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_project.pipeline.spark import profile_spark_conf, spark_environment

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def dbt(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HC_")}
    command = [sys.executable, "-m", "dbt.cli.main", *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT)]
    if args[0] != "debug":  # dbt debug writes nothing and takes no --target-path
        command += ["--target-path", str(tmp_path / "target")]
    return subprocess.run(command + ["--log-path", str(tmp_path / "logs")],
                          capture_output=True, text=True, timeout=180,
                          env=base | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"} | env)


@pytest.mark.parametrize("target", ["spark_thrift", "databricks", "spark"])
def test_dbt_parses_the_project_with_each_spark_target_without_a_cluster(target: str, tmp_path: Path) -> None:
    done = dbt(["parse", "--target", target], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "target" / "manifest.json").is_file()


def test_dbt_debug_validates_the_thrift_profile_and_only_the_connection_fails(tmp_path: Path) -> None:
    done = dbt(["debug", "--target", "spark_thrift"], tmp_path, HC_SPARK_THRIFT_HOST="127.0.0.1", HC_SPARK_THRIFT_PORT="9",
               HC_SPARK_CONNECT_RETRIES="0")
    output = done.stdout + done.stderr
    assert "profiles.yml file [OK found and valid]" in output
    assert "dbt_project.yml file [OK found and valid]" in output
    assert "type: spark" in output and "host: 127.0.0.1" in output and "port: 9" in output
    assert "Connection test: [ERROR]" in output
    assert done.returncode == 1


def test_the_local_profile_is_two_cores_with_its_metastore_under_the_spark_dir(tmp_path: Path, monkeypatch) -> None:
    for key in ("HC_SPARK_MASTER", "HC_SPARK_DRIVER_MEMORY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HC_SPARK_DIR", spark_environment(tmp_path)["HC_SPARK_DIR"])
    conf = profile_spark_conf(PROJECT)
    assert conf["spark.master"] == "local[2]"
    assert conf["spark.driver.memory"] == "2g"
    assert conf["spark.sql.warehouse.dir"] == f"{tmp_path}/warehouse"
    assert conf["spark.hadoop.javax.jdo.option.ConnectionURL"] == f"jdbc:derby:;databaseName={tmp_path}/metastore_db;create=true"
    assert conf["spark.sql.ansi.enabled"] == "false"
