"""The SMS outbox (``SmsMessage``): the messages to the parties, queued in the transaction of the change that
causes them and sent after it commits, by the backend ``SMS_BACKEND`` names (``cases.sms_backends``).

- **Queued with the change.** ``sms_queue`` writes the row inside the caller's transaction: a change that rolls
  back sends nothing. A number the project's mobile validator refuses queues nothing (logged without the number):
  an SMS never undoes the change it belongs to.
- **Sent after commit, never blocking the change.** The row is sent once the transaction committed; whatever the
  backend does (fails, raises, times out) the change stays committed: the row stays queued with its attempt
  counted and the time of its next one (1, 2, 4 … minutes, at most an hour apart). After ``SMS_MAX_ATTEMPTS``
  it is given up (``failed``). ``manage.py send_sms`` and the timer runner (``manage.py run_timers``) send the
  queued ones that are due (``sms_send_due``).
- **Once.** A row is claimed (``queued`` → ``sending``) by one conditional update before it is handed to the
  backend, so the sender after commit and a runner never both send it. A sender that died while sending leaves
  its row ``sending``; after ``SENDING_LEASE`` a runner sends it again (a provider may then deliver it twice:
  at least once, never lost).
- **Secrets.** A tracking code or a link's token is kept on the row only until it is sent, given up or
  cancelled, then cleared; the text kept shows ``••••`` in its place.
- **Personal data.** Numbers never go into logs or notifications; the admin list masks them for whoever may not
  see parties' personal data.

The messages: ``sms_receipt`` (at intake: the reference, the tracking code and the tracking page),
``sms_satisfaction_link`` (when the follow-up or feedback step opens) and ``sms_extension_approved`` (for the
extensions of time: see its docstring).
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cases.models import Case, SmsMessage, SmsPurpose, SmsStatus
from cases.models.sms import SECRET
from cases.sms_backends import sms_backend
from cases.transactions import in_transaction
from cases.validators import validate_mobile
from notifications.events import row_later
from notifications.rows import update_sql

logger = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=5)  # a row "sending" for longer than this was left by a sender that died
RETRY_CAP = timedelta(hours=1)


def sms_party_phone(case: Case) -> str:
    """The number the case's messages go to: the dispute's applicant, the help request's contact."""
    return case.dispute.applicant_phone if case.is_dispute else case.help_request.contact_phone


@in_transaction
def sms_queue(*, case: Case, purpose: str, phone: str, text: str, secret: str = "") -> SmsMessage | None:
    """Queue ``text`` to ``phone`` in the caller's transaction and send it after commit. ``secret`` (a code or
    a token in ``text``) is kept only until the message is sent. Returns the row, or None for a number the
    mobile validator refuses (nothing queued)."""
    try:
        validate_mobile(phone)
    except ValidationError:
        logger.warning(
            "sms for case %s (%s) not queued: the number is not a mainland mobile", case.pk, purpose
        )
        return None
    message = row_later(  # with the command's batch: it has its id by the commit
        SmsMessage(
            case=case,
            purpose=purpose,
            phone=phone.strip(),
            body=text.replace(secret, SECRET) if secret else text,
            secret=secret,
            next_attempt_at=timezone.now(),
        )
    )
    transaction.on_commit(lambda: sms_send(ids=[message.pk]), robust=True)
    return message


def _party_text(template: Promise, **params: object) -> str:
    """A message in the parties' language (the site's default: they have no account to choose one), after the
    signature."""
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SMS_SIGNATURE + str(template) % params


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@in_transaction
def sms_receipt(*, case: Case, code: str) -> SmsMessage | None:
    """The receipt: the reference, the tracking code and where to follow the case (the page is given the
    reference; the code is typed, never put in a link)."""
    url = site_url(reverse("track") + "?" + urlencode({"reference": case.reference}))
    text = _party_text(
        _(
            "Your case %(reference)s has been received. Tracking code: %(code)s (keep it private). Follow it "
            "at %(url)s"
        ),
        reference=case.reference,
        code=code,
        url=url,
    )
    return sms_queue(
        case=case, purpose=SmsPurpose.RECEIPT, phone=sms_party_phone(case), text=text, secret=code
    )


@in_transaction
def sms_receipts_cancel(*, case: Case) -> int:
    """The receipts of the case not sent yet carry a code that no longer works: they are not sent."""
    return SmsMessage.objects.filter(case=case, purpose=SmsPurpose.RECEIPT, status=SmsStatus.QUEUED).update(
        status=SmsStatus.CANCELLED, secret="", next_attempt_at=None
    )


