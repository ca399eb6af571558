"""Authorization matrix: every role × every route × a target in scope and one out of it.

The world: in community C01 (street S01) case A waits for the secretary's acceptance
check and, its deadline passed, for the street's supervision; case R has its written
reply and waits for the committee's handover. Cases B and BR are the same in community
C03 (street S02), out of every scope below except the administrator's. Each role is one
demo user whose grants cover C01: committee (applicant), secretary, member (party
committee), street (S01), auditor_s1 (S01), admin — plus a caller without a token.

Each table row gives, per role, "in/out": the status for the in-scope target and for
the out-of-scope one. Routes that have no scope (catalogue, one's own tokens and filters
by themselves, administration) give one status. 404 is what out-of-scope reads as.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from string import Formatter
from typing import Any

import pytest
from api_support import (
    ACCEPT,
    HANDOVER,
    PDF,
    REPLY,
    STUDY,
    Client,
    advance,
    bind,
    firm_exit_filing,
    fresh_service,
    make_app,
    token_for,
)
from flask import Flask
from sqlalchemy import select

from service.admin.calendar_days import set_calendar_day
from service.admin.places import create_organization
from service.admin.users import add_grant
from service.admin.webhooks import register as register_webhook
from service.cases import attachments
from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.db import make_engine, make_sessionmaker
from service.core.errors import Unauthenticated
from service.core.models import (
    HumanTask,
    Notification,
    Organization,
    RoleGrant,
    SignInThrottle,
    User,
)
from service.demo.district import DEMO_PASSWORD
from service.people.access import Actor
from service.people.auth import issue_token
from service.people.sign_in import sign_in
from service.people.throttle import ThrottlePolicy
from service.tasks import saved_filters
from workflows.work_calendar import SHANGHAI

ROLES = ("anonymous", "applicant", "secretary", "member", "street", "auditor", "admin")
USERS = {
    "applicant": "committee",
    "secretary": "secretary",
    "member": "member",
    "street": "street",
    "auditor": "auditor_s1",
    "admin": "admin",
}
UPLOADERS = ("committee", "committee4", "secretary", "member", "street", "admin")
NOBODYS_FILE = "0" * 64
START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
_HANDOVER_DAYS = ("handover_date", "successor_took_over_on", "old_firm_left_on")


class World:
    """The targets, built on first use: a route only pays for the cases its path names."""

    def __init__(self, service: CaseService, clock: FixedClock, files_dir: Path) -> None:
        self.service = service
        self.clock = clock
        self.files_dir = files_dir
        self.tokens = {name: token_for(service, name) for name in USERS.values()}

    def actor(self, name: str) -> Actor:
        with self.service.sessions() as session:
            return self.service.actor(session, name)

    @cached_property
    def files(self) -> dict[str, str]:
        files = {}
        for index, name in enumerate(UPLOADERS):
            with self.service.transaction() as session:
                stored = attachments.store_upload(
                    session,
                    self.actor(name),
                    self.files_dir,
                    "x.pdf",
                    io.BytesIO(PDF + str(index).encode()),
                    self.clock.now(),
                )
            files[name] = stored.sha256
        return files

    def _file(self, committee: str, estate: str) -> int:
        attached = [{"name": "x.pdf", "sha256": self.files[committee]}]
        # The contract ends late enough for a handover after a reply given ten days on.
        filing = firm_exit_filing(estate, attached, service_end_date="2026-03-10")
        return self.service.file_case(self.actor(committee), filing)

    def today(self) -> str:
        return self.clock.now().astimezone(SHANGHAI).date().isoformat()

    def handover(self) -> dict[str, Any]:
        """The handover dated today, on or after the reply it follows."""
        return {**HANDOVER, **dict.fromkeys(_HANDOVER_DAYS, self.today())}

    @cached_property
    def cases(self) -> dict[str, int]:
        """A and B wait for acceptance; their deadline has passed, so the street supervises."""
        cases = {"A": self._file("committee", "E01"), "B": self._file("committee4", "E04")}
        self.clock.advance(days=10)
        self.service.run_due_timers()
        return cases

    @cached_property
    def reply_cases(self) -> dict[str, int]:
        """R and BR have their written reply and wait for the committee's handover."""
        cases = {"R": self._file("committee", "E01"), "BR": self._file("committee4", "E04")}
        for name, secretary in (("R", "secretary"), ("BR", "secretary3")):
            advance(
                self.service,
                cases[name],
                [
                    (secretary, ACCEPT),
                    (secretary, {**STUDY, "study_meeting_date": self.today()}),
                    (secretary, REPLY),
                ],
            )
        return cases

    def task(self, case_name: str, bpmn_id: str) -> int:
        case_id = {**self.cases, **self.reply_cases}[case_name]
        with self.service.sessions() as session:
            return session.scalar(
                select(HumanTask.id).where(
                    HumanTask.case_id == case_id,
                    HumanTask.bpmn_id == bpmn_id,
                    HumanTask.status == "open",
                )
            )

    @cached_property
    def spare_tokens(self) -> dict[str, int]:
        """A second token per user, for revoking without losing the one in use."""
        spare = {}
        for name in {*USERS.values(), "member"}:
            with self.service.transaction() as session:
                actor = self.service.actor(session, name)
                spare[name] = issue_token(session, actor, "spare", self.clock.now()).details.id
        return spare

    @cached_property
    def filters(self) -> dict[str, int]:
        return {
            name: saved_filters.save_filter(self.service, self.actor(name), "mine", {}).id
            for name in {*USERS.values(), "member"}
        }

    @cached_property
    def street2(self) -> int:
        with self.service.sessions() as session:
            return session.scalar(select(User.id).where(User.username == "street2"))

    @cached_property
    def grant(self) -> int:
        add_grant(
            self.service, self.actor("admin"), self.street2, {"role": "auditor", "place": "S02"}
        )
        with self.service.sessions() as session:
            return session.scalar(
                select(RoleGrant.id).where(
                    RoleGrant.user_id == self.street2, RoleGrant.role == "auditor"
                )
            )

    @cached_property
    def organization(self) -> int:
        with self.service.sessions() as session:
            return session.scalar(select(Organization.id).order_by(Organization.id).limit(1))

    @cached_property
    def firms(self) -> dict[str, int]:
        """The E01 firm's project (street S01) and one added in E04 (street S02)."""
        outside = create_organization(
            self.service,
            self.actor("admin"),
            {"kind": "property_firm", "name": "光明物业（光明新村项目）", "place": "E04"},
        )
        with self.service.sessions() as session:
            inside = session.scalar(
                select(Organization.id).where(Organization.name.contains("安居物业"))
            )
        return {"in": inside, "out": outside.id}

    @cached_property
    def notifications(self) -> dict[str, int]:
        """One unread notification per user."""
        found = {}
        with self.service.transaction() as session:
            for name in {*USERS.values(), "member"}:
                user_id = session.scalar(select(User.id).where(User.username == name))
                row = Notification(
                    user_id=user_id,
                    kind="reminder",
                    title="提醒",
                    body="",
                    created_at=self.clock.now(),
                    email_attempts=0,
                    email_error="",
                )
                session.add(row)
                session.flush()
                found[name] = row.id
        return found

    @cached_property
    def throttle(self) -> int:
        """A client slowed for one wrong password (a policy with no free ones)."""
        policy = ThrottlePolicy(free_failures=0)
        with pytest.raises(Unauthenticated):
            sign_in(self.service, "street", "not-the-password", "203.0.113.9", policy)
        with self.service.sessions() as session:
            return session.scalar(select(SignInThrottle.id).where(SignInThrottle.kind == "account"))

    @cached_property
    def webhook(self) -> int:
        """A receiver registered for the whole district."""
        return register_webhook(
            self.service, self.actor("admin"), "http://127.0.0.1:9/hook", ["closed"], place_id=1
        ).id

    @cached_property
    def calendar_day(self) -> str:
        set_calendar_day(self.service, self.actor("admin"), date(2026, 9, 29), False, "")
        return "2026-09-29"

    def day_after(self, days: int) -> str:
        """The day ``days`` after the world's today, in Beijing."""
        return date.fromordinal(
            self.clock.now().astimezone(SHANGHAI).date().toordinal() + days
        ).isoformat()

    def target(self, name: str, role: str, scope: str) -> Any:
        """What a placeholder of a path means for ``role`` in ``scope`` ("in" or "out")."""
        inside = scope == "in"
        user = USERS.get(role, "committee")
        other = "street" if user != "street" else "member"
        home = "A" if inside else "B"
        targets: dict[str, Callable[[], Any]] = {
            "case": lambda: self.cases[home],
            "reply_case": lambda: self.reply_cases["R" if inside else "BR"],
            "task": lambda: self.task(home, "acceptance_check"),
            "applicant_task": lambda: self.task("R" if inside else "BR", "handover_checklist"),
            "street_task": lambda: self.task(home, "supervise_acceptance_check"),
            "case_file": lambda: self.files["committee" if inside else "committee4"],
            "own_file": lambda: self.files.get(user, NOBODYS_FILE) if inside else self.files[other],
            "token": lambda: self.spare_tokens[user if inside else other],
            "filter": lambda: self.filters[user if inside else other],
            "grant": lambda: self.grant,
            "user": lambda: self.street2,
            "organization": lambda: self.organization,
            "day": lambda: self.calendar_day,
            "assignee": lambda: "secretary" if inside else "secretary3",
            "firm": lambda: self.firms[scope],
            "notification": lambda: self.notifications[user if inside else other],
            "throttle": lambda: self.throttle,
            "webhook": lambda: self.webhook,
            "estate": lambda: "E01" if inside else "E04",
        }
        return targets[name]()

    def path(self, template: str, role: str, scope: str) -> str:
        names = [field for _text, field, _spec, _conv in Formatter().parse(template) if field]
        return template.format(**{n: self.target(n, role, scope) for n in names})


