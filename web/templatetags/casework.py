from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString

from cases import deadlines
from cases.masking import mask_id_number, mask_phone
from cases.models import Case, Light

register = template.Library()


@register.filter
def phone(value: str, show: bool) -> str:
    """{{ number|phone:show_personal }}: the number to people working the case, 138****1234 to others."""
    return value if show else mask_phone(value)


@register.filter
def state_label(value: str) -> str | Promise:
    """A state code from the audit trail, in the user's language."""
    from cases.models import CaseState

    return CaseState(value).label if value in CaseState.values else value


@register.filter
def id_number(value: str, show: bool) -> str:
    return value if show else mask_id_number(value)


@register.filter
def task_sla(task: Any) -> deadlines.Sla:
    """{{ task|task_sla }}: the step's due moment and light (the task carries its ``clock``: ``with_clocks``)."""
    return deadlines.clock_sla(task.clock, timezone.now())


@register.filter
def case_sla(case: Case) -> deadlines.Sla:
    return deadlines.case_sla(case, timezone.now())


@register.filter(expects_localtime=True)
def minute(value: datetime | None) -> str:
    """{{ moment|minute }}: "2026-11-02 09:30" in the current time zone, what ``|date:"Y-m-d H:i"`` shows, at a
    fraction of its cost (it parses its format and looks up the language's formats each time; a worklist row
    shows two moments)."""
    if value is None:
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


@register.simple_tag
def light(sla: deadlines.Sla) -> SafeString:
    """{% light sla %}: the light as a coloured dot named for screen readers, then the due moment (in the current
    time zone, as the ``date`` filter shows it), or "—" without one."""
    # Built here, not from an included template: every row of a worklist and of the case list has one, and an
    # inclusion tag's context and render cost about 50 µs a row. The newline is the one that template ended
    # with: the pages are byte for byte as they were.
    label = str(Light(sla.light).label)  # translated once, shown twice
    due = "—" if sla.due_at is None else minute(timezone.localtime(sla.due_at))
    return format_html(
        '<span class="sla"><span class="light light-{}" role="img" title="{}" aria-label="{}">●</span> {}</span>\n',
        sla.light,
        label,
        label,
        due,
    )


@register.filter
def first_invalid(form: Any) -> str:
    """{{ form|first_invalid }}: the name of the first field (in the form's order) with an error, "" for none:
    that field gets the focus, which scrolls the page to it."""
    errors = getattr(form, "errors", None) or {}
    return next((name for name in form.fields if name in errors), "")


@register.filter
def focused(field: Any) -> Any:
    """{{ field|focused }}: the field's widget with ``autofocus``."""
    return field.as_widget(attrs={"autofocus": True})


@register.filter
def is_multiple_choice(field: Any) -> bool:
    """A group of checkboxes (or radio buttons): its label is a legend above them, not a label around one."""
    return (
        getattr(field.field.widget, "allow_multiple_selected", False)
        or getattr(field.field.widget, "input_type", "") == "radio"
    )


@register.filter
def attendee_groups(field: Any) -> list[dict]:
    """{{ field|attendee_groups }}: the attendee picker's people by role and unit, in the unit tree's order:
    ``[{"label", "people": [{"value", "label", "search", "checked", "id"}]}]``."""
    from cases.models import Role

    chosen = {str(value) for value in (field.value() or [])}
    groups: dict[tuple, dict] = {}
    for index, person in enumerate(field.field.queryset):
        names = sorted(group.name for group in person.groups.all())
        role = Role(names[0]).label if names and names[0] in Role.values else ""
        unit = person.unit.name if person.unit else ""
        key = (person.unit.path if person.unit else "", role)
        group = groups.setdefault(
            key, {"label": " · ".join(str(part) for part in (role, unit) if part), "people": []}
        )
        group["people"].append(
            {
                "value": person.pk,
                "label": str(person),
                "search": f"{person} {person.username} {unit} {role}",
                "checked": str(person.pk) in chosen,
                "id": f"{field.auto_id}_{index}",
            }
        )
    return [groups[key] for key in sorted(groups)]


@register.filter
def task_status(task: Any) -> str | Promise:
    """{{ task|task_status }}: a task's status as its people say it: a step nobody holds yet waits to be
    claimed (viewflow's own word for it is "new")."""
    from django.utils.translation import gettext_lazy as _
    from viewflow.workflow.status import STATUS

    if task.status == STATUS.NEW:
        return _("Waiting to be claimed")
    if task.status == STATUS.ASSIGNED:
        return _("In progress")
    return task.get_status_display()
