"""The case service: filing, completing tasks and firing timers, one transaction each.

Every change to a case goes the same way: lock the case row, restore its engine state,
let the engine move, then save the state, the case row (revision + 1), the human-task
rows and one event in the same transaction. Either all of it lands or none. The work
of each lives in its own module (``opening``, ``steps``, ``timers``, on ``persistence``);
this class owns the sessions and the clock they run with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from service.cases import exclusive, opening, steps, timers
from service.cases.model_store import deploy
from service.core.clock import Clock
from service.core.errors import NotFound
from service.core.models import HumanTask, User
from service.people.access import Actor
from workflows import catalogue
from workflows.engine.bundle import ModelBundle


class CaseService:
    """Filing and advancing cases; the HTTP handlers and the CLI call only this."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads that ends with COMMIT rather than ROLLBACK.

        psycopg forgets every prepared statement of a connection when it rolls back (a
        rollback may undo a PREPARE), so requests whose reads ended in a rollback left
        PostgreSQL parsing and planning every statement of every request afresh.
        """
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def single_read(self) -> Iterator[Connection]:
        """A connection for one read statement on the tables, outside any transaction.

        One statement sees one snapshot on its own, so BEGIN and COMMIT would only add
        two round trips; and a plain connection skips a session's bookkeeping (about
        0.1 ms). The bearer-token check before every API request uses this.
        """
        engine = self.sessions.kw["bind"]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection

    def deploy_models(self, bundle: ModelBundle | None = None) -> str:
        with self.transaction() as session:
            return deploy(session, bundle or ModelBundle.from_directory(), self.clock.now())

    def actor(self, session: Session, username: str) -> Actor:
        user = session.scalar(select(User).where(User.username == username, User.active))
        if user is None:
            raise NotFound(f"no active user {username!r}")
        return Actor.of(user)

    def file_case(self, actor: Actor, payload: Mapping[str, Any]) -> int:
        """File a request; returns the new case's id. The applicant is the actor's body."""
        try:
            with self.transaction() as session:
                return opening.file_request(session, self.clock, actor, payload)
        except exclusive.LostRace as lost:
            # Undone; the filing that won is committed, so a new read names it.
            with self.reading() as session:
                matter = catalogue.matter(str(payload.get("matter_type")))
                raise exclusive.winner_refusal(session, matter, lost) from None

    def complete_task(
        self,
        actor: Actor,
        task_id: int,
        payload: Mapping[str, Any],
        expected_revision: int | None = None,
        check: Callable[[Session, HumanTask], None] | None = None,
    ) -> int:
        """Complete an open task with its form data; returns the case's new revision
        (``steps.complete_task`` says in which order problems are reported)."""
        with self.transaction() as session:
            return steps.complete_task(
                session, self.clock, actor, task_id, payload, expected_revision, check
            )

    def run_due_timers(self, limit: int = 100) -> int:
        """Fire the due timers of up to ``limit`` cases; returns how many cases moved.

        On PostgreSQL several workers can run at once: each claims cases with
        FOR UPDATE SKIP LOCKED, so no case is worked twice at the same moment, and a
        timer that has fired is no longer waiting, so running again never acts twice.
        """
        with self.transaction() as session:
            ids = timers.claim_due_cases(session, self.clock.now(), limit)
        return sum(self._fire_timers(case_id) for case_id in ids)

    def _fire_timers(self, case_id: int) -> int:
        with self.transaction() as session:
            return timers.fire_timers(session, self.clock, case_id)
