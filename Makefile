# Prêt à dépenser credit scoring: every target honours the HC_* environment variables (see README).
SHELL := /bin/bash
PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CLIENTS ?= 50000
SEED ?= 42
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: help setup lock bench-setup data load run status bench-make-run up test lint bench-data clean features dbt-docs bench-features

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# Installer: uv, pinned in the lock file itself, from the package index; pip when uv cannot be had. uv reads no
# pip.conf: it gets the extra indexes and wheel folders pip is configured with (most machines have none).
UV := $(VENV)/bin/uv
UV_PIN = $(shell grep -E '^uv==' requirements.txt)
UV_SOURCES = $$( { $(PY) -m pip config get global.extra-index-url 2>/dev/null | tr ' ' '\n' | sed '/^$$/d; s/^/--extra-index-url /'; \
	$(PY) -m pip config get global.find-links 2>/dev/null | tr ' ' '\n' | sed '/^$$/d; s/^/--find-links /'; } | tr '\n' ' ')
UV_FLAGS = --python $(PY) --system-certs --index-strategy unsafe-best-match $(UV_SOURCES)

$(STAMP): requirements.txt
	@command -v $(PYTHON_BIN) >/dev/null || { echo "error: $(PYTHON_BIN) not found (Python 3.11 is required)"; exit 1; }
	@test -x $(PY) || { echo "creating $(VENV) with $(PYTHON_BIN)"; $(PYTHON_BIN) -m venv $(VENV); }
	@echo "installing $(UV_PIN) (the installer), then the $$(grep -c '^[A-Za-z]' requirements.txt) pinned packages of requirements.txt"
	@if $(PY) -m pip install --quiet --disable-pip-version-check "$(UV_PIN)" 2>/dev/null; then \
		$(UV) pip sync $(UV_FLAGS) requirements.txt; \
	else \
		echo "uv is not available here: installing with pip instead (slower)"; \
		$(PY) -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt; \
	fi
	@touch $(STAMP)

setup: $(STAMP) ## create .venv (Python 3.11) and install the lock file requirements.txt with uv (pip as fallback); no-op when up to date

bench-setup: ## time make setup on a fresh clone of HEAD (uv cache empty, then filled), budget 60 s [BASELINE=ref for ratios]
	$(PYTHON_BIN) bench/setup_time.py $(if $(BASELINE),--baseline $(BASELINE))

lock: setup ## recompile requirements.txt from pyproject.toml (direct dependencies + dev group), keeping current pins [UPGRADE=pkg|all]
	$(UV) pip compile pyproject.toml --group dev --python-version 3.11 --custom-compile-command "make lock" \
		$(if $(filter all,$(UPGRADE)),--upgrade,$(if $(UPGRADE),--upgrade-package $(UPGRADE))) \
		--system-certs --index-strategy unsafe-best-match $(UV_SOURCES) -o requirements.txt
	@echo "requirements.txt recompiled: run make setup, then make test"

data: setup ## write synthetic Kaggle-format files into $HC_DATA_DIR [CLIENTS=N SEED=S]
	$(PY) -m warehouse.synth --clients $(CLIENTS) --seed $(SEED)

load: setup ## load the CSVs of $HC_DATA_DIR into DuckDB schema raw
	$(PY) -m warehouse.load

run: setup ## the main job: data (or your real files in $HC_DATA_DIR), features, a quick model, then serve API + dashboard + MLflow UI while the $PROFILE search runs in the background (make status); a second run skips what is up to date [CLIENTS=N PROFILE=standard|full|quick]
	$(PY) -m scripts.run --clients $(CLIENTS) --seed $(SEED) --profile $(PROFILE)

bench-make-run: setup ## time make run on a fresh clone of HEAD to the first served prediction (install included, budget 300 s), then a second run with nothing changed (budget 60 s) [CLIENTS=50000]
	$(PY) -m bench.make_run --clients $(CLIENTS)

status: setup ## where make run is: feature version, background stage and training progress, champion and challenger, API up? (exit 1 when the API does not answer)
	@$(PY) -m scripts.status

