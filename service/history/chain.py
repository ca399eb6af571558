"""The append-only, hash-chained event log of a case.

Each event's hash covers its content and the previous event's hash, so changing,
removing or reordering any entry breaks the chain from that entry on, and verification
can name the first bad one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, insert, select
from sqlalchemy.orm import Session

from service.core.models import CaseEvent

GENESIS = "0" * 64
# The entries that move the engine; replay applies them in order.
ENGINE_EVENTS = ("case_filed", "task_completed", "supervision_closed", "timers_fired")

_EVENTS = CaseEvent.__table__
# Built once: every step appends an event, and building the statements cost more than
# sending them.
_CHAIN_HEAD = (
    select(_EVENTS.c.seq, _EVENTS.c.hash)
    .where(_EVENTS.c.case_id == bindparam("case"))
    .order_by(_EVENTS.c.seq.desc())
    .limit(1)
)
_APPEND = insert(_EVENTS)

# The last entry's seq and hash; (0, GENESIS) before the first.
ChainHead = tuple[int, str]


def chain_head_columns(case_id: ColumnElement[int]) -> tuple[ColumnElement, ColumnElement]:
    """The chain head of the case ``case_id`` names, as two columns another statement can
    carry (the step's read of its task does), saving a statement of its own."""
    events = _EVENTS.alias("head")
    seq = select(func.max(events.c.seq)).where(events.c.case_id == case_id)
    last_hash = (
        select(events.c.hash)
        .where(events.c.case_id == case_id)
        .order_by(events.c.seq.desc())
        .limit(1)
    )
    return seq.scalar_subquery().label("head_seq"), last_hash.scalar_subquery().label("head_hash")


def event_hash(
    prev_hash: str,
    case_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    at: datetime,
    task_bpmn_id: str | None,
    data: dict[str, Any],
) -> str:
    entry = [case_id, seq, kind, actor_id, at.isoformat(), task_bpmn_id, data]
    return chained_hash(prev_hash, entry)


def chained_hash(prev_hash: str, entry: list[Any]) -> str:
    """The hash of one log entry, chained to its predecessor's: canonical JSON, SHA-256."""
    body = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append_event(
    session: Session,
    case_id: int,
    kind: str,
    at: datetime,
    actor_id: int | None = None,
    task_bpmn_id: str | None = None,
    data: dict[str, Any] | None = None,
    head: ChainHead | None = None,
) -> None:
    """Append one event; the caller holds the case row lock, so ``seq`` cannot race.

    ``head`` is the chain head if the caller read it after taking the lock (and has
    appended nothing since); otherwise it is read here. The event is written at once, as
    a statement on the table: the log is append-only, so nothing about the row needs the
    ORM's tracking.
    """
    if head is None:
        last = session.execute(_CHAIN_HEAD, {"case": case_id}).first()
        head = (last.seq, last.hash) if last else (0, GENESIS)
    seq, prev_hash = head[0] + 1, head[1]
    data = json.loads(json.dumps(data or {}, ensure_ascii=False))
    session.execute(
        _APPEND,
        {
            "case_id": case_id,
            "seq": seq,
            "kind": kind,
            "actor_id": actor_id,
            "at": at,
            "task_bpmn_id": task_bpmn_id,
            "data": data,
            "prev_hash": prev_hash,
            "hash": event_hash(prev_hash, case_id, seq, kind, actor_id, at, task_bpmn_id, data),
        },
    )


@dataclass(frozen=True)
class ChainResult:
    intact: bool
    first_bad_seq: int | None
    reason: str


def verify_chain(case_id: int, events: Sequence[CaseEvent]) -> ChainResult:
    """Recompute a case's chain; name the first entry whose link or content does not match."""

    def recompute(prev_hash: str, event: CaseEvent) -> str:
        return event_hash(
            prev_hash,
            case_id,
            event.seq,
            event.kind,
            event.actor_id,
            event.at,
            event.task_bpmn_id,
            event.data,
        )

    return verify_links(events, recompute)


def verify_links(entries: Sequence[Any], recompute: Callable[[str, Any], str]) -> ChainResult:
    """Walk a log oldest first: ``seq`` must count from 1, each entry must link to its
    predecessor's hash, and ``recompute(prev_hash, entry)`` must give its own hash."""
    prev_hash = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            return ChainResult(False, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainResult(
                False, entry.seq, f"entry {entry.seq} does not link to its predecessor"
            )
        if recompute(prev_hash, entry) != entry.hash:
            return ChainResult(False, entry.seq, f"entry {entry.seq} was altered")
        prev_hash = entry.hash
    return ChainResult(True, None, "chain intact")


def events_of(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )


def recorded_steps(session: Session, case_id: int) -> list[CaseEvent]:
    """The case's filing and completed steps, oldest first: what its request, votes and
    reply are read from."""
    return list(
        session.scalars(
            select(CaseEvent)
            .where(
                CaseEvent.case_id == case_id,
                CaseEvent.kind.in_(("case_filed", "task_completed")),
            )
            .order_by(CaseEvent.seq)
        )
    )


def state_fingerprint(state: str) -> str:
    """Hash of a stored engine state, recorded in the chain so a changed state shows."""
    return hashlib.sha256(state.encode("utf-8")).hexdigest()