# -- the table ---------------------------------------------------------------------------

Body = Callable[[str, str, World], Any] | dict | None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expect: tuple[str, ...]  # per ROLES: "in/out", or one status for routes without scope
    body: Body = None
    query: dict | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def _credentials(role: str, scope: str, world: World) -> dict:
    if role == "anonymous":
        return {"username": "committee", "password": "not-the-password"}
    return {"username": USERS[role], "password": DEMO_PASSWORD}


def _filing(role: str, scope: str, world: World) -> dict:
    return firm_exit_filing("E01" if scope == "in" else "E04")


def _unique(prefix: str) -> Callable[[str, str, World], dict]:
    def body(role: str, scope: str, world: World) -> dict:
        if prefix == "user":
            return {"username": f"u_{role}", "display_name": "新用户", "password": "secret-123"}
        if prefix == "place":
            return {"kind": "estate", "code": f"E_{role}", "name": "新小区", "parent": "C01"}
        return {"kind": "owners_committee", "name": f"{role}业委会", "place": "E02"}

    return body


READ = ("401", "200/404", "200/404", "200/404", "200/404", "200/404", "200/200")
EVERYONE = ("401", "200", "200", "200", "200", "200", "200")
PUBLIC = ("200",) * 7
SECRETARY_STEP = ("401", "403/404", "200/404", "403/404", "403/404", "403/404", "403/403")
APPLICANT_STEP = ("401", "200/404", "403/404", "403/404", "403/404", "403/404", "403/403")
STREET_STEP = ("401", "403/404", "403/404", "403/404", "200/404", "403/404", "403/403")
NOBODY = ("401", "403/404", "403/404", "403/404", "403/404", "403/404", "403/403")
OWN = ("401", "200/404", "200/404", "200/404", "200/404", "200/404", "200/404")
ADMIN = ("401", "403", "403", "403", "403", "403", "200")
ADMIN_CREATED = ("401", "403", "403", "403", "403", "403", "201")
INCIDENT = {
    "incident_kind": "major_problem",
    "title": "消防通道被占用",
    "occurred_at": "2026-03-02T08:00:00+08:00",
    "description": "消防通道被车辆占用。",
    "measures_taken": "已张贴通知。",
}

