"""The short text of each notification type; stored in the default language (Chinese first)."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

TEXTS = {
    "queue.new": _("New in your queue: %(reference)s · %(step)s"),
    "task.assigned": _("%(reference)s · %(step)s is now yours"),
    "task.reassigned_away": _("%(reference)s · %(step)s was reassigned to %(person)s"),
    "task.released": _("%(reference)s · %(step)s was taken from you and put back in the queue"),
    "case.claimed": _("Your case %(reference)s was claimed by %(person)s"),
    "case.resolve": _("Case %(reference)s was resolved"),
    "case.escalate": _("Case %(reference)s was escalated to %(unit)s"),
    "case.refer": _("Case %(reference)s was referred to %(to)s"),
    "case.reject": _("Case %(reference)s was rejected"),
    "case.reopen": _("Case %(reference)s was reopened after a dissatisfied follow-up"),
    "case.withdraw": _("Case %(reference)s was withdrawn"),
    "case.rate": _("Feedback on %(reference)s: %(rating)s of 5"),
    "case.commend": _("Case %(reference)s was assessed and closed"),
    "meeting.invited": _("You are invited to the consultation on %(reference)s: %(when)s, %(place)s"),
    "deadline.near": _("%(reference)s · %(step)s is due by %(due)s"),
    "deadline.passed": _("%(reference)s · %(step)s is overdue since %(due)s"),
    "points.awarded": _("You earned %(points)s points for case %(reference)s"),
}


def notification_text(type: str, params: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(TEXTS[type] % params)[:200]
