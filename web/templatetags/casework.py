from typing import Any

from django import template
from django.utils import timezone
from django.utils.functional import Promise

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


@register.inclusion_tag("includes/light.html")
def light(sla: deadlines.Sla) -> dict:
    """{% light sla %}: the light as a coloured dot named for screen readers, then the due moment."""
    return {"sla": sla, "label": Light(sla.light).label}
