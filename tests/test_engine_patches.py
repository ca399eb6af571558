"""The engine's patches to SpiffWorkflow: applied only by one explicit, idempotent call.

Importing any module patches nothing; ``patches.install()`` does, once, and only on the
SpiffWorkflow release the patches were tested against; the engine refuses to run before
it. The pristine-import checks run in a fresh interpreter, since this test session has
installed the patches already (conftest).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow import task as spiff_task_module
from SpiffWorkflow.task import Task

from service.cli.main import main
from workflows.engine import patches

ROOT = Path(__file__).resolve().parent.parent


def _fresh_python(code: str) -> dict[str, Any]:
    """Run ``code`` in a new interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_install_is_idempotent() -> None:
    patches.install()
    patches.install()
    assert patches.installed()
    assert Task._set_state is patches.set_state
    assert Task._inherit_data is patches.inherit_data
    assert spiff_task_module.uuid4 is patches.new_task_id
    # The library's own methods are kept, not the engine's replacements of them.
    assert patches._library_set_state is not patches.set_state
    assert patches._library_inherit_data is not patches.inherit_data


def test_another_release_of_spiffworkflow_is_refused_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patches, "_installed", False)
    monkeypatch.setattr(patches, "installed_version", lambda: "3.3.0")
    with pytest.raises(patches.UnsupportedSpiffWorkflow) as refused:
        patches.install()
    message = str(refused.value)
    assert "3.2.0" in message and "3.3.0" in message
    assert not patches.installed()


def test_the_cli_refuses_another_release_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patches, "_installed", False)
    monkeypatch.setattr(patches, "installed_version", lambda: "4.0.1")
    with pytest.raises(SystemExit) as exited:
        main(["--database", "sqlite://", "verify"])
    assert str(exited.value).startswith("error: ")
    assert "3.2.0" in str(exited.value) and "4.0.1" in str(exited.value)


def test_importing_patches_nothing_and_the_engine_refuses_to_run_before_install() -> None:
    result = _fresh_python(
        """
        import json, logging, pkgutil, importlib
        from SpiffWorkflow import task as spiff_task
        from SpiffWorkflow.task import Task
        before = (Task._set_state, Task._inherit_data, spiff_task.uuid4)
        import workflows.engine, service.app, service.cli.main, service.worker
        for module in pkgutil.iter_modules(workflows.engine.__path__, "workflows.engine."):
            importlib.import_module(module.name)
        from workflows.engine.bundle import ModelBundle
        from workflows.engine.case_engine import CaseEngine
        from workflows.engine.parsed_models import ParsedModels
        from workflows.engine.patches import EngineNotInstalled
        untouched = (Task._set_state, Task._inherit_data, spiff_task.uuid4) == before
        refused = []
        for use in (lambda: ParsedModels(ModelBundle.from_directory()), lambda: CaseEngine(None)):
            try:
                use()
            except EngineNotInstalled as exc:
                refused.append(str(exc))
        print(json.dumps({
            "untouched": untouched,
            "log_level": logging.getLogger("spiff.task").level,
            "refused": refused,
        }))
        """
    )
    assert result["untouched"]
    assert result["log_level"] == 0
    assert len(result["refused"]) == 2
    assert all("workflows.engine.patches.install()" in m for m in result["refused"])


def test_the_app_factory_and_the_worker_install_the_patches() -> None:
    result = _fresh_python(
        """
        import json
        from service.app import create_app
        from workflows.engine import patches
        installed = []
        create_app({"DATABASE_URL": "sqlite://"})
        installed.append(patches.installed())
        patches._installed = False
        from service.core.clock import Clock
        from service.core.db import make_engine, make_sessionmaker
        from service.duties.schedule import DutyService
        from service.worker import Worker
        Worker(DutyService(make_sessionmaker(make_engine("sqlite://")), Clock()))
        installed.append(patches.installed())
        print(json.dumps({"installed": installed}))
        """
    )
    assert result["installed"] == [True, True]
