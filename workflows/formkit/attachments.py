"""Uploaded files: the form of one attachment and the list field that holds them."""

from __future__ import annotations

import re
from typing import ClassVar

from marshmallow import validate

from workflows.formkit.base import FormSchema
from workflows.formkit.fields import Items, Record, Text
from workflows.i18n import _

_SHA256 = re.compile(r"[0-9a-f]{64}\Z")


class AttachmentForm(FormSchema):
    """A stored file, identified by the hash the upload service returned."""

    name = Text(_("文件名"), max_length=255)
    sha256 = Text(
        _("文件校验值（SHA-256）"),
        max_length=64,
        help_text=_("上传文件后系统生成的 64 位小写十六进制校验值"),
        validate=validate.Regexp(
            _SHA256, error=_("文件校验值应为 64 位小写十六进制字符，请重新上传文件。")
        ),
    )


class Attachments(Items):
    """Uploaded files; ``min_items`` > 0 when the step needs proof."""

    form_type: ClassVar[str] = "attachments"

    def __init__(self, label: str, *, min_items: int = 0, help_text: str = "") -> None:
        super().__init__(
            label,
            Record(label, nested=AttachmentForm),
            min_items=min_items,
            required=min_items > 0,
            help_text=help_text,
        )
