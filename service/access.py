"""Who may see and act on what: roles held at places, mapped to BPMN lanes.

A grant gives a role at a place; it covers that place and everything under it
(district → street → community → estate). Applicant users act only for the
organization named in their grant.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true

from service.models import Case, HumanTask, User

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


@dataclass(frozen=True)
class Grant:
    role: str
    place_id: int
    organization_id: int | None


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
            grants=tuple(Grant(g.role, g.place_id, g.organization_id) for g in user.grants),
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