ROUTES = (
    # sign-in and tokens
    Route("POST", "/auth/token", ("401", "201", "201", "201", "201", "201", "201"), _credentials),
    Route("GET", "/auth/tokens", EVERYONE),
    Route("DELETE", "/auth/tokens/{token}", OWN),
    Route("GET", "/me", EVERYONE),
    # catalogue
    Route("GET", "/matters", EVERYONE),
    Route("GET", "/matters/firm_exit", EVERYONE),
    Route("GET", "/vote-rules", EVERYONE),
    # problem types
    Route("GET", "/problems", PUBLIC),
    Route("GET", "/problems/conflict", PUBLIC),
    # cases
    Route(
        "POST",
        "/cases",
        ("401", "201/403", "403/403", "403/403", "403/403", "403/403", "403/403"),
        _filing,
    ),
    Route("GET", "/cases", EVERYONE),
    Route("GET", "/cases.xlsx", EVERYONE),
    Route("GET", "/cases/{case}", READ),
    Route("GET", "/cases/{case}/comments", READ),
    Route(
        "POST",
        "/cases/{case}/comments",
        ("401", "201/404", "201/404", "201/404", "201/404", "403/404", "201/201"),
        {"body": "请尽快办理"},
    ),
    Route("GET", "/cases/{case}/events", READ),
    Route("GET", "/cases/{case}/replay", READ, query={"upto": 1}),
    Route("GET", "/cases/{case}/verification", READ),
    Route("GET", "/cases/{reply_case}/reply", READ),
    Route("GET", "/cases/{reply_case}/reply.pdf", READ),
    Route("GET", "/cases/{case}/attachments/{case_file}", READ),
    # tasks
    Route("GET", "/tasks", EVERYONE),
    Route("GET", "/tasks.xlsx", EVERYONE),
    Route("GET", "/tasks/{task}", READ),
    Route("GET", "/tasks/{task}/history", READ),
    # The party organization (secretary and members) sets due dates and priorities, and
    # so does the street while it supervises the step (the world's step is overdue).
    Route(
        "PATCH",
        "/tasks/{task}",
        ("401", "403/404", "200/404", "200/404", "200/404", "403/404", "403/403"),
        {"priority": 90},
    ),
    Route("POST", "/tasks/{task}/claim", SECRETARY_STEP),
    Route("POST", "/tasks/{task}/unclaim", SECRETARY_STEP),
    Route(
        "POST",
        "/tasks/{task}/assign",
        SECRETARY_STEP,
        lambda role, scope, world: {"assignee": world.target("assignee", role, scope)},
    ),
    Route("POST", "/tasks/{task}/complete", SECRETARY_STEP, {"data": ACCEPT}),
    Route("POST", "/tasks/{applicant_task}/claim", APPLICANT_STEP),
    Route("POST", "/tasks/{applicant_task}/assign", NOBODY, {"assignee": "committee"}),
    Route(
        "POST",
        "/tasks/{applicant_task}/complete",
        APPLICANT_STEP,
        lambda role, scope, world: {"data": world.handover()},
    ),
    Route("POST", "/tasks/{street_task}/claim", STREET_STEP),
    Route(
        "PATCH", "/tasks/{street_task}", STREET_STEP, {"follow_up_at": "2026-03-20T09:00:00+08:00"}
    ),
    Route(
        "POST",
        "/tasks/{street_task}/complete",
        STREET_STEP,
        {"data": {"supervision_note": "已督促社区党组织限期办理"}},
    ),
    Route("GET", "/tasks/{street_task}/supervision", READ),
    Route(
        "POST",
        "/tasks/{street_task}/supervision/deadline",
        STREET_STEP,
        lambda role, scope, world: {"due_on": world.day_after(5), "reason": "节后办理"},
    ),
    Route(
        "POST",
        "/tasks/{street_task}/supervision/summons",
        STREET_STEP,
        lambda role, scope, world: {
            "held_on": world.day_after(0),
            "attendees": ["社区书记"],
            "minutes": "限期三日办结",
        },
    ),
    Route(
        "POST",
        "/tasks/{street_task}/supervision/hand-back",
        STREET_STEP,
        {"instructions": "请即行受理"},
    ),
    # duties: incidents, the rectification ledger, the red/black list, notifications
    Route(
        "POST",
        "/incidents",
        ("401", "201", "403", "403", "403", "403", "403"),
        {"request": INCIDENT},
    ),
    Route("GET", "/rectification-ledger", EVERYONE),
    Route("GET", "/rectification-ledger.csv", EVERYONE),
    Route("GET", "/rectification-ledger.xlsx", EVERYONE),
    Route("GET", "/firms", ("401", "403", "403", "403", "200", "200", "200")),
    Route(
        "GET",
        "/firms/{firm}",
        ("401", "403/403", "403/403", "403/403", "200/404", "200/404", "200/200"),
    ),
    Route(
        "PUT",
        "/firms/{firm}/standing",
        ("401", "403/403", "403/403", "403/403", "403/404", "403/404", "200/200"),
        {"standing": "black", "reason": "拒不整改"},
    ),
    # estates: the maintenance fund, its statements recorded by the administrator or street
    Route("GET", "/estates/{estate}/fund", READ),
    Route("GET", "/estates/{estate}/fund.csv", READ),
    Route(
        "POST",
        "/estates/{estate}/fund/statements",
        ("401", "403/404", "403/404", "403/404", "201/404", "403/404", "201/201"),
        {"balance": "500000.00", "statement_date": "2026-03-01", "reference": "对账单"},
    ),
    Route("GET", "/notifications", EVERYONE),
    Route("POST", "/notifications/{notification}/read", OWN),
    Route("POST", "/notifications/read", EVERYONE),
    Route("GET", "/notifications/preferences", EVERYONE),
    Route(
        "PUT",
        "/notifications/preferences",
        EVERYONE,
        {"items": [{"kind": "comment", "email": False}]},
    ),
    # saved filters
    Route("GET", "/filters", EVERYONE),
    Route(
        "POST",
        "/filters",
        ("401", "201", "201", "201", "201", "201", "201"),
        {"name": "超期", "query": {"overdue": True}},
    ),
    Route(
        "DELETE",
        "/filters/{filter}",
        ("401", "204/404", "204/404", "204/404", "204/404", "204/404", "204/404"),
    ),
    # attachments
    Route("POST", "/attachments", ("401", "201", "201", "201", "201", "403", "201")),
    Route(
        "GET",
        "/attachments/{own_file}",
        ("401", "200/404", "200/404", "200/404", "200/404", "404/404", "200/404"),
    ),
    # administration
    Route("GET", "/admin/users", ADMIN),
    Route("POST", "/admin/users", ADMIN_CREATED, _unique("user")),
    Route("GET", "/admin/users/{user}", ADMIN),
    Route("PATCH", "/admin/users/{user}", ADMIN, {"display_name": "林主任"}),
    Route("POST", "/admin/users/{user}/grants", ADMIN_CREATED, {"role": "street", "place": "S01"}),
    Route("DELETE", "/admin/users/{user}/grants/{grant}", ADMIN),
    Route("GET", "/admin/places", ADMIN),
    Route("POST", "/admin/places", ADMIN_CREATED, _unique("place")),
    Route("GET", "/admin/organizations", ADMIN),
    Route("POST", "/admin/organizations", ADMIN_CREATED, _unique("organization")),
    Route("PATCH", "/admin/organizations/{organization}", ADMIN, {"name": "新名称"}),
    Route("GET", "/admin/calendar", ADMIN, query={"from": "2026-03-01", "to": "2026-03-31"}),
    Route("PUT", "/admin/calendar/2026-10-08", ADMIN, {"is_workday": True, "note": "调休"}),
    Route("DELETE", "/admin/calendar/{day}", ("401", "403", "403", "403", "403", "403", "204")),
    Route("GET", "/admin/settings", ADMIN),
    Route("PUT", "/admin/settings/acceptance_working_days", ADMIN, {"value": 5}),
    Route("DELETE", "/admin/settings/acceptance_working_days", ADMIN),
    Route("GET", "/admin/log", ADMIN, query={"action": "setting_set"}),
    Route("GET", "/admin/log/verification", ADMIN),
    Route("GET", "/admin/sign-in-throttles", ADMIN, query={"q": "street"}),
    Route("DELETE", "/admin/sign-in-throttles/{throttle}", ADMIN),
    Route("GET", "/admin/webhooks", ADMIN),
    Route(
        "POST",
        "/admin/webhooks",
        ADMIN_CREATED,
        {"url": "http://127.0.0.1:9/hook", "kinds": ["returned"], "place_id": 1},
    ),
    Route("GET", "/admin/webhooks/{webhook}/deliveries", ADMIN),
)


