"""Wrong passwords cost the client that sends them, never the account's owner.

Every rule is checked through both doors, the sign-in page and ``POST /auth/token``, on
both databases: growing waits per account and client address, and per address over all
names; the same answers for names that exist and names that do not; the owner at
another address signing in while an attacker hammers the account; concurrent guesses
counted one by one; the client address behind trusted proxies; and the administrator
seeing and lifting throttles, in the administration log.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_support import PASSWORD, TOKEN
from web_support import Client as PageClient
from werkzeug.security import generate_password_hash

from service.admin.log import entries_page
from service.app import create_app
from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.errors import TooManyAttempts, Unauthenticated
from service.people import auth
from service.people.sign_in import sign_in
from service.people.throttle import ThrottlePolicy, account_key, client_key

POLICY = ThrottlePolicy(
    free_failures=3,
    address_free_failures=8,
    first_delay=timedelta(seconds=2),
    max_delay=timedelta(seconds=60),
)
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
ERROR = re.compile(r'id="signin-error">([^<]*)<')


@dataclass(frozen=True)
class Answer:
    status: int
    message: str
    retry_after: str | None

    @property
    def signed_in(self) -> bool:
        return self.status in (201, 302)


class Door:
    """One way in, page or API, from a client address of the test's choosing."""

    def __init__(self, kind: str, client: FlaskClient) -> None:
        self.kind = kind
        self.client = client
        self.csrf = TOKEN.search(client.get("/signin").text).group(1) if kind == "page" else ""

    def attempt(
        self, username: str, password: str, address: str, headers: dict | None = None
    ) -> Answer:
        environ = {"REMOTE_ADDR": address}
        if self.kind == "page":
            form = {"username": username, "password": password, "csrf_token": self.csrf}
            reply = self.client.post("/signin", data=form, environ_base=environ, headers=headers)
            found = ERROR.search(reply.text)
            message = found.group(1) if found else ""
            if reply.status_code == 302:  # a new session, with a new CSRF token
                self.csrf = TOKEN.search(self.client.get("/signin").text).group(1)
        else:
            body = {"username": username, "password": password}
            reply = self.client.post(
                "/api/v1/auth/token", json=body, environ_base=environ, headers=headers
            )
            message = reply.get_json().get("detail", "") if reply.status_code >= 400 else ""
        return Answer(reply.status_code, message, reply.headers.get("Retry-After"))


def _app(service: CaseService, tmp_path: Path, **config: object) -> Flask:
    settings = {
        "TESTING": True,
        "ATTACHMENT_DIR": str(tmp_path / "files"),
        "SIGN_IN_POLICY": POLICY,
    }
    return create_app({**settings, **config}, service=service)


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return _app(service, tmp_path)


@pytest.fixture(params=["page", "api"])
def door(request: pytest.FixtureRequest, app: Flask) -> Door:
    return Door(request.param, app.test_client())


def _hammer(door: Door, clock: FixedClock, username: str, address: str, rounds: int) -> list:
    """Wrong passwords as fast as the throttle lets them through; each answer kept."""
    answers = []
    for _ in range(rounds):
        answer = door.attempt(username, "guess1234", address)
        answers.append(answer)
        if answer.status == 429:
            clock.advance(seconds=int(answer.retry_after))
    return answers


def test_each_wrong_password_past_the_free_ones_doubles_the_wait(
    door: Door, clock: FixedClock
) -> None:
    answers = _hammer(door, clock, "secretary", ATTACKER, 18)
    statuses = [a.status for a in answers]
    # Three free, a fourth that starts the wait, then every other answer is a wait.
    assert statuses[:4] == [401] * 4
    assert statuses[4:] == [429, 401] * 7
    assert [a.retry_after for a in answers if a.status == 429] == [
        "2",
        "4",
        "8",
        "16",
        "32",
        "60",
        "60",
    ]
    assert "用户名或密码不正确" in answers[0].message
    assert answers[4].message == "登录失败次数过多，请 2 秒后再试。"
    # While it waits, even the right password is not looked at.
    waiting = door.attempt("secretary", PASSWORD, ATTACKER)
    assert (waiting.status, waiting.retry_after) == (429, "60")
    assert waiting.message == "登录失败次数过多，请 1 分钟后再试。"
    clock.advance(seconds=60)
    assert door.attempt("secretary", PASSWORD, ATTACKER).signed_in


def test_names_that_do_not_exist_get_the_same_answers_as_names_that_do(
    door: Door, clock: FixedClock
) -> None:
    """A guesser cannot learn which names exist from the answers, the waits or 429s."""
    known = _hammer(door, clock, "secretary", ATTACKER, 12)
    unknown = _hammer(door, clock, "no-such-secretary", "203.0.113.67", 12)
    assert known == unknown
    assert {a.status for a in known} == {401, 429}


