"""Experience-card redemption: one service of a card per case, atomic under concurrency."""

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.errors import InvalidInput
from cases.models import AuditAction, CardRedemption, Case, ExperienceCard, User
from cases.services.audit import audit_write
from cases.transactions import in_transaction


@in_transaction
def card_redeem(*, code: str, case: Case, actor: User) -> ExperienceCard:
    """Take one free service off the card. Two concurrent redemptions of the last one: exactly one wins.

    The conditional UPDATE is the lock: on PostgreSQL the loser waits for the winner's row lock, re-checks
    ``services_left > 0`` and updates nothing.
    """
    today = timezone.localdate()
    card = ExperienceCard.objects.filter(code=code.strip().upper()).first()
    if card is None:
        raise InvalidInput(
            _("There is no experience card with code %(code)s.") % {"code": code}, field="card_code"
        )
    if card.expires_on < today:
        raise InvalidInput(
            _("Experience card %(code)s expired on %(date)s.") % {"code": card.code, "date": card.expires_on},
            field="card_code",
        )
    taken = ExperienceCard.objects.filter(pk=card.pk, services_left__gt=0, expires_on__gte=today).update(
        services_left=F("services_left") - 1
    )
    if not taken:
        raise InvalidInput(
            _("Experience card %(code)s has no free services left.") % {"code": card.code}, field="card_code"
        )
    CardRedemption.objects.create(card=card, case=case, redeemed_by=actor)
    audit_write(case=case, actor=actor, action=AuditAction.CARD_REDEEMED, name="card", reason=card.code)
    card.refresh_from_db(fields=["services_left"])
    return card
