"""The command line end to end, against each test database (a temporary SQLite file first).

A failed command prints one line starting "error:" and changes nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from service.cases.case_service import CaseService
from service.cli.main import main
from service.core.models import Case, CaseEvent, CaseState, HumanTask
from service.demo.cases import filing_payload, step_payload

NOW = "2026-03-02T09:00:00+08:00"
ROOT = Path(__file__).resolve().parent.parent

Cli = Callable[..., tuple[Any, str]]


@pytest.fixture
def cli(database_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run one command in-process: (exit code or error message, standard output)."""

    def run(*args: str, now: str = NOW) -> tuple[Any, str]:
        try:
            main(["--database", database_url, "--now", now, *args])
            code: Any = 0
        except SystemExit as exit_:
            code = exit_.code
        return code, capsys.readouterr().out

    return run


@pytest.fixture
def demo(cli: Cli) -> None:
    """The demo district, its users and the demo cases, loaded through the command line."""
    code, out = cli("load-demo")
    assert code == 0, code
    assert "demo data loaded" in out and "demo cases filed" in out


@pytest.fixture
def users(service: CaseService) -> None:
    """The demo district and users only (quicker: no demo cases)."""


def _json_file(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _counts(db_engine: Engine) -> dict[str, int]:
    with Session(db_engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Case, CaseState, CaseEvent, HumanTask)
        }


def _task_ids(out: str, case_id: int) -> dict[str, int]:
    """bpmn id → task id of ``case_id`` in the output of ``tasks``."""
    return {
        m.group(2): int(m.group(1))
        for m in re.finditer(rf"^task (\d+)\tcase {case_id}\t(\w+)\t", out, re.MULTILINE)
    }


def test_load_demo_leaves_cases_in_several_states_once(cli: Cli, db_engine: Engine) -> None:
    code, out = cli("load-demo")
    assert code == 0 and "demo cases filed" in out
    with Session(db_engine) as session:
        statuses = set(session.scalars(select(Case.status)))
        waiting = set(session.scalars(select(HumanTask.bpmn_id).where(HumanTask.status == "open")))
    assert statuses == {"running", "closed", "rejected"}
    assert {"acceptance_check", "collective_study", "owners_vote", "fund_collection"} <= waiting
    before = _counts(db_engine)
    code, out = cli("load-demo")
    assert code == 0 and "demo data already present" in out and "filed" not in out
    assert _counts(db_engine) == before
    code, out = cli("verify", "--jobs", "1")
    assert code == 0 and f"{before['cases']} verified, 0 broken" in out
    assert "OK  administration log:" in out


def test_file_work_and_inspect_a_case(cli: Cli, users: None, tmp_path: Path) -> None:
    now = datetime.fromisoformat(NOW)
    filing = _json_file(tmp_path, "filing.json", filing_payload("fund_normal", now))
    code, out = cli("file", "--user", "committee", filing)
    assert code == 0
    case_id = int(re.fullmatch(r"case (\d+) filed\n", out).group(1))

    code, out = cli("tasks", "--user", "secretary")
    task_id = _task_ids(out, case_id)["acceptance_check"]
    accept = _json_file(tmp_path, "accept.json", {"acceptance_decision": "accept"})
    code, out = cli("complete", "--user", "secretary", "--task", str(task_id), accept)
    assert (code, out) == (0, f"task {task_id} completed; case revision 1\n")

    study = _json_file(tmp_path, "study.json", step_payload("fund_normal", "collective_study", now))
    code, out = cli("tasks", "--user", "member")
    study_id = _task_ids(out, case_id)["collective_study"]
    code, _ = cli("complete", "--user", "member", "--task", str(study_id), "--revision", "0", study)
    assert str(code).startswith("error:")
    code, out = cli(
        "complete", "--user", "member", "--task", str(study_id), "--revision", "1", study
    )
    assert code == 0 and out.endswith("case revision 2\n")

    code, out = cli("timeline", "--case", str(case_id))
    assert code == 0
    lines = out.splitlines()
    assert f"case {case_id}" in lines[0] and "[fund_normal]" in lines[0]
    assert [line.split()[3] for line in lines[1:]] == [
        "case_filed",
        "task_completed",
        "task_completed",
    ]
    code, out = cli("replay", "--case", str(case_id), "--upto", "1")
    assert code == 0 and "replayed to entry 1: open tasks acceptance_check" in out
    code, out = cli("replay", "--case", str(case_id), "--upto", "2")
    assert "open tasks collective_study" in out
    code, out = cli("replay", "--case", str(case_id))
    assert "open tasks written_reply" in out and "not ended" in out
    code, out = cli("verify", "--case", str(case_id))
    assert code == 0 and out.startswith(f"OK  case {case_id}: 3 entries")


