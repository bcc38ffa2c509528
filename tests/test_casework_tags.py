"""The pages' own template tags (``web.templatetags.casework``): ``{% light %}`` gives, to the byte, what its
included template (``includes/light.html``, until the worklist rows made it a tag) gave: the dot named in the
reader's language, then the due moment in the current time zone, or "—" without one; ``|minute`` what
``|date:"Y-m-d H:i"`` gives."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.utils import timezone, translation

from cases.deadlines import Sla
from cases.models import Light

DUE = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 09:30 in Asia/Shanghai, the project's time zone


def light(sla: Sla) -> str:
    return engines["django"].from_string("{% load casework %}<td>{% light sla %}</td>").render({"sla": sla})


@pytest.mark.parametrize(
    ("colour", "language", "label"),
    [
        (Light.GREEN, "zh-hans", "按时"),
        (Light.YELLOW, "zh-hans", "临期"),
        (Light.RED, "zh-hans", "已超期"),
        (Light.PAUSED, "zh-hans", "已暂停"),
        (Light.YELLOW, "en", "Due soon"),
    ],
)
def test_a_light_is_its_named_dot_then_the_due_moment_in_the_current_time_zone(colour, language, label):
    with translation.override(language):
        assert light(Sla(due_at=DUE, light=colour, paused=colour == Light.PAUSED)) == (
            f'<td><span class="sla"><span class="light light-{colour.value}" role="img" title="{label}" '
            f'aria-label="{label}">●</span> 2026-11-02 09:30</span>\n</td>'
        )
    with timezone.override("UTC"):
        assert "●</span> 2026-11-02 01:30</span>" in light(Sla(due_at=DUE, light=colour, paused=False))


def test_a_light_without_a_due_moment_shows_a_dash():
    assert light(Sla(due_at=None, light=Light.GREEN, paused=False)) == (
        '<td><span class="sla"><span class="light light-green" role="img" title="按时" aria-label="按时">●</span>'
        " —</span>\n</td>"
    )


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/St_Johns"])
def test_minute_is_what_the_date_filter_shows_in_the_current_time_zone(zone):
    moments = [DUE + timedelta(minutes=m) for m in (0, 1, 59, 61, 16 * 60 + 29, 300 * 24 * 60 + 7)]
    moments += [
        datetime(1000, 1, 2, 3, 4, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    ]
    template = engines["django"].from_string(
        '{% load casework %}{% for m in moments %}{{ m|minute }}={{ m|date:"Y-m-d H:i" }};{% endfor %}'
        "{{ none|minute }}={{ none|date:'Y-m-d H:i' }}"
    )
    with timezone.override(zone):
        pairs = template.render({"moments": moments, "none": None}).split(";")
    assert len(pairs) == len(moments) + 1
    assert all(shown == expected for shown, expected in (pair.split("=") for pair in pairs))
