"""Path converters for the pages' and the API's URLs. A path segment is input that no form sees: a task's id
is ASCII digits only (``int("²")`` fails, ``int("١")`` reads 1), a case's reference has the one shape
``cases.services.intake.reference_next`` gives it. Anything else matches no URL: a 404 before a view runs, so
no view and no query ever holds a NUL byte or a digit Python cannot convert.

Importing this module registers the converters ``id`` and ``reference`` (once: the URL modules import it)."""

from django.urls import register_converter

# 18 digits fit a 64-bit primary key; longer is no id of ours.
ID_PATTERN = "[0-9]{1,18}"
# TX-<year>-<sequence, 6 digits or more>: 20 characters at most, the column's limit.
REFERENCE_PATTERN = "TX-[0-9]{4}-[0-9]{6,12}"


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class ReferenceConverter:
    regex = REFERENCE_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "id")
register_converter(ReferenceConverter, "reference")
