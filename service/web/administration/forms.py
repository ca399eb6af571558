"""What the administration pages share: their blueprint (administrators only), and how
a form is checked with the admin's request schemas and its refusal shown."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from service.admin.places import PlaceView
from service.core.errors import Conflict, InvalidInput
from service.web.common import require_role, web_blueprint

bp = web_blueprint("administration", __name__)

PAGE_SIZE = 30
Errors = dict[str, list[str]]


@bp.before_request
def _admins_only() -> None:
    """Every page and form here is for administrators; others get a plain 403."""
    require_role("admin")


def checked(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """The form checked by the schema the API checks its body with, so both refuse the
    same input alike."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise InvalidInput({k: list(v) for k, v in messages.items()}) from None


def problem(exc: InvalidInput | Conflict) -> Errors:
    """Per-field messages, or one for the whole form under ``_form``."""
    if isinstance(exc, InvalidInput):
        return exc.messages
    return {"_form": [exc.message]}


def filled(*names: str) -> dict[str, str]:
    """The form's fields trimmed, blank ones left out: the schema then calls a blank
    required field required, and a blank optional one absent."""
    values = {name: request.form.get(name, "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


def place_text(place: PlaceView) -> str:
    """A place as its lists name it: name and code."""
    return f"{place.name}（{place.code}）"
