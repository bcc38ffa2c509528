"""Printable documents. The receipt (回执) is an HTML page with a print stylesheet
(``static/css/parties.css``); its PDF is made from the same template through ``pdf_from_html``, the one place a
PDF renderer plugs in. That renderer is WeasyPrint (with the Noto CJK fonts): when it is importable the receipt
offers its PDF, when it is not ``pdf_available`` says so and the page offers printing only (a browser's "print
to PDF" does the rest). Nothing a document shows is fetched: its styles are put in it (``document_styles``) and
the renderer's fetcher refuses every URL, so a PDF never reaches the network."""

import importlib
from functools import cache
from types import ModuleType

from django.contrib.staticfiles import finders

STYLESHEETS = ("css/app.css", "css/parties.css")


@cache
def _weasyprint() -> ModuleType | None:
    try:
        return importlib.import_module("weasyprint")
    except ImportError:
        return None


def pdf_available() -> bool:
    return _weasyprint() is not None


@cache
def document_styles() -> str:
    """The stylesheets of the documents, as text to put in them (read once per process)."""
    texts = []
    for name in STYLESHEETS:
        path = finders.find(name)
        assert isinstance(path, str), name
        with open(path, encoding="utf-8") as stylesheet:
            texts.append(stylesheet.read())
    return "\n".join(texts)


def _no_fetching(url: str) -> None:
    raise ValueError("documents load nothing")


def pdf_from_html(html: str) -> bytes | None:
    """The PDF of ``html`` (a whole document carrying its own styles), or None without a renderer."""
    weasyprint = _weasyprint()
    if weasyprint is None:
        return None
    return weasyprint.HTML(string=html, url_fetcher=_no_fetching).write_pdf()
