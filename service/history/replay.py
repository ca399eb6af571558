"""Replay and verification: the auditor's proof that a case's history is sound.

Replaying starts the case's model version afresh and applies its recorded engine events
in order, with the clock and deadlines they recorded. After each event the replayed
state must hash to the digest the live run recorded; at the end it must match the case
row and the stored engine state. With the hash chain this shows the history is
complete, consistent with the model and untampered, and names the first bad entry.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.model_store import models_for
from service.core.db import make_engine, make_sessionmaker
from service.core.models import Case, CaseEvent, CaseState
from service.history.chain import (
    ENGINE_EVENTS,
    ChainResult,
    events_of,
    state_fingerprint,
    verify_chain,
)
from workflows.deadlines import DeadlineLog, ReplayMismatch
from workflows.engine import compaction
from workflows.engine.case_engine import CaseEngine
from workflows.engine.errors import EngineError, TaskNotReady
from workflows.engine.parsed_models import ParsedModels
from workflows.engine.script_engine import CaseScriptEngine


class ReplayDivergence(Exception):
    """Replay could not reproduce the recorded history at entry ``seq``."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"entry {seq}: {reason}")
        self.seq = seq
        self.reason = reason


@dataclass(frozen=True)
class Verification:
    """What verifying one case found; ``replay_seq`` and ``replay_reason`` say where and
    why replay departed from the history, and are None when it reproduced all of it."""

    case_id: int
    events: int
    chain: ChainResult
    first_bad_seq: int | None
    replay_seq: int | None = None
    replay_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.chain.intact and self.replay_ok

    @property
    def replay_ok(self) -> bool:
        return self.replay_reason is None

    @property
    def findings(self) -> list[str]:
        """Each check's finding, the chain's first: an altered entry usually breaks replay
        too, and the alteration is what the auditor must hear about."""
        found = [] if self.chain.intact else [self.chain.reason]
        if self.replay_reason is not None:
            found.append(f"replay fails at entry {self.replay_seq}: {self.replay_reason}")
        return found

    @property
    def reason(self) -> str:
        return "; ".join(self.findings) or "history verified"

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "ok": self.ok,
            "events": self.events,
            "chain_intact": self.chain.intact,
            "replay_ok": self.replay_ok,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "findings": self.findings,
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
            # Each case replays with the compaction it was filed with; cases filed before
            # compaction existed replay, and verify, on whole trees.
            workflow = engine.start(
                data["process_id"],
                data["initial"],
                script_engine,
                compaction.recorded_version(data),
            )
        elif workflow is None:
            raise ReplayDivergence(event.seq, "the case was not filed first")
        else:
            workflow.script_engine = script_engine
            if event.kind in ("task_completed", "supervision_closed"):
                engine.complete(workflow, data["task"], data["data"])
            else:
                fired = engine.fire_due_timers(workflow)
                if sorted(fired) != sorted(data["timers"]):
                    raise ReplayDivergence(event.seq, "the recorded timers were not due")
    except TaskNotReady as exc:
        raise ReplayDivergence(
            event.seq, f"step {exc} was not open at this point of the model"
        ) from exc
    except compaction.UnknownCompaction as exc:
        raise ReplayDivergence(event.seq, str(exc)) from exc
    except (ReplayMismatch, EngineError, KeyError, TypeError) as exc:
        raise ReplayDivergence(event.seq, f"the entry cannot be applied: {exc}") from exc
    deadlines = script_engine.environment.globals["deadline"]
    if len(deadlines.issued) != len(data.get("deadlines", [])):
        raise ReplayDivergence(event.seq, "the recorded deadlines differ from the model's")
    return workflow


def verify_case(session: Session, case: Case) -> Verification:
    """Chain, replay and stored state checked together; the first bad entry is named."""
    stored = session.get(CaseState, case.id)
    return verify_history(
        case.id,
        case.state_digest,
        events_of(session, case.id),
        stored.state if stored is not None else None,
        models_for(session, case.model_version),
    )


