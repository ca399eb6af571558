"""Helpers for the page tests: a signed-in test client that carries its CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

PASSWORD = "demo12345"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    """A test client signed in as one demo user, carrying its CSRF token."""

    def __init__(self, app: Flask, username: str) -> None:
        self.client: FlaskClient = app.test_client()
        self.token = TOKEN.search(self.client.get("/signin").text).group(1)
        answer = self.client.post(
            "/signin",
            data={"username": username, "password": PASSWORD, "csrf_token": self.token},
        )
        assert answer.status_code == 302, answer.text
        self.token = TOKEN.search(self.get("/").text).group(1)

    def get(self, url: str, status: int = 200) -> Any:
        answer = self.client.get(url)
        assert answer.status_code == status, (url, answer.status_code, answer.text[-2000:])
        return answer

    def post(self, url: str, data: dict[str, Any], status: int = 302) -> Any:
        answer = self.client.post(
            url, data={**data, "csrf_token": self.token}, content_type="multipart/form-data"
        )
        assert answer.status_code == status, (url, answer.status_code, answer.text[-3000:])
        return answer
