"""Scheduled deployments: served against a real Prefect server, and the production compose file.

The scheduled-run test starts its own Prefect server and ``pitboard serve`` as subprocesses with
an explicit environment, so it does not use the suite's ``prefect_harness``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crawler.registry import real_sites
from etl.store.models import ArticleRow, CrawlRunRow
from flows.cli import build_parser
from flows.deployments import RECLEAN_CRON, RECLEAN_DEPLOYMENT, build_deployments
from samplesite.server import ServedSites
from tests.prefect_server import api_call, running, wait_while_running

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
FIRST_RUN_SECONDS = 150


@pytest.mark.prefect  # a Prefect server of its own (prefect_env), not prefect_harness
def test_served_deployment_runs_on_schedule_and_loads_the_sample_site(
    prefect_env: dict[str, str],
    database_url: str,
    engine: Engine,
    served: ServedSites,
    tmp_path: Path,
) -> None:
    env = prefect_env | {"PITBOARD_DATABASE_URL": database_url}
    base_url = f"sample-en={served.base_url('sample-en')}"
    command = [sys.executable, "-m", "flows.cli", "serve", "sample-en", "--interval", "5"]
    completed_filter = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}
    with running([*command, "--base-url", base_url], env, tmp_path / "serve.log") as serving:
        wait_while_running(
            lambda: (
                (api_call(env["PREFECT_API_URL"], "/flow_runs/count", completed_filter) or 0) >= 1
            ),
            FIRST_RUN_SECONDS,
            "a scheduled run completed",
            serving,
        )
    with engine.connect() as conn:
        articles = conn.scalar(select(func.count()).select_from(ArticleRow))
        statuses = conn.scalars(select(CrawlRunRow.status).where(CrawlRunRow.site == "sample-en"))
        assert "completed" in set(statuses)
    assert articles and articles > 0


def test_serve_without_a_prefect_server_exits_2_and_says_how_to_start_one() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "PREFECT_API_URL" in result.stderr
    assert "prefect server start" in result.stderr


def test_one_deployment_per_real_site_on_its_cadence_plus_the_nightly_reclean() -> None:
    deployments = {d.name: d for d in build_deployments()}
    expected = {f"crawl-{site.name}": site.cadence for site in real_sites()}
    expected[RECLEAN_DEPLOYMENT] = RECLEAN_CRON
    crons = {name: [s.schedule.cron for s in d.schedules] for name, d in deployments.items()}
    assert crons == {name: [cron] for name, cron in expected.items()}
    assert all(d.concurrency_limit == 1 for d in deployments.values())
    assert all(
        deployments[f"crawl-{site.name}"].parameters["sites"] == [site.name]
        for site in real_sites()
    )


def test_an_interval_replaces_the_cron_for_demos_against_a_sample_site() -> None:
    crawl, _ = build_deployments(
        ["sample-en"], interval=5, base_urls={"sample-en": "http://127.0.0.1:9"}
    )
    assert [s.schedule.interval.total_seconds() for s in crawl.schedules] == [5]
    assert crawl.parameters["base_urls"] == {"sample-en": "http://127.0.0.1:9"}


# The production compose file (docker cannot run here, so it is checked against the code).


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def pitboard_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the ``pitboard`` entry point of the repository's image."""
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service and "entrypoint" not in service
    }


def code_reads(name: str) -> bool:
    """True when Pitboard's own code names the environment variable ``name``."""
    sources = [p for package in ("crawler", "etl", "flows") for p in (ROOT / package).rglob("*.py")]
    return any(f'"{name}"' in path.read_text() for path in sources)