def test_the_owner_at_another_address_signs_in_while_an_attacker_hammers(
    door: Door, clock: FixedClock
) -> None:
    _hammer(door, clock, "secretary", ATTACKER, 24)
    assert door.attempt("secretary", "guess1234", ATTACKER).status == 429
    # The owner, who has not been failing, is let in at once; a slip or two first is free.
    assert door.attempt("secretary", PASSWORD, OWNER).signed_in
    assert door.attempt("secretary", "typo12345", OWNER).status == 401
    assert door.attempt("secretary", "typo12345", OWNER).status == 401
    assert door.attempt("secretary", PASSWORD, OWNER).signed_in
    assert door.attempt("secretary", "guess1234", ATTACKER).status == 429


def test_a_right_password_forgives_the_clients_earlier_slips(door: Door) -> None:
    for _ in range(3):
        assert door.attempt("member", "typo12345", OWNER).status == 401
    assert door.attempt("member", PASSWORD, OWNER).signed_in
    # The count starts again: three free slips, a fourth, and only then a wait.
    assert [door.attempt("member", "typo12345", OWNER).status for _ in range(5)] == [
        401,
        401,
        401,
        401,
        429,
    ]


def test_one_address_trying_many_names_waits_for_all_of_them(door: Door, clock: FixedClock) -> None:
    for n in range(POLICY.address_free_failures + 1):
        assert door.attempt(f"guess{n}", "guess1234", ATTACKER).status == 401
    refused = door.attempt("street", PASSWORD, ATTACKER)
    assert (refused.status, refused.retry_after) == (429, "2")
    assert door.attempt("street", PASSWORD, OWNER).signed_in
    clock.advance(seconds=2)
    assert door.attempt("street", PASSWORD, ATTACKER).signed_in


def test_a_name_is_one_account_however_it_is_typed(door: Door) -> None:
    for name in ("Secretary", " secretary", "SECRETARY", "secretary"):
        assert door.attempt(name, "guess1234", ATTACKER).status == 401
    assert door.attempt("secretary ", "guess1234", ATTACKER).status == 429


def test_failures_are_forgotten_a_day_after_the_last(door: Door, clock: FixedClock) -> None:
    _hammer(door, clock, "auditor", ATTACKER, 8)
    assert door.attempt("auditor", "guess1234", ATTACKER).status == 429
    clock.advance(hours=24, seconds=1)
    assert [door.attempt("auditor", "guess1234", ATTACKER).status for _ in range(4)] == [401] * 4


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(
    service: CaseService, tmp_path: Path
) -> None:
    """With ``TRUSTED_PROXIES`` set, each client behind the proxy is counted by its own
    address; without it a client cannot escape by sending the header itself."""
    proxied = Door("api", _app(service, tmp_path, TRUSTED_PROXIES=1).test_client())
    proxy = "10.0.0.2"
    for _ in range(4):
        answer = proxied.attempt(
            "street", "guess1234", proxy, headers={"X-Forwarded-For": ATTACKER}
        )
        assert answer.status == 401
    assert proxied.attempt("street", PASSWORD, proxy, {"X-Forwarded-For": ATTACKER}).status == 429
    assert proxied.attempt("street", PASSWORD, proxy, {"X-Forwarded-For": OWNER}).signed_in

    direct = Door("api", _app(service, tmp_path).test_client())
    for n in range(4):
        forged = {"X-Forwarded-For": f"10.9.9.{n}"}
        assert direct.attempt("member", "guess1234", ATTACKER, forged).status == 401
    answer = direct.attempt("member", PASSWORD, ATTACKER, {"X-Forwarded-For": "10.9.9.99"})
    assert answer.status == 429


def test_concurrent_guesses_are_counted_one_by_one(service: CaseService) -> None:
    """Eight guesses sent at once: three free and the fourth get an answer, the rest wait,
    exactly as if they had come one after the other."""
    policy = ThrottlePolicy(free_failures=3, first_delay=timedelta(seconds=60))
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            sign_in(service, "secretary", "guess1234", ATTACKER, policy)
        except (Unauthenticated, TooManyAttempts) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["TooManyAttempts"] * 4 + ["Unauthenticated"] * 4