def verify_history(
    case_id: int,
    state_digest: str | None,
    events: Sequence[Any],
    stored_state: str | None,
    models: ParsedModels,
) -> Verification:
    """Verify one case from its parts; reads nothing, so any source of histories can use it."""
    chain = verify_chain(case_id, events)
    engine = CaseEngine(models)
    engine_events = [e for e in events if e.kind in ENGINE_EVENTS]
    try:
        if not engine_events:
            raise ReplayDivergence(1, "the history holds no filing")
        workflow = replay(engine, events)
        last = engine_events[-1]
        if engine.digest(workflow) != last.data.get("digest"):
            replay(engine, events, check_each=True)
            raise ReplayDivergence(last.seq, "the replayed state differs from the recorded one")
        if state_digest != last.data.get("digest"):
            raise ReplayDivergence(last.seq, "the case record differs from its history")
        if stored_state is None or state_fingerprint(stored_state) != last.data.get("state_sha256"):
            raise ReplayDivergence(last.seq, "the stored engine state differs from its history")
    except ReplayDivergence as exc:
        first_bad = exc.seq if chain.intact else min(exc.seq, chain.first_bad_seq or exc.seq)
        return Verification(case_id, len(events), chain, first_bad, exc.seq, exc.reason)
    return Verification(case_id, len(events), chain, chain.first_bad_seq)


def verify_all(session: Session, case_ids: Sequence[int] | None = None) -> list[Verification]:
    """Verify every case (or ``case_ids``), reading histories a batch of cases at a time."""
    if case_ids is None:
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    results = []
    for start in range(0, len(case_ids), BATCH):
        results.extend(_verify_batch(session, case_ids[start : start + BATCH]))
    return results


BATCH = 200


def _verify_batch(session: Session, case_ids: Sequence[int]) -> list[Verification]:
    # Plain rows, not ORM objects: verification only reads them, and there are many.
    cases = session.execute(
        select(Case.id, Case.state_digest, Case.model_version)
        .where(Case.id.in_(case_ids))
        .order_by(Case.id)
    ).all()
    states = dict(
        session.execute(
            select(CaseState.case_id, CaseState.state).where(CaseState.case_id.in_(case_ids))
        ).all()
    )
    table = CaseEvent.__table__
    events: dict[int, list[Any]] = {case.id: [] for case in cases}
    for event in session.execute(
        select(table).where(table.c.case_id.in_(case_ids)).order_by(table.c.case_id, table.c.seq)
    ):
        events[event.case_id].append(event)
    return [
        verify_history(
            case.id,
            case.state_digest,
            events[case.id],
            states.get(case.id),
            models_for(session, case.model_version),
        )
        for case in cases
    ]


def _verify_ids(url: str, case_ids: list[int]) -> list[Verification]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return verify_all(session, case_ids)
    finally:
        engine.dispose()


def verify_all_parallel(url: str, jobs: int) -> list[Verification]:
    """Verify every case with ``jobs`` processes: replay is CPU-bound engine work.

    The models are parsed before the processes start; where the platform can fork, the
    processes inherit them (and the imported code) instead of starting from nothing, and
    they are frozen out of the collector's sight first, so no process walks them again.
    Each process takes every ``jobs``-th case rather than a run of ids: old cases are
    mostly closed (long histories) and new ones open (short), so runs of ids would leave
    one process working long after the other had finished.
    """
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        for version in session.scalars(select(Case.model_version).distinct()):
            models_for(session, version)
    engine.dispose()
    if jobs <= 1 or len(ids) < 2 * jobs:
        return _verify_ids(url, ids)
    chunks = [ids[i::jobs] for i in range(jobs)]
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    gc.collect()
    gc.freeze()
    try:
        with ProcessPoolExecutor(jobs, mp_context=get_context(method)) as pool:
            parts = list(pool.map(_verify_ids, [url] * jobs, chunks))
    finally:
        gc.unfreeze()
    return sorted((v for part in parts for v in part), key=lambda v: v.case_id)
