"""The history is tamper-evident: any edit of events, engine state or case row is found.

Tampering is done with plain SQL behind the service's back, as an intruder with database
access would; verification must name the first entry that no longer holds.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from api_support import make_app
from sqlalchemy import Engine, delete, select, update
from web_support import PASSWORD, Client

from service.cases.case_service import CaseService
from service.cases.model_store import models_for
from service.cli.main import main
from service.core.models import Case, CaseEvent, CaseState, HumanTask
from service.demo.cases import drive
from service.history.chain import event_hash, events_of
from service.history.replay import (
    Verification,
    replay,
    verify_all,
    verify_all_parallel,
    verify_case,
)
from workflows.engine.case_engine import CaseEngine

EVENTS = CaseEvent.__table__


@pytest.fixture
def closed_case(service: CaseService) -> int:
    """A firm-entry case worked to closure: one filing and eight completed steps."""
    case_id = drive(service, "firm_entry")
    assert _verify(service, case_id).ok
    return case_id


def _verify(service: CaseService, case_id: int) -> Verification:
    with service.sessions() as session:
        return verify_case(session, session.get(Case, case_id))


def _events(service: CaseService, case_id: int) -> list[CaseEvent]:
    with service.sessions() as session:
        return events_of(session, case_id)


def _edit_event(db_engine: Engine, case_id: int, seq: int, data: dict[str, Any]) -> None:
    with db_engine.begin() as conn:
        conn.execute(
            update(EVENTS).where(EVENTS.c.case_id == case_id, EVENTS.c.seq == seq).values(data=data)
        )


def _forged(data: dict[str, Any]) -> dict[str, Any]:
    """The same entry with one submitted value changed."""
    if "data" in data:
        return {**data, "data": {**data["data"], "forged": True}}
    return {**data, "initial": {**data["initial"], "forged": True}}


@pytest.mark.parametrize("position", [0, 4, -1], ids=["first", "middle", "last"])
def test_editing_one_event_is_detected_at_that_event(
    service: CaseService, db_engine: Engine, closed_case: int, position: int
) -> None:
    event = _events(service, closed_case)[position]
    _edit_event(db_engine, closed_case, event.seq, _forged(event.data))
    result = _verify(service, closed_case)
    assert not result.ok and not result.chain.intact
    assert result.first_bad_seq == event.seq


def test_a_rechained_forgery_is_caught_by_replay_at_that_event(
    service: CaseService, db_engine: Engine, closed_case: int
) -> None:
    """An intruder who also recomputes every later hash still cannot fool the replay."""
    events = _events(service, closed_case)
    target = events[3]
    assert target.task_bpmn_id == "written_reply"
    forged = {**target.data, "data": {**target.data["data"], "reply_reasons": "另有理由"}}
    prev_hash = events[2].hash
    with db_engine.begin() as conn:
        for event in events[3:]:
            data = forged if event.seq == target.seq else event.data
            new_hash = event_hash(
                prev_hash,
                closed_case,
                event.seq,
                event.kind,
                event.actor_id,
                event.at,
                event.task_bpmn_id,
                data,
            )
            conn.execute(
                update(EVENTS)
                .where(EVENTS.c.id == event.id)
                .values(data=data, prev_hash=prev_hash, hash=new_hash)
            )
            prev_hash = new_hash
    result = _verify(service, closed_case)
    assert result.chain.intact and not result.replay_ok
    assert result.first_bad_seq == target.seq


def test_deleting_an_event_is_detected(
    service: CaseService, db_engine: Engine, closed_case: int
) -> None:
    with db_engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.case_id == closed_case, EVENTS.c.seq == 3))
    result = _verify(service, closed_case)
    assert not result.ok and result.first_bad_seq == 3
    assert "missing" in result.chain.reason


def test_deleting_the_last_event_is_detected(
    service: CaseService, db_engine: Engine, closed_case: int
) -> None:
    last = _events(service, closed_case)[-1].seq
    with db_engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.case_id == closed_case, EVENTS.c.seq == last))
    result = _verify(service, closed_case)
    assert not result.ok and result.chain.intact
    assert result.first_bad_seq == last - 1  # the case record is ahead of its history


def test_reordering_events_is_detected(
    service: CaseService, db_engine: Engine, closed_case: int
) -> None:
    with db_engine.begin() as conn:
        where = EVENTS.c.case_id == closed_case
        conn.execute(update(EVENTS).where(where, EVENTS.c.seq == 3).values(seq=-3))
        conn.execute(update(EVENTS).where(where, EVENTS.c.seq == 4).values(seq=3))
        conn.execute(update(EVENTS).where(where, EVENTS.c.seq == -3).values(seq=4))
    result = _verify(service, closed_case)
    assert not result.ok and result.first_bad_seq == 3


def test_editing_the_stored_engine_state_is_detected(
    service: CaseService, db_engine: Engine, closed_case: int
) -> None:
    with service.sessions() as session:
        state = session.get(CaseState, closed_case).state
    with db_engine.begin() as conn:
        conn.execute(
            update(CaseState)
            .where(CaseState.case_id == closed_case)
            .values(state=state.replace('"case_closed"', '"case_rejected"', 1))
        )
    result = _verify(service, closed_case)
    assert result.chain.intact and not result.replay_ok
    assert result.first_bad_seq == _events(service, closed_case)[-1].seq
    assert "stored engine state" in result.reason


def test_editing_the_case_digest_is_detected(
    service: CaseService, db_engine: Engine, closed_case: int
) -> None:
    with db_engine.begin() as conn:
        conn.execute(update(Case).where(Case.id == closed_case).values(state_digest="0" * 64))
    result = _verify(service, closed_case)
    assert not result.ok and "case record" in result.reason


def test_replay_up_to_an_event_gives_the_open_tasks_of_that_moment(
    service: CaseService, closed_case: int
) -> None:
    with service.sessions() as session:
        case = session.get(Case, closed_case)
        engine = CaseEngine(models_for(session, case.model_version))
        events = events_of(session, closed_case)
        steps = list(
            session.scalars(
                select(HumanTask.bpmn_id)
                .where(HumanTask.case_id == closed_case)
                .order_by(HumanTask.id)
            )
        )
    # Entry 1 files the case and opens the first step; entry n completes step n - 1.
    assert len(events) == len(steps) + 1
    for event in events:
        workflow = replay(engine, events, upto=event.seq)
        open_tasks = [t.bpmn_id for t in engine.open_tasks(workflow)]
        assert open_tasks == steps[event.seq - 1 : event.seq], event.seq
        assert engine.digest(workflow) == event.data["digest"]
        ended = engine.ended_at(workflow)
        assert ended == ("case_closed" if event.seq == len(events) else None)


def _cli_verify(database_url: str, *args: str) -> int:
    try:
        main(["--database", database_url, "verify", "--jobs", "1", *args])
    except SystemExit as exit_:
        return int(exit_.code)
    return 0


def test_verify_command_exits_1_on_a_broken_case(
    service: CaseService, db_engine: Engine, database_url: str, closed_case: int, capsys
) -> None:
    other = drive(service, "fund_emergency", stop_before="acceptance_check")
    assert _cli_verify(database_url, "--case", str(closed_case)) == 0
    assert _cli_verify(database_url) == 0
    assert "2 verified, 0 broken" in capsys.readouterr().out
    event = _events(service, closed_case)[4]
    _edit_event(db_engine, closed_case, event.seq, _forged(event.data))
    assert _cli_verify(database_url, "--case", str(closed_case)) == 1
    assert f"BAD case {closed_case}" in capsys.readouterr().out
    assert _cli_verify(database_url, "--case", str(other)) == 0
    assert _cli_verify(database_url) == 1
    out = capsys.readouterr().out
    assert f"(first bad entry {event.seq})" in out and "1 verified, 1 broken" in out


def test_verifying_in_parallel_processes_finds_what_one_process_finds(
    service: CaseService, db_engine: Engine, database_url: str, closed_case: int
) -> None:
    others = [drive(service, "fund_emergency", stop_before="acceptance_check") for _ in range(4)]
    event = _events(service, others[2])[0]
    _edit_event(db_engine, others[2], event.seq, _forged(event.data))
    with service.sessions() as session:
        alone = [v.as_dict() for v in verify_all(session)]
    parallel = [v.as_dict() for v in verify_all_parallel(database_url, 2)]
    assert parallel == alone
    assert [v["case_id"] for v in parallel] == sorted([closed_case, *others])
    assert [v["case_id"] for v in parallel if not v["ok"]] == [others[2]]


def test_replay_is_the_same_with_the_engine_state_log_on(
    service: CaseService, closed_case: int, caplog: pytest.LogCaptureFixture
) -> None:
    """The engine skips SpiffWorkflow's per-state-change log records unless they are
    wanted; with them wanted, the library's own method runs and the case replays the same."""
    quiet = _verify(service, closed_case)
    with caplog.at_level(logging.INFO, logger="spiff.task"):
        logged = _verify(service, closed_case)
    assert logged.as_dict() == quiet.as_dict()
    assert logged.ok
    changes = [r for r in caplog.records if r.name == "spiff.task"]
    assert changes and all(r.getMessage().startswith("State ") for r in changes)


