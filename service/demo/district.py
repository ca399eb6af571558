"""Demo data: a district with streets, communities, estates, their bodies and a user per role.

Every demo user's password is ``demo12345``; the README lists who is who.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from service.core.fund_tables import FundStatement
from service.core.models import Organization, Place, RoleGrant, User
from workflows.work_calendar import SHANGHAI

DEMO_PASSWORD = "demo12345"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    place_code: str
    organization: str | None = None


PLACES = [
    ("district", "D01", "示范区", None),
    ("street", "S01", "和平街道", "D01"),
    ("street", "S02", "团结街道", "D01"),
    ("community", "C01", "幸福社区", "S01"),
    ("community", "C02", "安康社区", "S01"),
    ("community", "C03", "光明社区", "S02"),
    ("estate", "E01", "幸福家园小区", "C01"),
    ("estate", "E02", "阳光花园小区", "C01"),
    ("estate", "E03", "安康里小区", "C02"),
    ("estate", "E04", "光明新村小区", "C03"),
]

ORGANIZATIONS = [
    ("owners_committee", "幸福家园小区业主委员会", "E01"),
    ("property_firm", "安居物业服务有限公司（幸福家园项目）", "E01"),
    ("preparatory_group", "阳光花园小区业主大会筹备组", "E02"),
    ("property_firm", "宜居物业服务有限公司（阳光花园项目）", "E02"),
    ("management_committee", "安康里小区物业管理委员会", "E03"),
    ("owners_committee", "光明新村小区业主委员会", "E04"),
    ("party_organization", "幸福社区党委", "C01"),
    ("party_organization", "安康社区党委", "C02"),
    ("party_organization", "光明社区党委", "C03"),
    ("street_committee", "和平街道党工委", "S01"),
    ("street_committee", "团结街道党工委", "S02"),
]

# The firms' unified social credit codes (made up, with valid GB 32100-2015 check digits).
FIRM_CREDIT_CODES = {
    "安居物业服务有限公司（幸福家园项目）": "91110105MA01AJ805X",
    "宜居物业服务有限公司（阳光花园项目）": "91110105MA01HQ204A",
}

# Each estate's maintenance-fund account statement (balance in fen), recorded by the
# administrator; the demo cases reserve from E01's (service.demo.cases.load_demo_cases).
FUND_STATEMENT_DATE = date(2026, 1, 31)
FUND_RECORDED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=SHANGHAI)
FUND_STATEMENTS = {
    "E01": (120_000_000, "幸福家园小区维修资金专户对账单 2026-01"),
    "E02": (80_000_000, "阳光花园小区维修资金专户对账单 2026-01"),
    "E03": (30_000_000, "安康里小区维修资金专户对账单 2026-01"),
    "E04": (50_000_000, "光明新村小区维修资金专户对账单 2026-01"),
}

USERS = [
    DemoUser("committee", "张业委（幸福家园业委会）", "applicant", "E01", "幸福家园小区业主委员会"),
    DemoUser(
        "firm", "李经理（安居物业）", "applicant", "E01", "安居物业服务有限公司（幸福家园项目）"
    ),
    DemoUser("prep", "王组长（阳光花园筹备组）", "applicant", "E02", "阳光花园小区业主大会筹备组"),
    DemoUser(
        "firm2", "赵经理（宜居物业）", "applicant", "E02", "宜居物业服务有限公司（阳光花园项目）"
    ),
    DemoUser("mgmt", "孙主任（安康里物管会）", "applicant", "E03", "安康里小区物业管理委员会"),
    DemoUser(
        "committee4", "周业委（光明新村业委会）", "applicant", "E04", "光明新村小区业主委员会"
    ),
    DemoUser("secretary", "陈书记（幸福社区党委）", "party_secretary", "C01"),
    DemoUser("member", "刘委员（幸福社区党委）", "party_committee", "C01"),
    DemoUser("secretary2", "吴书记（安康社区党委）", "party_secretary", "C02"),
    DemoUser("secretary3", "郑书记（光明社区党委）", "party_secretary", "C03"),
    DemoUser("street", "黄主任（和平街道党工委）", "street", "S01"),
    DemoUser("street2", "林主任（团结街道党工委）", "street", "S02"),
    DemoUser("auditor", "审计员（示范区）", "auditor", "D01"),
    DemoUser("auditor_s1", "审计员（和平街道）", "auditor", "S01"),
    DemoUser("admin", "系统管理员", "admin", "D01"),
]


@cache
def _demo_password_hash() -> str:
    """Hashed once per process: a deliberately slow hash, and the tests load the demo often."""
    return generate_password_hash(DEMO_PASSWORD)


def load_demo(session: Session) -> bool:
    """Insert the demo data unless it is there already; returns whether it inserted."""
    if session.scalar(select(Place).where(Place.code == "D01")) is not None:
        return False
    places: dict[str, Place] = {}
    for kind, code, name, parent in PLACES:
        place = Place(
            kind=kind, code=code, name=name, parent=places.get(parent) if parent else None
        )
        session.add(place)
        places[code] = place
    session.flush()
    organizations: dict[str, Organization] = {}
    for kind, name, place_code in ORGANIZATIONS:
        org = Organization(
            kind=kind,
            name=name,
            place_id=places[place_code].id,
            credit_code=FIRM_CREDIT_CODES.get(name),
        )
        session.add(org)
        organizations[name] = org
    session.flush()
    password_hash = _demo_password_hash()
    for demo in USERS:
        user = User(
            username=demo.username, display_name=demo.display_name, password_hash=password_hash
        )
        session.add(user)
        session.flush()
        session.add(
            RoleGrant(
                user_id=user.id,
                role=demo.role,
                place_id=places[demo.place_code].id,
                organization_id=organizations[demo.organization].id if demo.organization else None,
            )
        )
    session.flush()
    admin = session.scalar(select(User).where(User.username == "admin"))
    for code, (balance_fen, reference) in FUND_STATEMENTS.items():
        session.add(
            FundStatement(
                estate_id=places[code].id,
                balance_fen=balance_fen,
                statement_date=FUND_STATEMENT_DATE,
                reference=reference,
                recorded_by=admin.id,
                recorded_at=FUND_RECORDED_AT,
            )
        )
    session.flush()
    return True
