"""Signing in: passwords for people at a screen, bearer tokens for programs.

Passwords are kept as werkzeug hashes. An API token is random, shown once when it is
issued and stored only as its SHA-256, so a copy of the database holds no usable token;
every token expires and can be revoked. The pages and ``POST /auth/token`` check
passwords with ``authenticate``, throttled by ``service.people.sign_in``; the pages keep
the username in their session, the API takes tokens only, so no cookie can act on the
API behind the user's back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session, lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from service.core.errors import InvalidInput, NotFound, Unauthenticated
from service.core.models import ApiToken, Place, RoleGrant, User
from service.people.access import Actor, Grant
from workflows.i18n import _

TOKEN_PREFIX = "pa_"
DEFAULT_TOKEN_DAYS = 30
MAX_TOKEN_DAYS = 365
MIN_PASSWORD_LENGTH = 8


@cache
def decoy_hash() -> str:
    """A hash to check when the user is unknown, so timing does not tell who exists; made
    with the same method and cost as real ones (the app makes it at start-up, so no
    sign-in pays for making it)."""
    return generate_password_hash(secrets.token_hex(16))


def authenticate(session: Session, username: str, password: str) -> Actor:
    """The actor whose username and password these are; ``Unauthenticated`` otherwise.

    A name that does not exist, or belongs to an inactive account, costs one password
    check like any other: the answer and its timing are the same. Throttling repeated
    attempts is ``service.people.sign_in``'s, around this check.
    """
    # One statement whether or not the name exists: the grants are read only for the
    # actor a right password makes.
    user = session.scalar(
        select(User).where(User.username == username).options(lazyload(User.grants))
    )
    if user is None or not user.active or not user.password_hash:
        check_password_hash(decoy_hash(), password)
        raise Unauthenticated(_("用户名或密码不正确。"))
    if not check_password_hash(user.password_hash, password):
        raise Unauthenticated(_("用户名或密码不正确。"))
    return Actor.of(user)


def password_hash(password: str) -> str:
    """Hash a new password after checking it is long enough to be worth having."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            {"password": [_("密码至少需要 {n} 个字符。").format(n=MIN_PASSWORD_LENGTH)]}
        )
    return generate_password_hash(password)


@dataclass(frozen=True)
class TokenView:
    """A token as its owner sees it later: everything but the secret."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is the secret, returned this once and never stored."""

    token: str
    details: TokenView


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _view(row: ApiToken) -> TokenView:
    return TokenView(row.id, row.name, row.created_at, row.expires_at, row.revoked_at)


def issue_token(
    session: Session, actor: Actor, name: str, now: datetime, days: int = DEFAULT_TOKEN_DAYS
) -> IssuedToken:
    """Create a token for ``actor`` valid for ``days`` days."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            {"expires_in_days": [_("有效期应为 1 至 {n} 天。").format(n=MAX_TOKEN_DAYS)]}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=actor.user_id,
        name=name,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    return IssuedToken(token, _view(row))


def tokens_of(session: Session, actor: Actor) -> list[TokenView]:
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)
    )
    return [_view(row) for row in rows]


def revoke_token(session: Session, actor: Actor, token_id: int, now: datetime) -> TokenView:
    """Revoke one of the actor's own tokens; someone else's is reported as missing."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound(_("没有这个令牌。"))
    if row.revoked_at is None:
        row.revoked_at = now
    return _view(row)


# Every API request asks this; the statement is built once.
_TOKEN_HOLDER = (
    select(
        ApiToken.revoked_at,
        ApiToken.expires_at,
        User.id,
        User.username,
        User.display_name,
        User.active,
        RoleGrant.role,
        RoleGrant.place_id,
        RoleGrant.organization_id,
        Place.kind,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
    .outerjoin(Place, Place.id == RoleGrant.place_id)
    .where(ApiToken.token_hash == bindparam("digest"))
    .order_by(RoleGrant.id)
)


def actor_for_token(connection: Connection, token: str, now: datetime) -> Actor:
    """The actor a bearer token stands for, if it is known, unrevoked, unexpired and active.

    One statement: the token, its user and the user's grants with their places' kinds,
    one row per grant.
    """
    rows = connection.execute(_TOKEN_HOLDER, {"digest": _digest(token)}).all()
    if not rows or rows[0].revoked_at is not None or rows[0].expires_at <= now:
        raise Unauthenticated(_("令牌无效、已过期或已被撤销，请重新登录。"))
    first = rows[0]
    if not first.active:
        raise Unauthenticated(_("该账户已停用。"))
    return Actor(
        user_id=first.id,
        username=first.username,
        display_name=first.display_name,
        grants=tuple(
            Grant(r.role, r.place_id, r.organization_id, r.kind) for r in rows if r.role is not None
        ),
    )
