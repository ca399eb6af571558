"""Gettext-style wrappers for text that users read.

Message ids are the Simplified Chinese text the product ships with; another language is
added by dropping a compiled catalogue for domain ``messages`` under ``workflows/locale``.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation = gettext.translation(
    "messages",
    localedir=_LOCALE_DIR,
    languages=[os.environ.get("SERVICE_LANGUAGE", "zh_CN")],
    fallback=True,
)


def _(message: str) -> str:
    """Translate ``message`` into the configured language (identity for zh_CN)."""
    return _translation.gettext(message)