up: setup ## serve what is built: the API, the dashboard and the MLflow UI together, until Ctrl-C (prints the addresses and a dev key)
	$(PY) -m scripts.stack

test: setup browser-deps java-deps ## the whole test suite: ruff, workflow and Dockerfile lint, pytest (Spark tests included), then the container test
	$(PY) -m ruff check .
	$(MAKE) --no-print-directory lint-delivery
	$(PY) -m pytest
	$(MAKE) --no-print-directory container-test

lint: setup ## ruff
	$(PY) -m ruff check .

bench-data: setup ## full-size generation (356,255 clients): wall time and peak RSS
	$(PY) -m bench.data --clients 356255 --seed $(SEED)

features: load ## load, then dbt build + Great Expectations + publish a feature version (marts.client_features)
	$(PY) -m dbt_project.pipeline

dbt-docs: setup ## dbt docs as one page that opens as a file: models, columns, tests, exposures, lineage (dbt_project/target/static_index.html)
	HC_DUCKDB_PATH="$${HC_DUCKDB_PATH:-$(CURDIR)/warehouse/homecredit.duckdb}" \
		$(PY) -m dbt.cli.main docs generate --static --project-dir dbt_project --profiles-dir dbt_project
	@echo "open dbt_project/target/static_index.html in a browser (a file: no server), or serve the docs: cd dbt_project && ../$(VENV)/bin/dbt docs serve"

bench-features: setup ## full size (356,255 clients): load + features, wall time and peak RSS per step
	$(PY) -m bench.features --clients 356255 --seed $(SEED)

.PHONY: drift monitor simulate-drift simulate-decisions bench-overrides

drift: setup ## Evidently drift report, train vs test clients: reports/drift.{html,json,md}
	$(PY) -m monitoring drift

monitor: setup ## prediction events vs reference, delayed labels, human overrides, alerts (exit 1 on alert) [LAST=N | SINCE=iso UNTIL=iso]
	$(PY) -m monitoring monitor $(if $(LAST),--last $(LAST)) $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

simulate-drift: setup ## replay test clients through the running API, unchanged then drifted; monitor after each
	$(PY) -m monitoring simulate

simulate-decisions: setup ## replay scorings and human decisions (unbiased, then with a planted biased advisor); override alerts [DECISIONS=N]
	$(PY) -m monitoring.simulate_decisions $(if $(DECISIONS),--decisions $(DECISIONS))

bench-overrides: setup ## override alerts on 10 seeded decision replays per window size: false alarms of honest advisors, planted biased advisor named
	$(PY) -m bench.overrides

