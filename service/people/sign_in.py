"""Signing in with a password, throttled: the one path the pages and the API share.

Three short steps: the attempt is admitted and counted (``throttle.admit``, committed
before anything else happens), the password is checked (``auth.authenticate``, which
does the same hashing work for names that do not exist), and a right password takes
its attempt back. Known and unknown names take the same steps in the same time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.people import throttle
from service.people.access import Actor
from service.people.auth import authenticate
from service.people.throttle import ThrottlePolicy

if TYPE_CHECKING:
    from service.cases.case_service import CaseService


def sign_in(
    service: CaseService, username: str, password: str, address: str | None, policy: ThrottlePolicy
) -> Actor:
    """The actor these credentials are for; ``Unauthenticated`` or ``TooManyAttempts``."""
    account = throttle.account_key(username)
    client = throttle.client_key(address)
    with service.transaction() as session:
        throttle.admit(session, account, client, service.clock.now(), policy)
    with service.reading() as session:
        actor = authenticate(session, username, password)
    with service.transaction() as session:
        throttle.succeeded(session, account, client)
    return actor
