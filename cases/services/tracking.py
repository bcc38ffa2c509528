"""The parties' receipt and what they may follow: the tracking code (issued at intake, re-issued on request, kept
as a hash) and the progress notes a worker marks public. Domain functions, run inside the command that changes
the case (``workflow.services.parties``, the intake)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import rules, tokens
from cases.errors import InvalidInput, NotAllowed
from cases.models import AuditAction, Case, PublicNote, TrackingCode, User
from cases.models.tracking import PUBLIC_NOTE
from cases.services.audit import audit_write
from cases.services.sms import sms_receipt, sms_receipts_cancel
from cases.transactions import in_transaction
from notifications.events import row_later


@in_transaction
def tracking_code_issue(*, case: Case, actor: User, new_case: bool = False) -> str:
    """A new tracking code for the case (the old one, if any, stops working); only its hash is stored. Returns
    the code, to be shown once. ``new_case``: registered by this command, it has none (written with the
    command's batch)."""
    code = tokens.tracking_code_new()
    issued = TrackingCode(
        case=case,
        digest=tokens.secret_digest(tokens.tracking_code_normalised(code)),
        issued_at=timezone.now(),
        issued_by=actor,
    )
    if new_case:
        row_later(issued)
    else:  # one upsert: no savepoint, no read (``update_or_create`` costs five statements)
        TrackingCode.objects.bulk_create(
            [issued],
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=["digest", "issued_at", "issued_by"],
        )
    return code


@in_transaction
def receipt_issue(*, case: Case, actor: User, new_case: bool = False) -> str:
    """At intake (``new_case``): the receipt's tracking code, and its SMS to the party. The code is also left on
    the case instance (``issued_tracking_code``) for the page and the API's answer; nothing stores it."""
    code = tracking_code_issue(case=case, actor=actor, new_case=new_case)
    sms_receipt(case=case, code=code)
    case.issued_tracking_code = code
    return code


def may_speak_for_case(case: Case, user: User) -> bool:
    """Who may re-issue a tracking code and write public notes: who works or supervises the case."""
    return rules.works_or_supervises_case(case, user)


@in_transaction
def tracking_code_reissue(*, case: Case, actor: User) -> str:
    """The party lost the code (or it leaked): a new one, the old one dead, the receipts not sent yet with the
    old code cancelled and a new receipt SMS queued; audited. ``case`` is locked by the caller."""
    if not may_speak_for_case(case, actor):
        raise NotAllowed(_("Only a worker or a supervisor of the case may issue a new tracking code."))
    sms_receipts_cancel(case=case)
    code = receipt_issue(case=case, actor=actor)
    audit_write(case=case, actor=actor, action=AuditAction.TRACKING_CODE_ISSUED, name="tracking_code")
    return code


@in_transaction
def public_note_add(*, case: Case, actor: User, text: str) -> PublicNote:
    """A progress note the party will read on the tracking page (without its author); audited with its text."""
    if not may_speak_for_case(case, actor):
        raise NotAllowed(_("Only a worker or a supervisor of the case may write public notes."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the note the party will read."), field="note")
    if len(text) > PUBLIC_NOTE:
        raise InvalidInput(
            _("A public note has at most %(limit)d characters.") % {"limit": PUBLIC_NOTE}, field="note"
        )
    note = PublicNote.objects.create(case=case, text=text, created_by=actor)
    audit_write(case=case, actor=actor, action=AuditAction.PUBLIC_NOTE, name="public_note", reason=text)
    return note
