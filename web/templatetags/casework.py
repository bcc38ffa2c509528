from django import template
from django.utils.functional import Promise

from cases.masking import mask_id_number, mask_phone

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