def test_known_and_unknown_names_cost_the_same_password_check(service: CaseService) -> None:
    """Each attempt checks exactly one hash of the same method and cost, whether the name
    exists or not; timed side by side, neither is measurably faster."""
    policy = ThrottlePolicy(free_failures=1000, address_free_failures=1000)
    checked: list[str] = []
    real_check = auth.check_password_hash

    def spy(hashed: str, password: str) -> bool:
        checked.append(hashed.split("$", 1)[0])
        return real_check(hashed, password)

    def attempt(name: str) -> float:
        began = time.perf_counter()
        with pytest.raises(Unauthenticated):
            sign_in(service, name, "guess1234", ATTACKER, policy)
        return time.perf_counter() - began

    with mock.patch.object(auth, "check_password_hash", spy):
        attempt("secretary")
        attempt("no-such-user")
    method = generate_password_hash("x").split("$", 1)[0]
    assert checked == [method, method]

    known, unknown = [], []
    for _ in range(7):
        known.append(attempt("secretary"))
        unknown.append(attempt("no-such-user"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.6 < ratio < 1.6, (known, unknown)


def test_client_addresses_are_counted_by_machine() -> None:
    assert client_key("203.0.113.66") == "203.0.113.66"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_key("::ffff:203.0.113.66") == "203.0.113.66"
    assert client_key(None) == "unknown"
    assert account_key("  SeCretary ") == "secretary"


def test_the_policy_comes_from_the_environment() -> None:
    assert ThrottlePolicy.from_environment({}) == ThrottlePolicy()
    configured = ThrottlePolicy.from_environment(
        {
            "SIGN_IN_FREE_FAILURES": "10",
            "SIGN_IN_ADDRESS_FREE_FAILURES": "100",
            "SIGN_IN_FIRST_DELAY_SECONDS": "5",
            "SIGN_IN_MAX_DELAY_SECONDS": "3600",
        }
    )
    assert configured == ThrottlePolicy(
        free_failures=10,
        address_free_failures=100,
        first_delay=timedelta(seconds=5),
        max_delay=timedelta(hours=1),
    )
    assert configured.wait_after("account", 10) == timedelta(0)
    assert configured.wait_after("account", 11) == timedelta(seconds=5)
    assert configured.wait_after("account", 500) == timedelta(hours=1)
    with pytest.raises(ValueError, match="SIGN_IN_FREE_FAILURES"):
        ThrottlePolicy.from_environment({"SIGN_IN_FREE_FAILURES": "five"})
    with pytest.raises(ValueError, match="SIGN_IN_FIRST_DELAY_SECONDS"):
        ThrottlePolicy.from_environment({"SIGN_IN_FIRST_DELAY_SECONDS": "0"})


def test_the_administrator_sees_and_lifts_throttles_on_the_page(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    door = Door("page", app.test_client())
    _hammer(door, clock, "secretary", ATTACKER, 6)
    assert door.attempt("secretary", PASSWORD, ATTACKER).status == 429
    admin = PageClient(app, "admin")
    page = admin.get("/admin/sign-in-throttles").text
    assert "secretary" in page and ATTACKER in page and "限制至" in page
    assert "地址（所有账户）" in page
    throttle_id = int(re.search(r'id="throttle-(\d+)">\s*<td[^>]*>账户 \+ 地址', page).group(1))
    assert admin.get("/admin/sign-in-throttles?q=no-such").text.count('id="throttle-') == 0
    lifted = admin.post(f"/admin/sign-in-throttles/{throttle_id}/lift", {})
    assert lifted.location.endswith("/admin/sign-in-throttles")
    assert f"已解除 secretary@{ATTACKER} 的登录限制" in admin.get("/admin/sign-in-throttles").text
    assert door.attempt("secretary", PASSWORD, ATTACKER).signed_in
    log = admin.get("/audit/admin-log?action=sign_in_throttle_lifted").text
    assert "解除登录限制" in log and f"登录限制 secretary@{ATTACKER}" in log
    assert "连续失败次数" in log
    # Nobody else may see the page or lift one.
    secretary = PageClient(app, "secretary")
    secretary.get("/admin/sign-in-throttles", status=403)
    secretary.post(f"/admin/sign-in-throttles/{throttle_id}/lift", {}, status=403)


def test_the_administrator_sees_and_lifts_throttles_over_the_api(
    app: Flask, service: CaseService, clock: FixedClock
) -> None:
    door = Door("api", app.test_client())
    _hammer(door, clock, "no-such-user", ATTACKER, 6)
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = api.get("/api/v1/admin/sign-in-throttles?q=no-such", headers=headers).get_json()
    assert [(t["kind"], t["username"], t["address"]) for t in listed["items"]] == [
        ("account", "no-such-user", ATTACKER)
    ]
    throttle = listed["items"][0]
    assert throttle["blocked"] and throttle["failures"] == 5 and throttle["blocked_until"]
    everything = api.get("/api/v1/admin/sign-in-throttles", headers=headers).get_json()["items"]
    assert {(t["kind"], t["address"]) for t in everything} >= {("address", ATTACKER)}
    lifted = api.delete(f"/api/v1/admin/sign-in-throttles/{throttle['id']}", headers=headers)
    assert lifted.status_code == 200 and lifted.get_json()["id"] == throttle["id"]
    again = api.delete(f"/api/v1/admin/sign-in-throttles/{throttle['id']}", headers=headers)
    assert again.status_code == 404
    assert door.attempt("no-such-user", "guess1234", ATTACKER).status == 401
    with service.sessions() as session:
        admin = service.actor(session, "admin")
        entry = entries_page(session, admin, "sign_in_throttle_lifted", None, 5).items[0]
    assert entry.target == f"sign-in:no-such-user@{ATTACKER}"
    assert entry.before["failures"] == 5 and entry.after is None