def probes(route: Route) -> list[tuple[str, str, int]]:
    """(role, scope, expected status), refusals first so a success cannot hide one."""
    found = []
    for role, cell in zip(ROLES, route.expect, strict=True):
        for scope, status in zip(("in", "out"), cell.split("/"), strict=False):
            found.append((role, scope, int(status)))
    return sorted(found, key=lambda p: p[2] < 300)


def check(app: Flask, world: World, route: Route) -> None:
    wrong = []
    for role, scope, expected in probes(route):
        client = Client(app.test_client(), world.tokens.get(USERS.get(role, "")))
        if route.path == "/attachments":
            response = client.upload()
        else:
            body = route.body(role, scope, world) if callable(route.body) else route.body
            path = world.path(route.path, role, scope)
            response = client.call(route.method, path, json=body, query_string=route.query)
        if response.status_code != expected:
            wrong.append((role, scope, expected, response.status_code, response.get_data(True)))
        elif expected >= 400:
            assert response.mimetype == "application/problem+json"
    assert not wrong, wrong


READ_ROUTES = [r for r in ROUTES if r.method == "GET"]
WRITE_ROUTES = [r for r in ROUTES if r.method != "GET"]


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory) -> Iterator[Flask]:
    """One app per module (building the OpenAPI document per test would dominate);
    each test binds it to its own service with ``bind``."""
    engine = make_engine(database_url)
    placeholder = CaseService(make_sessionmaker(engine), FixedClock(START))
    yield make_app(placeholder, tmp_path_factory.mktemp("unused"))
    engine.dispose()


