"""Files chosen in a form's upload inputs: stored by ``service.cases.attachments``, then listed.

A page's form posts the files with the rest of its fields; each one is stored first and
added to its attachment list as ``{"name", "sha256"}``, which is what the service's
forms expect. A refused file is reported next to its list and nothing is submitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, send_file
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from service.cases.attachments import StoredFile, store_upload
from service.core.errors import InvalidInput
from service.web.common import actor, case_service, now


def attachments_dir() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def store_uploads(
    specs: list[dict[str, Any]], values: dict[str, Any], files: MultiDict
) -> dict[str, list[str]]:
    """Store every chosen file; returns messages by attachment field for refused ones."""
    errors: dict[str, list[str]] = {}
    for spec in specs:
        if spec["type"] != "attachments":
            continue
        name = spec["name"]
        for upload in files.getlist(f"{name}.upload"):
            if not upload.filename:
                continue
            try:
                with case_service().transaction() as db:
                    stored = store_upload(
                        db, actor(), attachments_dir(), upload.filename, upload.stream, now()
                    )
            except InvalidInput as exc:
                errors.setdefault(name, []).extend(
                    f"{upload.filename}：{message}"
                    for messages in exc.messages.values()
                    for message in messages
                )
                continue
            values[name] = [*values.get(name, []), {"name": stored.name, "sha256": stored.sha256}]
    return errors


def download(stored: StoredFile) -> Response:
    return send_file(
        stored.path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.name,
    )