clean: ## remove generated data, databases and reports (keeps .venv)
	rm -rf data reports warehouse/*.duckdb warehouse/*.serving mlflow.db mlruns mlartifacts dbt_project/target dbt_project/logs

.PHONY: train mlflow-ui bench-train
PROFILE ?= standard

train: setup ## cross-validate, choose model + threshold, log to MLflow, register as credit-scoring@challenger; the promotion gate moves @champion if not worse; reports/model_card.md [PROFILE=quick|standard|full]
	$(PY) -m training --profile $(PROFILE)

bench-train: setup ## time a training profile on synthetic data in its own folder; champion vs Dummy/logistic, oracle ratios, budgets [PROFILE=standard CLIENTS=50000]
	$(PY) -m bench.training --profile $(PROFILE) --clients $(CLIENTS) --seed $(SEED)

mlflow-ui: setup ## MLflow UI on http://127.0.0.1:5000 (backend store: MLFLOW_TRACKING_URI, else HC_MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/mlflow ui --host 127.0.0.1 --port 5000 --backend-store-uri "$$($(PY) -m training --print-tracking-uri)"

.PHONY: dashboard screenshots browser-deps
CHROMIUM ?= $(or $(HC_CHROMIUM),/usr/bin/chromium)
AXE_CORE := tests/dashboard/node_modules/axe-core/axe.min.js
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

dashboard: setup ## the advisor dashboard on http://127.0.0.1:$HC_DASHBOARD_PORT (default 8501), talking to the API at $HC_API_URL with $HC_API_KEY
	$(PY) -m dashboard

screenshots: setup browser-deps ## every dashboard page at 100% and 200% zoom into reports/screenshots/ (needs the API running: make serve) [CLIENT=id]
	$(PY) -m tools.screenshots --out reports/screenshots $(if $(CLIENT),--client $(CLIENT))

browser-deps: ## headless Chromium (Debian package) and axe-core (npm) for the dashboard's browser tests; no-op when present
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@test -f $(AXE_CORE) || { command -v npm >/dev/null || { echo "error: npm (Node.js) is required for axe-core"; exit 1; }; \
		npm ci --prefix tests/dashboard --no-audit --no-fund --silent; }

.PHONY: serve export-model bench-api bench-access bench-counter-offer bench-reload

serve: setup ## the scoring API on http://$HC_API_HOST:$HC_API_PORT (127.0.0.1:8000), $HC_API_WORKERS workers; prints a development key when none is set
	$(PY) -m api serve

export-model: setup ## copy credit-scoring@champion into data/models/champion (serve it with HC_MODEL_DIR, no MLflow database) [OUT=folder]
	$(PY) -m api export-model $(if $(OUT),--out $(OUT))

bench-api: setup ## this API vs `mlflow models serve` and vs itself without access checks (wrk, concurrency 1 and 16): p50/p95/p99, req/s
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench.api

bench-counter-offer: setup ## GET /v1/clients/{id}/counter-offer at concurrency 1 beside POST /v1/score (wrk): p50/p95, target p95 <= 300 ms on 50,000 clients
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench.counter_offer

bench-reload: setup ## 2 workers at concurrency 16 for 60 s while a new champion is promoted (copies of the HC_* registry and warehouse): 0 non-2xx, swap delays; then make features while serving
	$(PY) -m bench.reload

bench-access: setup ## 10,000 requests of 4 principals over 2 workers at concurrency 32: audit rows = responses, events = scores, 0 5xx, rate limits across workers
	$(PY) -m bench.access

.PHONY: poc
poc: setup ## technology watch: Explainable Boosting Machine vs the champion on the same folds, holdout and cost; MLflow + docs/methodology.md
	$(PY) -m watch

# ---- delivery: container images, compose stack, workflow and Dockerfile lint (README "Run with containers") ----
.PHONY: serving-bundle container-deps container-base container-images container-test lint-delivery
# The image names: compose.yaml defaults to the same ones (tests/containers/test_delivery.py checks it); CD sets
# them to ghcr.io/<owner>/hc-api:<sha> and ghcr.io/<owner>/hc-dashboard:<sha>.
HC_API_IMAGE ?= localhost/hc-api:latest
HC_DASHBOARD_IMAGE ?= localhost/hc-dashboard:latest
# Local builds: a Debian bookworm base made here (no registry pull); CI/CD passes python:3.11-slim.
LOCAL_BASE := localhost/debian-base:bookworm
HC_BASE_IMAGE ?= $(LOCAL_BASE)
# podman as this sandbox needs it (runc, cgroupfs, limits it may not raise, host network): ../shared/DEPENDENCIES.md
HC_CONTAINER_ENGINE ?= podman --runtime runc --cgroup-manager=cgroupfs
BUNDLE ?= build/serving-bundle
export HC_API_IMAGE HC_DASHBOARD_IMAGE HC_BASE_IMAGE HC_CONTAINER_ENGINE

serving-bundle: setup ## what the API image serves: exported champion + DuckDB snapshot of its feature version + dbt manifest [BUNDLE=build/serving-bundle]
	$(PY) -m scripts.container_bundle --out $(BUNDLE)

container-deps: ## podman, runc and debootstrap (Debian packages) when missing
	@command -v podman >/dev/null && command -v runc >/dev/null && command -v debootstrap >/dev/null || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq podman runc debootstrap >/dev/null; }

container-base: container-deps ## the local Debian bookworm base image (debootstrap, pruned of docs, locales and .debs; built once)
	@$(HC_CONTAINER_ENGINE) image exists $(LOCAL_BASE) || { set -e; root=$$(mktemp -d); \
		$(SUDO) debootstrap --variant=minbase bookworm $$root http://deb.debian.org/debian >/dev/null; \
		$(SUDO) rm -rf $$root/var/cache/apt/archives/*.deb $$root/var/cache/apt/*.bin $$root/var/lib/apt/lists/* \
			$$root/usr/share/doc/* $$root/usr/share/man/* $$root/usr/share/info/* $$root/usr/share/locale/*; \
		$(SUDO) tar -C $$root -c . | $(HC_CONTAINER_ENGINE) import --quiet - $(LOCAL_BASE) >/dev/null; \
		$(SUDO) rm -rf $$root; echo "built $(LOCAL_BASE)"; }

container-images: setup $(if $(filter $(LOCAL_BASE),$(HC_BASE_IMAGE)),container-base) ## build $HC_API_IMAGE (with $BUNDLE: make serving-bundle first) and $HC_DASHBOARD_IMAGE here
	$(PY) -m scripts.container_images --bundle $(BUNDLE)

container-test: setup $(if $(filter $(LOCAL_BASE),$(HC_BASE_IMAGE)),container-base) browser-deps ## build both images from the local base, run them on a small warehouse and champion, check them (scores, 401, dashboard decision), remove them
	$(PY) -m pytest -m containers tests/containers -p no:cacheprovider

lint-delivery: setup ## actionlint + zizmor (offline) on the workflows, hadolint on the Dockerfiles
	$(VENV)/bin/actionlint .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet .github/workflows/
	$(VENV)/bin/hadolint api/Dockerfile dashboard/Dockerfile

# ---- Apache Spark: the same dbt models and the batch scoring beyond one machine (docs/scale.md) ----
.PHONY: java-deps spark-parity spark-features batch bench-spark score-all bench-score-all
SPARK_DIR := $(or $(HC_SPARK_DIR),data/spark)
# make spark-parity runs 5,000 clients unless CLIENTS is given (the file's default, 50,000, is for make run)
PARITY_CLIENTS := $(if $(filter command line environment,$(origin CLIENTS)),$(CLIENTS),5000)
ENGINE ?= duckdb

java-deps: ## Java 17 for Spark: Debian's openjdk-17-jre-headless when `java` is missing (CI machines have /usr/bin/java)
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

spark-parity: setup java-deps ## client_features and client_profiles built by dbt on DuckDB and on local Spark from the same files, compared (exit 1 names the first difference) [CLIENTS=5000 SEED=42]
	$(PY) -m dbt_project.pipeline.parity --clients $(PARITY_CLIENTS) --seed $(SEED) --workdir build/spark-parity-$(PARITY_CLIENTS)-$(SEED)

spark-features: setup java-deps ## load (checks) + raw tables as Parquet + dbt build --target spark (local Spark; tables in $HC_SPARK_DIR, default data/spark)
	$(PY) -m warehouse.load --parquet $(SPARK_DIR)/raw-parquet
	$(PY) -m dbt_project.pipeline.spark --raw-parquet $(SPARK_DIR)/raw-parquet

batch: setup ## score every client with credit-scoring@champion into data/scores/<engine> (Parquet) [ENGINE=duckdb|spark]
	$(if $(filter spark,$(ENGINE)),@$(MAKE) --no-print-directory java-deps)
	$(PY) -m training.batch --engine $(ENGINE)

score-all: setup ## every client of the champion's feature version scored by credit-scoring@champion into the warehouse table marts.client_scores (for analysts; dbt source scores.client_scores)
	$(PY) -m training.batch --engine duckdb --warehouse

bench-score-all: setup ## make score-all at full size (356,255 clients, replicated from the warehouse of HC_DUCKDB_PATH in a temporary copy): wall time, clients/s, load average, budget 60 s [CLIENTS=356255]
	$(PY) -m bench.score_all $(if $(filter command line,$(origin CLIENTS)),--clients $(CLIENTS))

bench-spark: setup java-deps ## dbt build on local Spark vs DuckDB from the same files: wall time and peak memory [CLIENTS=5000]
	$(PY) -m bench.spark_scale --clients $(PARITY_CLIENTS) --seed $(SEED)
