"""The Dockerfiles, docker-compose.yml and infra/k8s agree with the code they deploy.

No Docker engine or cluster runs here, so these files are read and checked against the
settings classes (ports, variable names), the apps' routes (health paths) and the source tree
(what each image copies, which module it runs).
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from pydantic_settings import BaseSettings

from accounts.app import MIGRATIONS_DIR as ACCOUNTS_MIGRATIONS
from accounts.app import create_app as accounts_app
from accounts.settings import AccountsSettings
from accounts.tokens import generate_private_key_pem
from gateway.app import create_app as gateway_app
from gateway.settings import GatewaySettings
from ledger.app import MIGRATIONS_DIR as LEDGER_MIGRATIONS
from ledger.app import create_app as ledger_app
from ledger.settings import LedgerSettings
from projections.app import MIGRATIONS_DIR as PROJECTIONS_MIGRATIONS
from projections.app import create_app as projections_app
from projections.settings import ProjectionsSettings

ROOT = Path(__file__).resolve().parents[1]
DOCKER, K8S = ROOT / "infra" / "docker", ROOT / "infra" / "k8s"
UID = "10001"
SERVICES = ("accounts", "ledger", "projections")
# Variables the processes read that are not Nestegg settings (docs/OPERATIONS.md, Traces).
STANDARD_VARIABLES = {"OTEL_EXPORTER_OTLP_ENDPOINT"}


@dataclass(frozen=True)
class Process:
    name: str
    settings: type[BaseSettings]
    source: str  # the folder of its package in the repository
    migrations: Path | None

    @property
    def port(self) -> int:
        default: int = self.settings.model_fields[f"{self.name}_port"].default
        return default

    @property
    def variables(self) -> set[str]:
        return {f"NESTEGG_{field}".upper() for field in self.settings.model_fields}

    def app(self) -> web.Application:
        token = {"internal_token": "x" * 32}
        if self.name == "accounts":
            pem = generate_private_key_pem().decode()
            return accounts_app(AccountsSettings(jwt_private_key=pem, **token))
        if self.name == "ledger":
            return ledger_app(LedgerSettings(**token))
        if self.name == "projections":
            return projections_app(ProjectionsSettings(**token))
        return gateway_app(GatewaySettings(**token))


PROCESSES = {
    p.name: p
    for p in (
        Process("accounts", AccountsSettings, "services/accounts", ACCOUNTS_MIGRATIONS),
        Process("ledger", LedgerSettings, "services/ledger", LEDGER_MIGRATIONS),
        Process("projections", ProjectionsSettings, "services/projections", PROJECTIONS_MIGRATIONS),
        Process("gateway", GatewaySettings, "gateway", None),
    )
}
BY_PROCESS = pytest.mark.parametrize("process", list(PROCESSES.values()), ids=lambda p: p.name)


def routes_of(process: Process) -> set[str]:
    return {route.resource.canonical for route in process.app().router.routes() if route.resource}


# --- Dockerfiles ---------------------------------------------------------------------------------


def instructions(path: Path) -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def only(found: list[tuple[str, str]], instruction: str) -> list[str]:
    return [args for word, args in found if word == instruction]


def env_of(found: list[tuple[str, str]]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for args in only(found, "ENV"):
        pairs |= dict(item.split("=", 1) for item in args.split())
    return pairs


def copies(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [tuple(args.split()) for args in only(found, "COPY")]  # type: ignore[misc]


@BY_PROCESS
def test_each_image_is_slim_runs_as_a_user_and_installs_only_its_own_packages(
    process: Process,
) -> None:
    found = instructions(DOCKER / f"{process.name}.Dockerfile")
    assert only(found, "FROM") == ["python:3.11-slim"]
    assert only(found, "USER")[-1] == f"{UID}:{UID}"
    sources = {src for src, _ in copies(found)}
    assert sources == {"constraints.txt", "libs/common", process.source}
    # Copied to the same path as in the repository, so `<package>/../migrations` resolves.
    assert all(dest in {src, "./"} for src, dest in copies(found))
    (install,) = only(found, "RUN")[1:]
    assert install == f"pip install -c constraints.txt -e libs/common -e {process.source}"
    if process.migrations is not None:
        assert process.migrations == ROOT / process.source / "migrations"
        assert any(process.migrations.glob("*.sql"))


@BY_PROCESS
def test_each_image_listens_on_its_default_port_and_runs_its_module(process: Process) -> None:
    found = instructions(DOCKER / f"{process.name}.Dockerfile")
    assert only(found, "EXPOSE") == [str(process.port)]
    env = env_of(found)
    assert env[f"NESTEGG_{process.name.upper()}_PORT"] == str(process.port)
    assert env["NESTEGG_HOST"] == "0.0.0.0"  # noqa: S104 - a container listens on its interface
    assert {k for k in env if k.startswith("NESTEGG_")} <= process.variables
    assert json.loads(only(found, "CMD")[0]) == ["python", "-m", process.name]
    assert (ROOT / process.source / process.name / "__main__.py").is_file()


@BY_PROCESS
def test_each_image_checks_its_health_on_a_route_that_exists(process: Process) -> None:
    (check,) = only(instructions(DOCKER / f"{process.name}.Dockerfile"), "HEALTHCHECK")
    assert f"http://127.0.0.1:{process.port}/healthz" in check
    assert {"/healthz", "/readyz"} <= routes_of(process)


def test_the_migration_image_holds_every_services_migrations_and_no_service_code() -> None:
    found = instructions(DOCKER / "migrate.Dockerfile")
    assert only(found, "FROM") == ["python:3.11-slim"]
    assert only(found, "USER")[-1] == f"{UID}:{UID}"
    sources = {src for src, _ in copies(found)}
    migrations = {f"services/{s}/migrations" for s in SERVICES}
    assert sources == {"constraints.txt", "libs/common", "infra/devcluster.py", *migrations}
    assert json.loads(only(found, "CMD")[0]) == ["python", "infra/devcluster.py", "migrate"]


def test_the_build_context_sends_the_sources_and_leaves_tests_and_state_out() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(fnmatch.fnmatch(p, pattern) for p in prefixes for pattern in patterns)

    needed = [
        "constraints.txt",
        "infra/devcluster.py",
        "libs/common/pyproject.toml",
        "libs/common/nestegg_common/service.py",
        "gateway/gateway/app.py",
        *(f"services/{s}/migrations/0001.x.sql" for s in SERVICES),
        *(f"services/{s}/{s}/app.py" for s in SERVICES),
    ]
    assert [path for path in needed if ignored(path)] == []
    unwanted = [".venv/bin/python", "services/ledger/tests/conftest.py", "tests/e2e/x.py", ".git/x"]
    assert [path for path in unwanted if not ignored(path)] == []


# --- docker-compose.yml --------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def resolved(value: str) -> str:
    """Replace `${VAR:-default}` by its default and `${VAR:?message}` by a placeholder."""

    def one(match: re.Match[str]) -> str:
        return match.group(3) if match.group(2) == "-" else f"<{match.group(1)}>"

    return _INTERPOLATION.sub(one, str(value))


def test_compose_runs_postgres_18_with_one_database_per_service() -> None:
    postgres = compose()["services"]["postgres"]
    assert postgres["image"] == "postgres:18"
    init = next(v for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v)
    folder = ROOT / init.split(":")[0]
    created = set(
        re.findall(r"CREATE DATABASE (\w+);", "".join(f.read_text() for f in folder.iterdir()))
    )
    expected = {PROCESSES[s].settings.model_fields[f"{s}_database"].default for s in SERVICES}
    assert created == expected
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_compose_migrates_once_before_any_process_starts() -> None:
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["build"] == {"context": ".", "dockerfile": "infra/docker/migrate.Dockerfile"}
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert set(migrate["environment"]) == {"NESTEGG_DATABASE_URL"}
    for name in PROCESSES:
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


@BY_PROCESS
def test_compose_gives_each_process_its_image_real_settings_and_a_health_check(
    process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = compose()["services"][process.name]
    assert service["build"] == {
        "context": ".",
        "dockerfile": f"infra/docker/{process.name}.Dockerfile",
    }
    env = {k: resolved(v) for k, v in service["environment"].items()}
    assert {k for k in env if k.startswith("NESTEGG_")} <= process.variables
    assert {k for k in env if not k.startswith("NESTEGG_")} <= STANDARD_VARIABLES
    assert env[f"NESTEGG_{process.name.upper()}_PORT"] == str(process.port)
    for other in PROCESSES.values():
        url = env.get(f"NESTEGG_{other.name.upper()}_URL")
        assert url in (None, f"http://{other.name}:{other.port}"), other.name
    # Secrets are never written in the file: they come from the operator's environment.
    for secret in ("NESTEGG_INTERNAL_TOKEN", "NESTEGG_JWT_PRIVATE_KEY"):
        if secret in service["environment"]:
            assert service["environment"][secret].startswith(f"${{{secret}:?"), secret
    # The settings class accepts what compose passes.
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NESTEGG_JWT_PRIVATE_KEY", generate_private_key_pem().decode())
    process.settings()
    check = " ".join(service["healthcheck"]["test"])
    path = re.search(rf"http://127\.0\.0\.1:{process.port}(/\w+)", check)
    assert path is not None and path.group(1) in routes_of(process)


def test_compose_publishes_the_gateway_only() -> None:
    services = compose()["services"]
    published = {name for name, s in services.items() if "ports" in s}
    assert published == {"gateway"}
    (mapping,) = services["gateway"]["ports"]
    assert resolved(mapping).split(":")[-1] == str(PROCESSES["gateway"].port)


def test_compose_has_an_opt_in_collector_the_processes_export_to() -> None:
    services = compose()["services"]
    collector = services["otel-collector"]
    assert collector["profiles"] == ["observability"]
    config_path = ROOT / collector["volumes"][0].split(":")[0]
    config = yaml.safe_load(config_path.read_text())
    port = config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].rsplit(":", 1)[-1]
    for name in PROCESSES:
        env = services[name]["environment"]
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://otel-collector:{port}", name
        assert resolved(env["NESTEGG_OTEL_EXPORTER"]) == "none", name  # opt-in: otlp


# --- Kubernetes ----------------------------------------------------------------------------------


def manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return documents


def find(kind: str, name: str) -> dict[str, Any]:
    (found,) = [m for m in manifests() if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def container_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


def test_kustomize_applies_every_manifest_and_the_existing_backup_cronjob() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files | {"../backup"}
    backup = yaml.safe_load((ROOT / "infra" / "backup" / "kustomization.yaml").read_text())
    assert backup["resources"] == ["cronjob.yaml"]
    kinds = [m["kind"] for m in manifests()]
    assert "CronJob" not in kinds  # referenced, not copied
    images = {i["name"] for i in kustomization["images"]}
    assert images == {f"nestegg-{name}" for name in (*PROCESSES, "migrate")}


@BY_PROCESS
def test_each_deployment_listens_where_its_service_and_the_others_expect(
    process: Process,
) -> None:
    deployment = find("Deployment", f"nestegg-{process.name}")
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["image"] == f"nestegg-{process.name}"
    assert container["ports"] == [{"name": "http", "containerPort": process.port}]
    env = container_env(container)
    assert set(env) <= process.variables
    assert env[f"NESTEGG_{process.name.upper()}_PORT"]["value"] == str(process.port)
    for other in PROCESSES.values():
        if f"NESTEGG_{other.name.upper()}_URL" in env:
            url = env[f"NESTEGG_{other.name.upper()}_URL"]["value"]
            assert url == f"http://nestegg-{other.name}:{other.port}"
    service = find("Service", f"nestegg-{process.name}")
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["ports"] == [
        {"name": "http", "port": process.port, "targetPort": "http"}
    ]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert str(pod["spec"]["securityContext"]["runAsUser"]) == UID


@BY_PROCESS
def test_each_deployment_probes_health_routes_that_exist(process: Process) -> None:
    (container,) = find("Deployment", f"nestegg-{process.name}")["spec"]["template"]["spec"][
        "containers"
    ]
    liveness, readiness = container["livenessProbe"], container["readinessProbe"]
    assert liveness["httpGet"] == {"path": "/healthz", "port": "http"}
    # The gateway's /readyz needs all three services; see the comment in gateway.yaml.
    expected = "/healthz" if process.name == "gateway" else "/readyz"
    assert readiness["httpGet"] == {"path": expected, "port": "http"}
    assert {"/healthz", "/readyz"} <= routes_of(process)


@BY_PROCESS
def test_secrets_are_referenced_never_written(process: Process) -> None:
    (container,) = find("Deployment", f"nestegg-{process.name}")["spec"]["template"]["spec"][
        "containers"
    ]
    env = container_env(container)
    secrets = {"NESTEGG_INTERNAL_TOKEN"}
    if process.name != "gateway":
        secrets.add("NESTEGG_DATABASE_URL")
    if process.name == "accounts":
        secrets |= {"NESTEGG_JWT_PRIVATE_KEY", "NESTEGG_JWT_PREVIOUS_PUBLIC_KEYS"}
    for name in secrets:
        assert "value" not in env[name], name
        assert env[name]["valueFrom"]["secretKeyRef"]["name"].startswith("nestegg-"), name
    assert not {n for n, e in env.items() if "valueFrom" in e} - secrets


def test_projections_scale_out_on_cpu() -> None:
    hpa = find("HorizontalPodAutoscaler", "nestegg-projections")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "nestegg-projections")
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    (container,) = find("Deployment", "nestegg-projections")["spec"]["template"]["spec"][
        "containers"
    ]
    assert "cpu" in container["resources"]["requests"]  # utilisation is relative to requests


def test_the_migration_job_migrates_each_service_on_its_own_database() -> None:
    job = find("Job", "nestegg-migrate")
    containers = job["spec"]["template"]["spec"]["containers"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    by_service = {c["command"][-1]: c for c in containers}
    assert set(by_service) == set(SERVICES)
    for service, container in by_service.items():
        assert container["image"] == "nestegg-migrate"
        assert container["command"] == ["python", "infra/devcluster.py", "migrate", service]
        env = container_env(container)
        assert set(env) == {"NESTEGG_DATABASE_URL"}
        ref = env["NESTEGG_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        deployment = find("Deployment", f"nestegg-{service}")
        (app,) = deployment["spec"]["template"]["spec"]["containers"]
        # The same database the service itself uses.
        assert container_env(app)["NESTEGG_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == ref
