"""The party's rating through a single-use link (``SatisfactionLink``): issued when a step the party answers
opens (the step says so: ``Step.party_answer``), answered once before it expires (``SATISFACTION_LINK_DAYS``),
and dead once the step is done, whoever did it (the worker may record a phone answer instead).

The answer completes the step as if its holder had recorded it
(``workflow.services.parties.satisfaction_answer``): these are its domain parts."""

from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.utils import timezone

from cases import tokens
from cases.events import case_event
from cases.models import AuditAction, Case, SatisfactionLink
from cases.services.audit import audit_write
from cases.services.sms import sms_satisfaction_link
from cases.transactions import in_transaction
from notifications.events import row_later
from notifications.types import EventType


class LinkState(StrEnum):
    """What a link is now, as its page tells the party (every state but ``OPEN`` is a 410)."""

    OPEN = "open"
    UNKNOWN = "unknown"  # broken, or never issued
    USED = "used"
    EXPIRED = "expired"
    STEP_DONE = "step_done"  # the worker recorded the answer (a phone call), or the case left the step


@in_transaction
def satisfaction_link_issue(*, case: Case, task_id: int, step: str) -> SatisfactionLink:
    """A link for the step just opened (``task_id``), sent to the party by SMS; its token exists only in the
    message."""
    token = tokens.link_token_new()
    days = settings.SATISFACTION_LINK_DAYS
    link = row_later(  # with the command's batch; its digest is random, unique in practice
        SatisfactionLink(
            case=case,
            task_id=task_id,
            step=step,
            digest=tokens.secret_digest(token),
            expires_at=timezone.now() + timedelta(days=days),
        )
    )
    sms_satisfaction_link(case=case, token=token, days=days)
    return link


def satisfaction_link_get(*, token: str) -> SatisfactionLink | None:
    """The link a token opens (None for a malformed or unknown token)."""
    if not tokens.LINK_TOKEN.fullmatch(token or ""):
        return None
    return (
        SatisfactionLink.objects.select_related("case", "case__unit")
        .filter(digest=tokens.secret_digest(token))
        .first()
    )


def satisfaction_link_state(link: SatisfactionLink | None, *, step_open: bool) -> LinkState:
    """``step_open``: the link's step is still waiting for the answer."""
    if link is None:
        return LinkState.UNKNOWN
    if link.used_at is not None:
        return LinkState.USED
    if not step_open:
        return LinkState.STEP_DONE
    if link.expired:
        return LinkState.EXPIRED
    return LinkState.OPEN


@in_transaction
def satisfaction_link_answered(
    *, link: SatisfactionLink, case: Case, holder_id: int, rating: int, comment: str
) -> None:
    """The party's answer went into the step: the link is used up (its rating and comment kept), the timeline
    says the party answered, and the step's holder hears it (their own completion tells them nothing)."""
    link.used_at = timezone.now()
    link.rating = rating
    link.comment = comment
    link.save(update_fields=["used_at", "rating", "comment"])
    audit_write(case=case, actor=None, action=AuditAction.PARTY_ANSWERED, name=link.step, reason=comment)
    case_event(
        type=EventType.PARTY_RATED,
        case=case,
        recipients=[holder_id],
        params={"rating": rating},
    )
