"""Replay and verification: the auditor's proof that a case's history is sound.

Replaying starts the case's model version afresh and applies its recorded engine events
in order, with the clock and deadlines they recorded. After each event the replayed
state must hash to the digest the live run recorded; at the end it must match the case
row and the stored engine state. With the hash chain this shows the history is
complete, consistent with the model and untampered, and names the first bad entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import make_engine, make_sessionmaker
from service.history import (
    ENGINE_EVENTS,
    ChainResult,
    events_of,
    state_fingerprint,
    verify_chain,
)
from service.model_store import models_for
from service.models import Case, CaseEvent, CaseState
from workflows.deadlines import DeadlineLog, ReplayMismatch
from workflows.engine import CaseEngine, CaseScriptEngine, TaskNotReady


class ReplayDivergence(Exception):
    """Replay could not reproduce the recorded history at entry ``seq``."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"entry {seq}: {reason}")
        self.seq = seq
        self.reason = reason


@dataclass(frozen=True)
class Verification:
    case_id: int
    events: int
    chain: ChainResult
    replay_ok: bool
    first_bad_seq: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.chain.intact and self.replay_ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "ok": self.ok,
            "events": self.events,
            "chain_intact": self.chain.intact,
            "replay_ok": self.replay_ok,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
        }


def _engine_for(event: CaseEvent) -> CaseScriptEngine:
    at = event.at
    deadlines = DeadlineLog(at, recorded=event.data.get("deadlines", []))
    return CaseScriptEngine(now=lambda: at, functions={"deadline": deadlines})


def replay(
    engine: CaseEngine,
    events: Sequence[CaseEvent],
    upto: int | None = None,
    check_each: bool = False,
) -> Any:
    """Rebuild the workflow from ``events`` (up to and including seq ``upto``).

    With ``check_each`` the state after every engine event is compared with the digest
    the live run recorded there, which names the first entry replay cannot reproduce;
    without it only the model's acceptance of each step is checked on the way.
    """
    workflow = None
    for event in events:
        if upto is not None and event.seq > upto:
            break
        if event.kind not in ENGINE_EVENTS:
            continue
        workflow = _apply(engine, workflow, event)
        if check_each and engine.digest(workflow) != event.data.get("digest"):
            raise ReplayDivergence(event.seq, "the replayed state differs from the recorded one")
    if workflow is None:
        raise ReplayDivergence(1, "the history holds no filing")
    return workflow


def _apply(engine: CaseEngine, workflow: Any, event: CaseEvent) -> Any:
    script_engine = _engine_for(event)
    data = event.data
    try:
        if event.kind == "case_filed":
            # Cases filed before compaction existed replay, and verify, on whole trees.
            workflow = engine.start(
                data["process_id"], data["initial"], script_engine, data.get("compact", False)
            )
        elif workflow is None:
            raise ReplayDivergence(event.seq, "the case was not filed first")
        else:
            workflow.script_engine = script_engine
            if event.kind == "task_completed":
                engine.complete(workflow, data["task"], data["data"])
            else:
                fired = engine.fire_due_timers(workflow)
                if sorted(fired) != sorted(data["timers"]):
                    raise ReplayDivergence(event.seq, "the recorded timers were not due")
    except TaskNotReady as exc:
        raise ReplayDivergence(
            event.seq, f"step {exc} was not open at this point of the model"
        ) from exc
    except (ReplayMismatch, SpiffWorkflowException, KeyError, TypeError) as exc:
        raise ReplayDivergence(event.seq, f"the entry cannot be applied: {exc}") from exc
    deadlines = script_engine.environment.globals["deadline"]
    if len(deadlines.issued) != len(data.get("deadlines", [])):
        raise ReplayDivergence(event.seq, "the recorded deadlines differ from the model's")
    return workflow


def verify_case(session: Session, case: Case) -> Verification:
    """Chain, replay and stored state checked together; the first bad entry is named."""
    events = events_of(session, case.id)
    chain = verify_chain(case.id, events)
    engine = CaseEngine(models_for(session, case.model_version))
    engine_events = [e for e in events if e.kind in ENGINE_EVENTS]
    try:
        if not engine_events:
            raise ReplayDivergence(1, "the history holds no filing")
        workflow = replay(engine, events)
        last = engine_events[-1]
        if engine.digest(workflow) != last.data.get("digest"):
            replay(engine, events, check_each=True)
            raise ReplayDivergence(last.seq, "the replayed state differs from the recorded one")
        if case.state_digest != last.data.get("digest"):
            raise ReplayDivergence(last.seq, "the case record differs from its history")
        stored = session.get(CaseState, case.id)
        if stored is None or state_fingerprint(stored.state) != last.data.get("state_sha256"):
            raise ReplayDivergence(last.seq, "the stored engine state differs from its history")
    except ReplayDivergence as exc:
        first_bad = exc.seq if chain.intact else min(exc.seq, chain.first_bad_seq or exc.seq)
        return Verification(case.id, len(events), chain, False, first_bad, exc.reason)
    if not chain.intact:
        return Verification(case.id, len(events), chain, True, chain.first_bad_seq, chain.reason)
    return Verification(case.id, len(events), chain, True, None, "history verified")


def verify_all(session: Session) -> list[Verification]:
    return [verify_case(session, case) for case in session.scalars(select(Case).order_by(Case.id))]


def _verify_ids(url: str, case_ids: list[int]) -> list[Verification]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return [verify_case(session, session.get(Case, case_id)) for case_id in case_ids]
    finally:
        engine.dispose()


def verify_all_parallel(url: str, jobs: int) -> list[Verification]:
    """Verify every case with ``jobs`` processes: replay is CPU-bound engine work."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    engine.dispose()
    if jobs <= 1 or len(ids) < 2 * jobs:
        return _verify_ids(url, ids)
    chunks = [ids[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(_verify_ids, [url] * jobs, chunks))
    return sorted((v for part in parts for v in part), key=lambda v: v.case_id)
