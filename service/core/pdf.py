"""Documents as PDF, drawn on the server from the same HTML the browser prints.

An official files the 批复 and the 请示 as PDF: WeasyPrint lays out the print template
(its ``@page`` rules, print media) with the CJK fonts Debian's fonts-noto-cjk installs, so
the file reads the same on every machine, whatever fonts the reader's browser has.
"""

from __future__ import annotations

from weasyprint import HTML

PDF_MIMETYPE = "application/pdf"


def pdf_of(html: str) -> bytes:
    """The PDF of a standalone page (no external stylesheet, script or image)."""
    return bytes(HTML(string=html, media_type="print").write_pdf())
