"""Writing a dispute's mediation agreement (调解协议书), its performance, and the 司法确认 reminder.

The resolution step records the agreement (``agreement_record``); a dispute resolved again after a reopened
follow-up records a new one in its place (its parties and terms are replaced and an unfired reminder goes with
them). When the parties want 司法确认 (人民调解法 art. 33: they may jointly apply to the court within 30 days of the
agreement), a ``Timer`` of the agreement falls due on day 20 after signing at 09:00; the timer runner fires it
once (``confirmation_reminders_fire``): the mediator who recorded it hears of it, the parties get an SMS, the
timeline shows it.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cases.events import case_event
from cases.models import (
    AgreementParty,
    AgreementTerm,
    AuditAction,
    Case,
    MediationAgreement,
    PartyRole,
    Timer,
    TimerKind,
    User,
)
from cases.models.agreement import CONFIRMATION_DAYS, CONFIRMATION_REMINDER_DAY
from cases.services.audit import audit_write
from cases.services.sms import sms_confirmation_reminder
from cases.services.timers import timers_claim
from cases.transactions import in_transaction
from notifications.types import EventType

REMINDER_TIME = time(9, 0)  # the reminder's hour on its day, local time


def confirmation_reminder_at(signed_on: date) -> datetime:
    """Day ``CONFIRMATION_REMINDER_DAY`` after signing, at 09:00 local time (calendar days: the court's 30 days
    are calendar days)."""
    day = signed_on + timedelta(days=CONFIRMATION_REMINDER_DAY)
    return timezone.make_aware(datetime.combine(day, REMINDER_TIME))


def confirmation_last_day(signed_on: date) -> date:
    return signed_on + timedelta(days=CONFIRMATION_DAYS)


@in_transaction
def agreement_record(
    *,
    case: Case,
    actor: User,
    facts: str,
    dispute: str,
    terms: list[dict[str, Any]],
    mediators: str,
    committee: str,
    signed_on: date,
    judicial_confirmation: bool = False,
    respondent_id_number: str = "",
) -> MediationAgreement:
    detail = case.dispute
    agreement, _created = MediationAgreement.objects.update_or_create(
        case=case,
        defaults={
            "facts": facts,
            "dispute": dispute,
            "mediators": mediators,
            "committee": committee,
            "signed_on": signed_on,
            "judicial_confirmation": judicial_confirmation,
            "recorded_by": actor,
        },
    )
    agreement.parties.all().delete()
    agreement.terms.all().delete()
    Timer.objects.filter(agreement=agreement).delete()  # a new agreement: the old one's reminder goes with it
    parties = [
        AgreementParty(
            agreement=agreement,
            position=1,
            role=PartyRole.APPLICANT,
            name=detail.applicant_name,
            phone=detail.applicant_phone,
            id_number=detail.applicant_id_number,
        )
    ]
    if detail.respondent_name:
        parties.append(
            AgreementParty(
                agreement=agreement,
                position=2,
                role=PartyRole.RESPONDENT,
                name=detail.respondent_name,
                phone=detail.respondent_phone,
                id_number=respondent_id_number,
            )
        )
    AgreementParty.objects.bulk_create(parties)
    AgreementTerm.objects.bulk_create(
        AgreementTerm(
            agreement=agreement,
            number=number,
            content=term["content"],
            method=term["method"],
            deadline=term["deadline"],
        )
        for number, term in enumerate(terms, start=1)
    )
    if judicial_confirmation and confirmation_last_day(signed_on) >= timezone.localdate():
        # signed long enough ago that day 20 is past (recorded late): remind at once, while the 30 days run
        due = max(confirmation_reminder_at(signed_on), timezone.now())
        Timer.objects.create(agreement=agreement, kind=TimerKind.CONFIRMATION, due_at=due)
    return agreement


def agreement_summary(terms: Iterable[AgreementTerm]) -> str:
    """The terms as one text, in the site's language: what the dispute's ``agreement_text`` keeps (lists and
    exports that show a line of text show this)."""
    with translation.override(settings.LANGUAGE_CODE):
        return "\n".join(
            str(_("%(number)s. %(content)s (%(method)s, by %(deadline)s)"))
            % {
                "number": term.number,
                "content": term.content,
                "method": term.method,
                "deadline": term.deadline.isoformat(),
            }
            for term in terms
        )


@in_transaction
def agreement_performance_record(*, case: Case, performance: list[dict[str, Any]]) -> None:
    """履行情况: each named term's status, date and note (the form checked the terms are the case's)."""
    terms = {term.number: term for term in AgreementTerm.objects.filter(agreement__case=case)}
    changed = []
    for row in performance:
        term = terms[row["term"]]
        term.performance = row["status"]
        term.performed_on = row["performed_on"]
        term.performance_note = row["remark"]
        changed.append(term)
    AgreementTerm.objects.bulk_update(changed, ["performance", "performed_on", "performance_note"])


def agreement_terms(case: Case) -> list[AgreementTerm]:
    """The case's agreed terms in order (none for a help request or a dispute not yet resolved)."""
    if not case.is_dispute:
        return []
    return list(AgreementTerm.objects.filter(agreement__case=case).order_by("number"))


# ---- the 司法确认 reminder --------------------------------------------------------------------------------


@in_transaction
def confirmation_reminders_fire(*, now: datetime, limit: int) -> int:
    """Claim the due 司法确认 reminders (each once, however many runners: ``timers_claim``) and send each: a
    notification to the mediator who recorded the agreement, an SMS to each party with a mobile number, an
    audit row on the timeline. Returns how many fired."""
    claimed = timers_claim(now=now, limit=limit, kinds=[TimerKind.CONFIRMATION])
    if not claimed:
        return 0
    timers = Timer.objects.select_related("agreement__case").in_bulk([timer.id for timer in claimed])
    for timer in timers.values():
        assert timer.agreement is not None  # a CONFIRMATION timer belongs to an agreement
        agreement_remind(agreement=timer.agreement)
    return len(claimed)


@in_transaction
def agreement_remind(*, agreement: MediationAgreement) -> None:
    case = agreement.case
    last_day = confirmation_last_day(agreement.signed_on).isoformat()
    audit_write(case=case, actor=None, action=AuditAction.CONFIRMATION_REMINDED, name="resolution")
    case_event(
        type=EventType.AGREEMENT_CONFIRMATION,
        case=case,
        recipients=[agreement.recorded_by_id],
        params={"signed_on": agreement.signed_on.isoformat(), "last_day": last_day},
    )
    for party in agreement.parties.exclude(phone=""):
        sms_confirmation_reminder(
            case=case, phone=party.phone, signed_on=agreement.signed_on.isoformat(), last_day=last_day
        )
