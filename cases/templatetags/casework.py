from django import template

from cases.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter
def phone(value: str, show: bool) -> str:
    """{{ number|phone:show_personal }}: the number to people working the case, 138****1234 to others."""
    return value if show else mask_phone(value)


@register.filter
def id_number(value: str, show: bool) -> str:
    return value if show else mask_id_number(value)