def test_run_timers_at_a_given_instant(cli: Cli, demo: None, db_engine: Engine) -> None:
    code, out = cli("run-timers")
    assert (code, out) == (0, "0 case(s) advanced by due timers\n")
    later = "2026-03-09T09:00:00+08:00"
    code, out = cli("run-timers", now=later)
    moved = int(out.split()[0])
    assert code == 0 and moved >= 1
    code, out = cli("tasks", "--user", "street", now=later)
    assert "supervise_acceptance_check" in out
    before = _counts(db_engine)
    code, out = cli("run-timers", now=later)
    assert out == "0 case(s) advanced by due timers\n"
    assert _counts(db_engine) == before
    code, out = cli("verify", "--jobs", "1")
    assert code == 0 and "0 broken" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("file", "--user", "committee", "{bad}"), "is not valid JSON"),
        (("file", "--user", "committee", "{missing}"), "cannot read"),
        (("file", "--user", "nobody", "{good}"), "nobody"),
        (("file", "--user", "committee", "{invalid}"), "title"),
        (("file", "--user", "secretary", "{good}"), "error: "),
        (("complete", "--user", "secretary", "--task", "999999", "{good}"), "error: "),
        (("timeline", "--case", "999999"), "no case 999999"),
        (("replay", "--case", "999999"), "no case 999999"),
        (("verify", "--case", "999999"), "no case 999999"),
    ],
)
def test_errors_are_one_line_and_write_nothing(
    cli: Cli, users: None, db_engine: Engine, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    payload = filing_payload("firm_entry", datetime.fromisoformat(NOW))
    files = {
        "bad": str(tmp_path / "bad.json"),
        "missing": str(tmp_path / "missing.json"),
        "good": _json_file(tmp_path, "good.json", payload),
        "invalid": _json_file(
            tmp_path, "invalid.json", {**payload, "request": {**payload["request"], "title": ""}}
        ),
    }
    Path(files["bad"]).write_text('{"matter_type": ', encoding="utf-8")
    before = _counts(db_engine)
    code, out = cli(*(a.format(**files) for a in args))
    assert isinstance(code, str) and code.startswith("error: "), code
    assert "\n" not in code and message in code
    assert out == ""
    assert _counts(db_engine) == before


@pytest.mark.parametrize("user", ["nobody", "committee"], ids=["unknown-user", "invalid-form"])
def test_a_failing_command_exits_non_zero_with_one_line_on_stderr(
    database_url: str, users: None, db_engine: Engine, tmp_path: Path, user: str
) -> None:
    payload = filing_payload("firm_entry", datetime.fromisoformat(NOW))
    payload["request"]["affected_owners"] = "很多"
    filing = _json_file(tmp_path, "filing.json", payload)
    command = [sys.executable, "-m", "service.cli.main", "--database", database_url, "--now", NOW]
    done = subprocess.run(
        [*command, "file", "--user", user, filing],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert (user in done.stderr) if user == "nobody" else ("affected_owners" in done.stderr)
    assert _counts(db_engine) == dict.fromkeys(_counts(db_engine), 0)
