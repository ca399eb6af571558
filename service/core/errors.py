"""Errors the service layer raises; the HTTP layer maps each to one status code."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    """The data sent does not pass its form; ``messages`` names each field and why."""

    status = 422

    def __init__(self, messages: dict[str, list[str]], message: str = "提交的数据有误") -> None:
        super().__init__(message)
        self.messages = messages


class NotFound(ServiceError):
    """Missing, or outside the caller's scope: the two are not told apart."""

    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    """Someone else acted first: the task is done or claimed, or the revision is stale."""

    status = 409


class Unauthenticated(ServiceError):
    """No valid credentials: wrong password, or a token unknown, revoked or expired."""

    status = 401


class TooManyAttempts(ServiceError):
    """Too many wrong passwords from one client: it may try again in ``retry_after`` s."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OpenCaseExists(Conflict):
    """An exclusive matter already has an open case here; it is named so the filer finds it."""

    def __init__(self, message: str, case_id: int, title: str) -> None:
        super().__init__(message)
        self.case_id = case_id
        self.title = title
