"""The deployment files in docker/, checked without a Docker engine.

No Docker engine runs on these machines, so the containers themselves are exercised by
running their commands on the host (tests/test_operations.py, benchmarks/fault_suite.py).
What is checked here is the files: Compose accepts the compose file (``docker-compose
config``, from Debian's package, which setup.sh installs), the commands it and the
Dockerfile run exist in this checkout, and every setting they pass is documented.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker" / "compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
OPERATIONS = ROOT / "docs" / "operations.md"
REQUIRED = {"POSTGRES_PASSWORD": "pw", "SECRET_KEY": "key"}


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    return subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    result = _compose_config(REQUIRED)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_accepts_the_file_and_runs_the_whole_service(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    assert set(services) == {"db", "migrate", "web", "worker"}
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["restart"] == "unless-stopped"
    url = services["web"]["environment"]["DATABASE_URL"]
    assert url == "postgresql+psycopg://prior_approval:pw@db:5432/prior_approval"
    assert services["web"]["environment"]["SECRET_KEY"] == "key"
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_start_without_a_secret(missing: str) -> None:
    result = _compose_config({k: v for k, v in REQUIRED.items() if k != missing})
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def test_the_commands_the_containers_run_exist(resolved: dict[str, Any]) -> None:
    commands = {tuple(s["command"]) for s in resolved["services"].values() if "command" in s}
    assert commands == {("prior-approval", "init-db"), ("prior-approval", "worker")}
    parser = build_parser()
    for _, subcommand in commands:
        assert parser.parse_args([subcommand]).command == subcommand
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE)
    assert cmd is not None
    gunicorn = yaml.safe_load(cmd.group(1))
    assert gunicorn[:3] == ["gunicorn", "--config", "/app/gunicorn.conf.py"]
    assert gunicorn[3] == "service.app:create_app()"
    for line in re.findall(r"^COPY (?!--from)(.*)$", DOCKERFILE.read_text(), re.MULTILINE):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"the image copies {source}, not in the checkout"


def test_every_setting_the_deployment_reads_is_documented() -> None:
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", OPERATIONS.read_text()))
    compose_text = COMPOSE.read_text()
    passed = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose_text))
    passed |= set(yaml.safe_load(compose_text)["x-env"])
    gunicorn = (ROOT / "docker" / "gunicorn.conf.py").read_text()
    passed |= set(re.findall(r'environ(?:\.get)?[\(\[]"([A-Z][A-Z0-9_]+)"', gunicorn))
    image_env = re.search(r"^ENV ((?:.*\\\n)*.*)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert image_env is not None
    passed |= {pair.split("=")[0] for pair in shlex.split(image_env.group(1).replace("\\\n", ""))}
    passed -= {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
    assert passed - documented == set()