def test_the_compose_file_names_its_services_and_builds_the_repository_image(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert {"postgres", "prefect-server", "worker"} <= set(services)
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on a missing {dependency}"
            assert condition["condition"] in ("service_healthy", "service_completed_successfully")
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no health check"
    for service in (services["worker"], services["prefect-server"]):
        assert service["build"]["dockerfile"] == "Dockerfile"
        assert (ROOT / service["build"]["context"] / "Dockerfile").is_file()


def test_every_pitboard_command_in_the_compose_file_parses(compose: dict[str, Any]) -> None:
    services = pitboard_services(compose)
    assert "worker" in services
    assert services["worker"]["command"][0] == "serve"
    for service in services.values():
        build_parser().parse_args(service["command"])  # exits (fails the test) if unknown


def test_every_environment_variable_the_compose_file_sets_is_read(compose: dict[str, Any]) -> None:
    import prefect.settings

    for name, service in compose["services"].items():
        if name == "postgres":
            continue  # the postgres image's own variables
        for variable in service.get("environment", {}):
            known = code_reads(variable) or (
                variable.startswith("PREFECT_") and hasattr(prefect.settings, variable)
            )
            assert known, f"{name} sets {variable}, which nothing reads"
    for service in pitboard_services(compose).values():
        assert service["environment"]["PITBOARD_DATABASE_URL"].startswith("postgresql+psycopg2://")
    worker = compose["services"]["worker"]["environment"]
    assert worker["PREFECT_API_URL"] == "http://prefect-server:4200/api"


def test_the_prefect_server_has_its_own_database_created_at_first_start(
    compose: dict[str, Any],
) -> None:
    server = compose["services"]["prefect-server"]["environment"]
    assert server["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    assert server["PREFECT_API_DATABASE_CONNECTION_URL"].endswith("@postgres:5432/${PREFECT_DB}")
    postgres = compose["services"]["postgres"]
    init_scripts = {c["source"]: c["target"] for c in postgres["configs"]}
    (source,) = init_scripts
    assert init_scripts[source].startswith("/docker-entrypoint-initdb.d/")
    assert 'CREATE DATABASE "${PREFECT_DB}"' in compose["configs"][source]["content"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])


def test_every_variable_the_compose_file_uses_is_in_the_env_example() -> None:
    example = (ROOT / ".env.example").read_text().splitlines()
    defined = {line.split("=", 1)[0] for line in example if "=" in line and line[0] != "#"}
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", COMPOSE_FILE.read_text()))
    assert used
    assert used <= defined


PREFECT_YAML = ROOT / "prefect.yaml"


def prefect(
    env: dict[str, str], *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """The ``prefect`` command line, from the repository root; fails the test when it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_prefect_yaml_has_the_deployments_and_schedules_of_serve() -> None:
    declared = yaml.safe_load(PREFECT_YAML.read_text())["deployments"]
    crons = {d["name"]: [s["cron"] for s in d.get("schedules", [])] for d in declared}
    served = {d.name: [s.schedule.cron for s in d.schedules] for d in build_deployments()}
    assert {name: crons[name] for name in served} == served
    assert {d["work_pool"]["name"] for d in declared} == {"pitboard"}
    for deployment in declared:
        site_parameters = deployment["parameters"].get("sites", [])
        assert deployment["concurrency_limit"] == 1
        assert "database_url" not in deployment["parameters"]  # the UI would show it
        if deployment["name"].startswith("crawl-"):
            assert site_parameters == [deployment["name"].removeprefix("crawl-")]
    # Besides serve's, only the unscheduled crawls of the sample sites.
    assert set(crons) - set(served) == {"crawl-sample-fr", "crawl-sample-en"}
    assert crons["crawl-sample-en"] == crons["crawl-sample-fr"] == []


@pytest.mark.prefect  # a Prefect server of its own (prefect_env), not prefect_harness
def test_prefect_deploy_and_a_worker_run_a_crawl_that_loads_articles(
    prefect_env: dict[str, str],
    database_url: str,
    engine: Engine,
    served: ServedSites,
    tmp_path: Path,
) -> None:
    env = prefect_env | {"PITBOARD_DATABASE_URL": database_url}
    prefect(env, "work-pool", "create", "pitboard", "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all")
    deployments = api_call(env["PREFECT_API_URL"], "/deployments/filter", {}) or []
    assert {d["name"] for d in deployments} == {
        d["name"] for d in yaml.safe_load(PREFECT_YAML.read_text())["deployments"]
    }
    parameters = json.dumps({"base_urls": {"sample-en": served.base_url("sample-en")}})
    worker = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "pitboard"]
    completed_filter = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}
    with running(worker, env, tmp_path / "worker.log") as working:
        prefect(
            env,
            "deployment",
            "run",
            "crawl_and_clean/crawl-sample-en",
            "--params",
            parameters,
        )
        wait_while_running(
            lambda: (
                (api_call(env["PREFECT_API_URL"], "/flow_runs/count", completed_filter) or 0) >= 1
            ),
            FIRST_RUN_SECONDS,
            "the deployment's run completed",
            working,
        )
    with engine.connect() as conn:
        articles = conn.scalar(select(func.count()).select_from(ArticleRow))
        statuses = set(
            conn.scalars(select(CrawlRunRow.status).where(CrawlRunRow.site == "sample-en"))
        )
    assert statuses == {"completed"}
    assert articles and articles > 0