@in_transaction
def sms_satisfaction_link(*, case: Case, token: str, days: int) -> SmsMessage | None:
    url = site_url(reverse("satisfaction", args=[token]))
    text = _party_text(
        _(
            "Your case %(reference)s has been dealt with. Please rate our service from 1 to 5: %(url)s (valid "
            "for %(days)s days, once)."
        ),
        reference=case.reference,
        url=url,
        days=days,
    )
    return sms_queue(
        case=case, purpose=SmsPurpose.SATISFACTION, phone=sms_party_phone(case), text=text, secret=token
    )


@in_transaction
def sms_extension_approved(case: Case, *, until: datetime) -> SmsMessage | None:
    """Tell the party that an extension of time (延期) was approved for a step of their case, and until when.

    Called inside the transaction that approves one (``cases.services.extensions``); it queues the message to
    the case's party (``sms_party_phone``) and it is sent after commit. Returns the row (None if the number is
    refused)."""
    text = _party_text(
        _("The time for your case %(reference)s has been extended until %(due)s."),
        reference=case.reference,
        due=timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
    )
    return sms_queue(case=case, purpose=SmsPurpose.EXTENSION, phone=sms_party_phone(case), text=text)


@in_transaction
def sms_confirmation_reminder(*, case: Case, phone: str, signed_on: str, last_day: str) -> SmsMessage | None:
    """The 司法确认 reminder to a party of a mediation agreement (``cases.services.agreements``)."""
    text = _party_text(
        _(
            "The mediation agreement of case %(reference)s was signed on %(signed_on)s. If you wish, apply "
            "together to the court for judicial confirmation by %(last_day)s."
        ),
        reference=case.reference,
        signed_on=signed_on,
        last_day=last_day,
    )
    return sms_queue(case=case, purpose=SmsPurpose.CONFIRMATION, phone=phone, text=text)


# ---- sending ---------------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 2^(n-1) minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), RETRY_CAP)


def sms_send(*, ids: Iterable[int]) -> int:
    """Send the queued messages among ``ids``, each once (claimed first); returns how many went out. Never
    raises for a backend's failure: the message stays queued for a later attempt."""
    backend = sms_backend()
    return sum(_attempt(pk, backend) for pk in ids)


def _claimed(pk: int, now: datetime) -> SmsMessage | None:
    """Take a queued message for sending (one attempt more, leased for ``SENDING_LEASE``) and read it: one
    ``UPDATE … RETURNING`` on PostgreSQL. None when it is not queued any more."""
    lease = {
        "status": SmsStatus.SENDING,
        "attempts": F("attempts") + 1,
        "last_attempt_at": now,
        "next_attempt_at": now + SENDING_LEASE,
    }
    queued = SmsMessage.objects.filter(pk=pk, status=SmsStatus.QUEUED)
    if connection.vendor == "postgresql":
        sql, params = update_sql(queued, **lease)
        return next(iter(SmsMessage.objects.raw(f"{sql} RETURNING *", params)), None)
    if not queued.update(**lease):
        return None
    return SmsMessage.objects.get(pk=pk)


def _attempt(pk: int, backend) -> bool:
    message = _claimed(pk, timezone.now())
    if message is None:
        return False  # sent, cancelled or being sent by someone else
    sending = SmsMessage.objects.filter(pk=pk, status=SmsStatus.SENDING, attempts=message.attempts)
    try:
        provider_id = backend.send(phone=message.phone, text=message.text_to_send())
    except Exception as error:  # whatever a provider raises: the change is committed, the message waits
        failed = type(error).__name__
        logger.warning("sms %s: attempt %s failed (%s)", pk, message.attempts, failed)
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            sending.update(status=SmsStatus.FAILED, secret="", next_attempt_at=None, last_error=failed)
        else:
            retry_at = timezone.now() + retry_delay(message.attempts)
            sending.update(status=SmsStatus.QUEUED, next_attempt_at=retry_at, last_error=failed)
        return False
    sending.update(
        status=SmsStatus.SENT,
        sent_at=timezone.now(),
        secret="",
        next_attempt_at=None,
        last_error="",
        provider_id=(provider_id or "")[:100],
    )
    return True


def sms_send_due(*, limit: int = 100, now: datetime | None = None) -> int:
    """Send what is due: queued messages whose next attempt has come, and those a dead sender left
    ``sending`` past their lease. Returns how many went out."""
    now = now or timezone.now()
    SmsMessage.objects.filter(status=SmsStatus.SENDING, next_attempt_at__lte=now).update(
        status=SmsStatus.QUEUED
    )
    due = SmsMessage.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    return sms_send(ids=list(due.values_list("pk", flat=True)[:limit]))
