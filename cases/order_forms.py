"""Forms of supervision orders (督办单), beside ``cases.forms``: issuing one, replying to one, the API's list. They
validate with the service's own rules (``cases.services.orders``), pages and API alike."""

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from cases.errors import InvalidInput
from cases.forms import CHOICE_ERRORS, TEXTAREA, AsciiIntegerField, Form, page_size_field
from cases.models import OrderState, limits
from cases.services.orders import order_input, order_reply_input


def _days_help() -> str:
    return _("1 to %(limit)s working days (%(default)s when empty).") % {
        "limit": settings.ORDER_REPLY_MAX_WORKING_DAYS,
        "default": min(settings.ORDER_REPLY_WORKING_DAYS, settings.ORDER_REPLY_MAX_WORKING_DAYS),
    }


class OrderForm(Form):
    """A supervisor's order on a case: what must be answered for, and within how many working days."""

    reason = forms.CharField(
        label=_("What must be answered for"),
        widget=TEXTAREA,
        max_length=limits.REASON,
        error_messages={"required": _("Say what the order asks the case's workers to answer for.")},
    )
    days = AsciiIntegerField(label=_("Reply within (working days)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = lazy(_days_help, str)()

    def clean(self):
        data = super().clean() or {}
        if not self.errors:
            try:
                data["reason"], data["days"] = order_input(reason=data["reason"], days=data.get("days"))
            except InvalidInput as error:
                self.add_error(error.field, str(error.message))
        return data


class OrderReplyForm(Form):
    """The reply of whoever works the case."""

    reply = forms.CharField(
        label=_("Reply"),
        widget=TEXTAREA,
        max_length=limits.REASON,
        error_messages={"required": _("Write the reply: what was done, and what comes next.")},
    )

    def clean(self):
        data = super().clean() or {}
        if not self.errors:
            try:
                data["reply"] = order_reply_input(reply=data["reply"])
            except InvalidInput as error:
                self.add_error(error.field, str(error.message))
        return data


class OrderListForm(Form):
    """The API's order list: which state (all when empty), which page."""

    state = forms.ChoiceField(
        label=_("State"), choices=OrderState.choices, required=False, error_messages=CHOICE_ERRORS
    )
    page = AsciiIntegerField(label=_("Page"), min_value=1, required=False)
    page_size = page_size_field()