def test_an_altered_entry_that_also_breaks_replay_is_reported_as_altered_first(
    service: CaseService,
    db_engine: Engine,
    database_url: str,
    closed_case: int,
    tmp_path: Path,
    capsys,
) -> None:
    """The alteration is the cause and replay's failure its consequence: the chain's
    finding comes first everywhere verification is read (service, CLI, API, page)."""
    event = _events(service, closed_case)[4]
    assert event.kind == "task_completed"
    _edit_event(db_engine, closed_case, event.seq, {**event.data, "task": "oversight_check"})
    result = _verify(service, closed_case)
    assert not result.chain.intact and not result.replay_ok
    assert result.first_bad_seq == event.seq
    assert result.findings == [
        f"entry {event.seq} was altered",
        f"replay fails at entry {event.seq}: step oversight_check was not open at this "
        "point of the model",
    ]
    assert result.reason == "; ".join(result.findings)

    assert _cli_verify(database_url, "--case", str(closed_case)) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"BAD case {closed_case}: 9 entries, entry {event.seq} was altered; ")
    assert line.endswith(f"(first bad entry {event.seq})")

    app = make_app(service, tmp_path)
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"username": "auditor", "password": PASSWORD}
    ).get_json()["token"]
    answer = api.get(
        f"/api/v1/cases/{closed_case}/verification", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert answer["findings"] == result.findings and answer["reason"] == result.reason
    assert answer["first_bad_seq"] == event.seq

    page = Client(app, "auditor").get(f"/audit/cases/{closed_case}").text
    altered = page.index(f"第 {event.seq} 条记录的内容被改动")
    replayed = page.index(f"重放在第 {event.seq} 条与记录不符：记录的步骤“")
    assert altered < replayed
