"""Who may see and act on what: roles held at places, mapped to BPMN lanes.

A grant gives a role at a place; it covers that place and everything under it
(district → street → community → estate). Applicant users act only for the
organization named in their grant.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import aliased

from service.core.models import Case, HumanTask, Place, User

ROLES = (
    "applicant",
    "party_secretary",
    "party_committee",
    "street",
    "auditor",
    "admin",
)

# Which held roles may work a task of each lane. The secretary sits on the committee.
LANE_ROLES: dict[str, tuple[str, ...]] = {
    "applicant": ("applicant",),
    "party_secretary": ("party_secretary",),
    "party_committee": ("party_committee", "party_secretary"),
    "street": ("street",),
}


# Roles that only read: they never work tasks, comment or upload.
READ_ONLY_ROLES = ("auditor",)


@dataclass(frozen=True)
class Grant:
    role: str
    place_id: int
    organization_id: int | None
    place_kind: str = ""


@dataclass(frozen=True)
class Actor:
    """A signed-in user with the grants they hold."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[Grant, ...]

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            grants=tuple(
                Grant(g.role, g.place_id, g.organization_id, g.place.kind) for g in user.grants
            ),
        )

    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def is_admin(self) -> bool:
        return "admin" in self.roles()


def case_places(case: Case) -> tuple[int, ...]:
    return (case.estate_id, case.community_id, case.street_id, case.district_id)


def _covers(grant: Grant, case: Case) -> bool:
    return grant.place_id in case_places(case)


def may_read_case(actor: Actor, case: Case) -> bool:
    for grant in actor.grants:
        if grant.role == "admin" or (grant.role != "applicant" and _covers(grant, case)):
            return True
        if grant.role == "applicant" and grant.organization_id == case.applicant_org_id:
            return True
    return False


def may_work_task(actor: Actor, task: HumanTask, case: Case) -> bool:
    allowed = LANE_ROLES.get(task.role, ())
    for grant in actor.grants:
        if grant.role not in allowed:
            continue
        if grant.role == "applicant":
            if grant.organization_id == case.applicant_org_id:
                return True
        elif _covers(grant, case):
            return True
    return False


def may_file_for(actor: Actor, organization_id: int) -> bool:
    return any(g.role == "applicant" and g.organization_id == organization_id for g in actor.grants)


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting the cases the actor may read."""
    if actor.is_admin():
        return true()
    conditions = []
    for grant in actor.grants:
        if grant.role == "applicant":
            conditions.append(Case.applicant_org_id == grant.organization_id)
        elif grant.place_kind in _CASE_COLUMN:
            conditions.append(_CASE_COLUMN[grant.place_kind] == grant.place_id)
        else:
            conditions.append(
                or_(
                    Case.estate_id == grant.place_id,
                    Case.community_id == grant.place_id,
                    Case.street_id == grant.place_id,
                    Case.district_id == grant.place_id,
                )
            )
    return or_(*conditions) if conditions else false()


# The case column a grant at each kind of place compares with: one indexed equality.
_CASE_COLUMN = {
    "estate": Case.estate_id,
    "community": Case.community_id,
    "street": Case.street_id,
    "district": Case.district_id,
}


def workable_tasks(actor: Actor) -> ColumnElement[bool]:
    """SQL condition (on HumanTask joined with Case) for the tasks ``may_work_task`` allows.

    Exact, so the inbox can paginate in SQL: per grant, the lanes its role may work and
    the communities its place covers, resolved to ``community_id`` so the inbox index
    (community, role, status, due) serves the query.
    """
    conditions = []
    for grant in actor.grants:
        lanes = [lane for lane, allowed in LANE_ROLES.items() if grant.role in allowed]
        if not lanes:
            continue
        if grant.role == "applicant":
            place = and_(
                HumanTask.estate_id == grant.place_id,
                Case.applicant_org_id == grant.organization_id,
            )
        else:
            place = _task_place(grant)
        conditions.append(and_(HumanTask.role.in_(lanes), place))
    return or_(*conditions) if conditions else false()


def _task_place(grant: Grant) -> ColumnElement[bool]:
    street = aliased(Place)
    of_street = HumanTask.community_id.in_(
        select(Place.id).where(Place.parent_id == grant.place_id)
    )
    of_district = HumanTask.community_id.in_(
        select(Place.id)
        .join(street, Place.parent_id == street.id)
        .where(street.parent_id == grant.place_id)
    )
    by_kind = {
        "estate": HumanTask.estate_id == grant.place_id,
        "community": HumanTask.community_id == grant.place_id,
        "street": of_street,
        "district": of_district,
    }
    if grant.place_kind in by_kind:
        return by_kind[grant.place_kind]
    return or_(*by_kind.values())


def may_assign_task(actor: Actor, task: HumanTask, case: Case) -> bool:
    """The community's party secretary hands out the party organization's tasks."""
    if task.role not in ("party_secretary", "party_committee"):
        return False
    return any(g.role == "party_secretary" and _covers(g, case) for g in actor.grants)


PARTY_ORGANIZATION_ROLES = ("party_secretary", "party_committee")


def may_rearrange_task(actor: Actor, task: HumanTask, case: Case, supervised: bool) -> bool:
    """Who sets a task's due date and priority: the community's party organization, for
    every step of its cases but the street's own; the street only while its 督办 of that
    step is open (``supervised``). Never an applicant, whose own deadlines they would be.
    """
    for grant in actor.grants:
        if not _covers(grant, case):
            continue
        if grant.role in PARTY_ORGANIZATION_ROLES and task.role != "street":
            return True
        if grant.role == "street" and supervised:
            return True
    return False


def may_assign_some(actor: Actor) -> bool:
    """Whether ``may_assign_task`` can allow the actor any task at all (a quick no)."""
    return any(g.role == "party_secretary" for g in actor.grants)


def may_comment(actor: Actor, case: Case) -> bool:
    """Everyone who reads a case may remark on it, except the read-only roles."""
    if actor.is_admin():
        return True
    writers = Actor(
        actor.user_id,
        actor.username,
        actor.display_name,
        tuple(g for g in actor.grants if g.role not in READ_ONLY_ROLES),
    )
    return may_read_case(writers, case)


def may_upload(actor: Actor) -> bool:
    """Files are evidence for filings and steps: whoever may file or work a step uploads."""
    return any(g.role not in READ_ONLY_ROLES for g in actor.grants)
