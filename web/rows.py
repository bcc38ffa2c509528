"""Texts a page repeats on every row with one value changed (a link with the row's id, a label with its
reference), built once per page: each row fills the blank by joining strings, not by a ``{% url %}`` or a
``{% blocktranslate %}`` of its own (reversing a URL and translating a message cost a worklist a few
microseconds a row each)."""

from dataclasses import dataclass

from django.urls import reverse

BLANK = "\x00"  # in no URL and no message
ID = 987654321  # an id no URL holds otherwise: what a row's id replaces


@dataclass(frozen=True, slots=True)
class Around:
    """A text around its one blank: ``{{ around.before }}{{ value }}{{ around.after }}`` is the text with
    ``value`` in the blank."""

    before: str
    after: str

    def __getitem__(self, name: str) -> str:
        # A template looks a name up as a key first: answered here, not by a ``TypeError`` each row.
        return getattr(self, name)


def around(text: str, blank: str) -> Around:
    # exactly one blank: a text with two is an error here, not a wrong page
    before, after = text.split(blank)
    return Around(before, after)


def url_around_id(name: str) -> Around:
    """The URL named ``name`` of one id (``reverse(name, args=[id])``), around the id."""
    return around(reverse(name, args=[ID]), str(ID))


def message_around(message: str, name: str) -> Around:
    """A translated ``message`` around its one placeholder ``%(name)s``."""
    return around(message % {name: BLANK}, BLANK)