@pytest.fixture(scope="module")
def read_world(database_url: str, app: Flask, tmp_path_factory) -> Iterator[World]:
    """Read-only routes change nothing, so they share one fully built world."""
    clock = FixedClock(START)
    service, engine = fresh_service(database_url, clock)
    world = World(service, clock, tmp_path_factory.mktemp("files"))
    for part in ("files", "cases", "reply_cases"):
        getattr(world, part)
    yield world
    engine.dispose()


def test_every_documented_route_is_in_the_table(app: Flask) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in spec["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert documented == {(r.method, _template(r.path)) for r in ROUTES}


def _template(path: str) -> str:
    """A table path as the OpenAPI document writes it."""
    names = {
        "{token}": "{token_id}",
        "{case}": "{case_id}",
        "{reply_case}": "{case_id}",
        "{case_file}": "{sha256}",
        "{own_file}": "{sha256}",
        "{task}": "{task_id}",
        "{applicant_task}": "{task_id}",
        "{street_task}": "{task_id}",
        "{filter}": "{filter_id}",
        "{user}": "{user_id}",
        "{grant}": "{grant_id}",
        "{organization}": "{organization_id}",
        "{firm}": "{organization_id}",
        "{notification}": "{notification_id}",
        "{throttle}": "{throttle_id}",
        "{webhook}": "{endpoint_id}",
        "/firm_exit": "/{code}",
        "/2026-10-08": "/{day}",
        "/acceptance_working_days": "/{key}",
        "/conflict": "/{slug}",
    }
    for placeholder, name in names.items():
        path = path.replace(placeholder, name)
    return path


@pytest.mark.parametrize("route", READ_ROUTES, ids=lambda r: r.name)
def test_read_route_per_role_and_scope(app: Flask, read_world: World, route: Route) -> None:
    check(bind(app, read_world.service, read_world.files_dir), read_world, route)


VISIBLE_CASES = {
    "committee": {"A", "R"},
    "secretary": {"A", "R"},
    "member": {"A", "R"},
    "street": {"A", "R"},
    "auditor_s1": {"A", "R"},
    "auditor": {"A", "R", "B", "BR"},
    "admin": {"A", "R", "B", "BR"},
    "committee4": {"B", "BR"},
    "secretary2": set(),
}
INBOX = {
    "committee": {"R.handover_checklist"},
    "secretary": {"A.acceptance_check"},
    "member": set(),
    "street": {"A.supervise_acceptance_check"},
    "street2": {"B.supervise_acceptance_check"},
    "auditor_s1": set(),
    "admin": set(),
    "secretary3": {"B.acceptance_check"},
}


def test_listings_show_exactly_what_is_in_scope(app: Flask, read_world: World) -> None:
    world = read_world
    bind(app, world.service, world.files_dir)
    case_names = {v: k for k, v in {**world.cases, **world.reply_cases}.items()}
    task_names = {
        world.task(case, step): f"{case}.{step}"
        for case, step in (
            ("A", "acceptance_check"),
            ("A", "supervise_acceptance_check"),
            ("B", "acceptance_check"),
            ("B", "supervise_acceptance_check"),
            ("R", "handover_checklist"),
            ("BR", "handover_checklist"),
        )
    }
    for username, expected in VISIBLE_CASES.items():
        client = Client(app.test_client(), token_for(world.service, username))
        items = client.get("/cases", query_string={"limit": 100}).get_json()["items"]
        assert {case_names[c["id"]] for c in items} == expected, username
    for username, expected in INBOX.items():
        client = Client(app.test_client(), token_for(world.service, username))
        items = client.get("/tasks", query_string={"limit": 100}).get_json()["items"]
        assert {task_names[t["id"]] for t in items} == expected, username


# Last: these tests empty the database the read-only world above lives in.
@pytest.mark.parametrize("route", WRITE_ROUTES, ids=lambda r: r.name)
def test_write_route_per_role_and_scope(
    app: Flask, service: CaseService, clock: FixedClock, tmp_path: Path, route: Route
) -> None:
    world = World(service, clock, tmp_path / "files")
    check(bind(app, service, world.files_dir), world, route)
