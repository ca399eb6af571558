"""Every string of every request checked once, before any handler reads it.

A lone surrogate cannot be encoded for the database, the password hash or the history
digest, and a NUL is refused by PostgreSQL but kept by SQLite; so both are refused here,
for the JSON body (keys included, however deep), the query string, form fields, upload
field names and file names, and path parameters. The API and the pages register
``refuse_bad_text`` on each of their blueprints, so a new field or route cannot forget
it and both surfaces give the same answer on every database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from service.core.errors import InvalidInput
from workflows.formkit.fields import CONTROLS
from workflows.i18n import _

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

# Longer than any text a form or schema accepts (5,000), short enough to be harmless.
MAX_STRING = 10_000
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls except tab, line feed and carriage return, which multi-line text needs.
_CONTROL = re.compile(f"[{CONTROLS}]")
# Every string the edge lets through, as the document states it (ECMA-262 pattern).
PRINTABLE = f"^[^{CONTROLS}]*$"
_TOP = "_schema"


class RefusedText(InvalidInput):
    """A request carried a string no field may hold; ``messages`` names where."""

    def __init__(self, messages: dict[str, list[str]]) -> None:
        super().__init__(
            messages, _("提交的内容包含无法保存的字符或过长的文字，请修改后重新提交。")
        )


def text_fault(text: str) -> str | None:
    """Why ``text`` cannot be accepted anywhere, or None when it can."""
    if _SURROGATE.search(text):
        return _("包含无法识别的字符（不成对的 Unicode 代理项），请重新输入。")
    if _CONTROL.search(text):
        return _("包含不允许的控制字符（如 NUL），请删去后重新提交。")
    if len(text) > MAX_STRING:
        return _("文字过长，每项不能超过 {max} 个字符。").format(max=MAX_STRING)
    return None


def value_faults(value: Any, path: str = "") -> dict[str, list[str]]:
    """Faults of every string (and every key) and every non-finite number in a JSON value,
    by field path ("request.title", "items.0.name")."""
    faults: dict[str, list[str]] = {}
    if isinstance(value, str):
        _add(faults, path, text_fault(value))
    elif isinstance(value, float) and not math.isfinite(value):
        _add(faults, path, _("应为有限的数字，不接受 NaN 或 Infinity。"))
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            key_fault = text_fault(str(key))
            if key_fault:
                _add(faults, path, _("字段名") + key_fault)
                continue
            _merge(faults, value_faults(inner, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _merge(faults, value_faults(inner, f"{path}.{index}" if path else str(index)))
    return faults


def pair_faults(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[str]]:
    """Faults of name → text pairs (query, form, upload names); a bad name is not echoed."""
    faults: dict[str, list[str]] = {}
    for name, text in pairs:
        name_fault = text_fault(name)
        if name_fault:
            _add(faults, _TOP, _("参数名") + name_fault)
        elif isinstance(text, str):
            _add(faults, name, text_fault(text))
    return faults


def refuse_bad_text(request: Request) -> None:
    """Raise ``RefusedText`` naming each field whose text no field may hold."""
    faults = pair_faults(request.args.items(multi=True))
    _merge(faults, pair_faults((request.view_args or {}).items()))
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _merge(faults, pair_faults(request.form.items(multi=True)))
        files = request.files.items(multi=True)
        _merge(faults, pair_faults((name, upload.filename) for name, upload in files))
    if request.is_json:
        _merge(faults, value_faults(request.get_json(silent=True)))
    if faults:
        raise RefusedText(faults)


def _add(faults: dict[str, list[str]], path: str, fault: str | None) -> None:
    if fault:
        faults.setdefault(path or _TOP, []).append(fault)


def _merge(faults: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for path, texts in more.items():
        faults.setdefault(path, []).extend(texts)
