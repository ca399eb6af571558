"""Sign-in throttles: a wrong password costs the client that sent it, not the account.

A lockout of the account itself would let anyone who knows a user name keep its owner
out, and would tell a guesser which names exist. So failures are counted per account
name *and client address*, and per client address over all names: once a client has
used up its free failures, each further one makes it wait twice as long as the last
(up to a ceiling), while the owner signing in from another address is not slowed at
all. Names that do not exist are counted exactly like names that do, so neither the
answer nor its timing tells them apart.

Every attempt is counted before its password is checked, in a transaction of its own
that locks the client's rows: concurrent guesses from one client cannot slip through
together before the first of them is recorded. A right password forgives the client's
failures on that account and takes its attempt back from the address. Counts are
forgotten a day after a client's last failure; an administrator sees the current
throttles and can lift one (``service.admin.sign_in_throttles``).
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.core.errors import TooManyAttempts
from service.core.models import SignInThrottle
from workflows.i18n import _

ACCOUNT = "account"  # one account name from one client address
ADDRESS = "address"  # one client address, whatever names it tries
FORGET_AFTER = timedelta(hours=24)
# ThrottlePolicy field → the environment variable that sets it.
ENVIRONMENT = {
    "free_failures": "SIGN_IN_FREE_FAILURES",
    "address_free_failures": "SIGN_IN_ADDRESS_FREE_FAILURES",
    "first_delay": "SIGN_IN_FIRST_DELAY_SECONDS",
    "max_delay": "SIGN_IN_MAX_DELAY_SECONDS",
}


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many wrong passwords are free and how long a client waits after more."""

    free_failures: int = 5
    address_free_failures: int = 30
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ThrottlePolicy:
        """The policy the deployment configures; unset variables keep their defaults."""
        values: dict[str, object] = {}
        for name, variable in ENVIRONMENT.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                number = int(text)
            except ValueError:
                raise ValueError(f"{variable} must be a whole number, not {text!r}") from None
            if number < (1 if name.endswith("delay") else 0):
                raise ValueError(f"{variable} is too small: {number}")
            values[name] = timedelta(seconds=number) if name.endswith("delay") else number
        return cls(**values)

    def free(self, kind: str) -> int:
        return self.free_failures if kind == ACCOUNT else self.address_free_failures

    def wait_after(self, kind: str, failures: int) -> timedelta:
        """How long a client waits after ``failures`` wrong passwords in a row."""
        beyond = failures - self.free(kind)
        if beyond <= 0:
            return timedelta(0)
        # 2**beyond overflows nothing: the ceiling is reached long before.
        return min(self.first_delay * 2 ** min(beyond - 1, 40), self.max_delay)


def account_key(username: str) -> str:
    """The name as typed, folded: "Secretary " and "secretary" are one account to guess."""
    return username.strip().casefold()[:64]


def client_key(address: str | None) -> str:
    """The client's address; an IPv6 client by its /64, which one machine holds whole."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def blocked_until(row: SignInThrottle, policy: ThrottlePolicy) -> datetime | None:
    """When the client may try again; None if it need not wait (once that moment passes,
    the next attempt is admitted)."""
    wait = policy.wait_after(row.kind, row.failures)
    return row.last_failure_at + wait if wait else None


Key = tuple[str, str, str]  # kind, account name, address


def _keys(account: str, address: str) -> list[Key]:
    return [(ACCOUNT, account, address), (ADDRESS, "", address)]


def _where(keys: list[Key]) -> ColumnElement[bool]:
    return or_(
        *(
            and_(
                SignInThrottle.kind == kind,
                SignInThrottle.username == name,
                SignInThrottle.address == address,
            )
            for kind, name, address in keys
        )
    )


def admit(
    session: Session, account: str, address: str, now: datetime, policy: ThrottlePolicy
) -> None:
    """Let one attempt through and count it, or refuse it with the wait left.

    The client's two rows are made if missing and then locked, so of concurrent attempts
    each sees the count the one before it left. A refused attempt is not counted and its
    password is never checked: it tells the guesser nothing and costs the server nothing.
    """
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_AFTER)
    )
    keys = _keys(account, address)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for kind, name, client in keys:
        missing = dialect.insert(SignInThrottle).values(
            kind=kind,
            username=name,
            address=client,
            failures=0,
            first_failure_at=now,
            last_failure_at=now,
        )
        session.execute(missing.on_conflict_do_nothing())
    rows = session.scalars(select(SignInThrottle).where(_where(keys)).with_for_update()).all()
    waits = [until for row in rows if (until := blocked_until(row, policy)) and until > now]
    if waits:
        seconds = math.ceil((max(waits) - now).total_seconds())
        raise TooManyAttempts(wait_message(seconds), retry_after=seconds)
    for row in rows:
        row.failures += 1
        row.last_failure_at = now


def succeeded(session: Session, account: str, address: str) -> None:
    """A right password: the client's failures on this account are forgiven, and the
    attempt just counted against its address is taken back."""
    session.execute(delete(SignInThrottle).where(_where([(ACCOUNT, account, address)])))
    session.execute(
        update(SignInThrottle)
        .where(_where([(ADDRESS, "", address)]))
        .values(failures=SignInThrottle.failures - 1)
    )
    session.execute(
        delete(SignInThrottle).where(_where([(ADDRESS, "", address)]), SignInThrottle.failures <= 0)
    )


def wait_message(seconds: int) -> str:
    """The refusal, the same whether the name exists or not."""
    if seconds < 60:
        wait = _("{n} 秒").format(n=seconds)
    else:
        wait = _("{n} 分钟").format(n=math.ceil(seconds / 60))
    return _("登录失败次数过多，请 {wait}后再试。").format(wait=wait)
