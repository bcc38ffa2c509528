"""The agreement's lists as form fields: the agreed terms (resolution step) and their performance (follow-up).

One field takes both shapes of input. The API sends a JSON list of objects (``[{"content", "method",
"deadline"}]``); the task page sends rows of inputs named ``<field>-<key>``, repeated once per row (an empty row
is no term). Either way the cleaned value is a list of dicts, checked item by item with a message that names the
term."""

import datetime
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from cases.models import Performance

MAX_TERMS = 20
TERM_CONTENT = 1000  # AgreementTerm.content
TERM_METHOD = 200  # AgreementTerm.method
PERFORMANCE_NOTE = 200  # AgreementTerm.performance_note
BLANK_ROWS = 3  # the page offers this many empty rows for more terms


def _rows(data: Any, name: str, keys: tuple[str, ...]) -> list[dict[str, str]] | None:
    """The page's repeated inputs as a list of rows (rows with nothing typed left out), or None if none."""
    columns = [data.getlist(f"{name}-{key}") for key in keys]
    if not any(columns):
        return None
    count = max(len(column) for column in columns)
    rows = [
        {key: (column[i] if i < len(column) else "") for key, column in zip(keys, columns, strict=True)}
        for i in range(count)
    ]
    return [row for row in rows if any(str(value).strip() for value in row.values())]


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    """A text item, stripped; None for a value of another JSON type."""
    return value.strip() if isinstance(value, str) else None


class TermsWidget(forms.Widget):
    keys = ("content", "method", "deadline")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            return _rows(data, name, self.keys)
        return data.get(name)

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        rows = [row for row in (value or []) if isinstance(row, dict)] + [{}] * BLANK_ROWS
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            "#",
            _("Term"),
            _("How it is performed"),
            _("Performed by"),
        )
        body = format_html_join(
            "",
            '<tr><td>{}</td><td><textarea name="{}-content" rows="2" maxlength="{}">{}</textarea></td>'
            '<td><input name="{}-method" maxlength="{}" value="{}"></td>'
            '<td><input type="date" name="{}-deadline" value="{}"></td></tr>',
            (
                (
                    number,
                    name,
                    TERM_CONTENT,
                    row.get("content", ""),
                    name,
                    TERM_METHOD,
                    row.get("method", ""),
                    name,
                    str(row.get("deadline", "") or ""),
                )
                for number, row in enumerate(rows, start=1)
            ),
        )
        return format_html('<table class="agreement-terms">{}{}</table>', header, body)


class TermsField(forms.Field):
    """The agreed terms: 1 to ``MAX_TERMS`` of ``{"content", "method", "deadline"}`` (deadline YYYY-MM-DD)."""

    widget = TermsWidget
    default_error_messages = {
        "required": _("Give at least one agreed term."),
        "invalid": _("Give the terms as a list of objects with content, method and deadline."),
        "too_many": _("At most %(limit)s terms."),
    }

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(value) > MAX_TERMS:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": MAX_TERMS}
            )
        terms = []
        for number, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            content, method = _text(item.get("content", "")), _text(item.get("method", ""))
            deadline = _date(item.get("deadline"))
            problem = None
            if not content:
                problem = _("Term %(number)s: say what was agreed.")
            elif len(content) > TERM_CONTENT:
                problem = _("Term %(number)s: at most %(limit)s characters.")
            elif not method:
                problem = _("Term %(number)s: say how it is performed.")
            elif len(method) > TERM_METHOD:
                problem = _("Term %(number)s: the way it is performed takes at most %(limit)s characters.")
            elif deadline is None:
                problem = _("Term %(number)s: give the date it is performed by (YYYY-MM-DD).")
            if problem is not None:
                limit = TERM_CONTENT if content and len(content) > TERM_CONTENT else TERM_METHOD
                raise forms.ValidationError(problem, code="term", params={"number": number, "limit": limit})
            terms.append({"content": content, "method": method, "deadline": deadline})
        return terms


class PerformanceWidget(forms.Widget):
    keys = ("term", "status", "performed_on", "remark")
    terms: list[Any] = []  # the agreement's terms, set by the field

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            rows = _rows(data, name, self.keys)
            # a page row carries its term's number even when nothing was chosen: such a row says nothing
            return [
                row for row in rows or [] if row.get("status") or row.get("performed_on") or row.get("remark")
            ]
        return data.get(name)

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        given = {str(row.get("term")): row for row in (value or []) if isinstance(row, dict)}
        choices = [("", "—"), *Performance.choices]
        lines = []
        for term in self.terms:
            row = given.get(str(term.number), {})
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((code, " selected" if row.get("status") == code else "", label) for code, label in choices),
            )
            lines.append(
                format_html(
                    '<tr><td>{}. {}</td><td><input type="hidden" name="{}-term" value="{}">'
                    '<select name="{}-status">{}</select></td>'
                    '<td><input type="date" name="{}-performed_on" value="{}"></td>'
                    '<td><input name="{}-remark" maxlength="{}" value="{}"></td></tr>',
                    term.number,
                    term.content,
                    name,
                    term.number,
                    name,
                    options,
                    name,
                    str(row.get("performed_on", "") or ""),
                    name,
                    PERFORMANCE_NOTE,
                    row.get("remark", ""),
                )
            )
        if not lines:
            return format_html("<p>{}</p>", _("The case has no agreed terms."))
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("Term"),
            _("Performance"),
            _("Date"),
            _("Note"),
        )
        return format_html('<table class="agreement-terms">{}{}</table>', header, SafeString("".join(lines)))


class PerformanceField(forms.Field):
    """履行情况 per agreed term: ``[{"term": number, "status": performed|partly|not_performed,
    "performed_on"?, "remark"?}]``, each term at most once; terms left out stay unrecorded."""

    widget = PerformanceWidget
    default_error_messages = {
        "invalid": _("Give the performance as a list of objects with term, status, performed_on and remark."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._terms: list[Any] = []

    @property
    def terms(self) -> list[Any]:
        return self._terms

    @terms.setter
    def terms(self, terms: list[Any]) -> None:
        self._terms = terms
        self.widget.terms = terms

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple) or len(value) > MAX_TERMS:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        numbers = {term.number for term in self.terms}
        seen: set[int] = set()
        rows = []
        for item in value:
            if not isinstance(item, dict):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            term = item.get("term")
            if isinstance(term, str) and term.isascii() and term.isdigit() and len(term) <= 3:
                term = int(term)
            if not isinstance(term, int) or isinstance(term, bool) or term not in numbers or term in seen:
                raise forms.ValidationError(
                    _("Name each agreed term of the case once, by its number."), code="term"
                )
            seen.add(term)
            status = item.get("status")
            if status not in Performance.values:
                raise forms.ValidationError(
                    _("Term %(number)s: choose performed, partly or not performed."),
                    code="status",
                    params={"number": term},
                )
            raw_date = item.get("performed_on") or None
            performed_on = _date(raw_date) if raw_date is not None else None
            if raw_date is not None and performed_on is None:
                raise forms.ValidationError(
                    _("Term %(number)s: give the date as YYYY-MM-DD."), code="date", params={"number": term}
                )
            note = _text(item.get("remark") or "")
            if note is None or len(note) > PERFORMANCE_NOTE:
                raise forms.ValidationError(
                    _("Term %(number)s: the note takes at most %(limit)s characters."),
                    code="note",
                    params={"number": term, "limit": PERFORMANCE_NOTE},
                )
            rows.append({"term": term, "status": status, "performed_on": performed_on, "remark": note})
        return rows
