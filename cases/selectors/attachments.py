"""Reads of evidence attachments with their access rule (``rules.sees_attachments``): a case one may not see
does not exist (404, the case selectors' rule); one seen without its attachments (a professional who has not
claimed a step of it) is a 403 saying why."""

import logging

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.errors import NotAllowed, NotFound
from cases.models import Attachment, Case, CaseParticipant, User
from cases.rules import NOTHING
from cases.selectors.cases import case_visible_q

logger = logging.getLogger(__name__)

EVIDENCE_STORAGE = "evidence"
NOT_SHOWN = _("Attachments are shown to the people working the case; claim one of its steps to see them.")


def evidence_storage() -> Storage:
    """Where the files are (``settings.STORAGES["evidence"]``), looked up on each use."""
    return storages[EVIDENCE_STORAGE]


def case_took_part(*, case: Case, user: User) -> bool:
    """Holds or held one of the case's steps (``CaseParticipant``)."""
    return user.is_authenticated and CaseParticipant.objects.filter(case=case, person=user).exists()


def case_shows_attachments(*, case: Case, user: User) -> bool:
    """``rules.sees_attachments``, asking the database whether they took part only when it matters."""
    if rules.sees_attachments(case, user, took_part=False):
        return True
    return rules.sees_attachments(case, user, took_part=case_took_part(case=case, user=user))


def attachments_refuse_unless_shown(*, case: Case, user: User) -> None:
    if not case_shows_attachments(case=case, user=user):
        raise NotAllowed(NOT_SHOWN)


def attachment_list(*, case: Case, user: User) -> QuerySet[Attachment]:
    """The attachments of a case the user sees (a selector's), oldest first; a 403 if they may not see them."""
    attachments_refuse_unless_shown(case=case, user=user)
    return case.attachments.select_related("case__unit", "uploaded_by").order_by("uploaded_at", "id")


def attachment_get_for_user(*, attachment_id: int, user: User, reach: Q = NOTHING) -> Attachment:
    """An attachment of a case the user sees (``reach``: what the workflow adds, a professional's queue), if
    they may see its attachments."""
    attachment = (
        Attachment.objects.select_related("case__unit", "uploaded_by").filter(pk=attachment_id).first()
    )
    if (
        attachment is None
        or not Case.objects.filter(case_visible_q(user, reach), pk=attachment.case_id).exists()
    ):
        raise NotFound()
    attachments_refuse_unless_shown(case=attachment.case, user=user)
    return attachment


def attachment_open(*, attachment: Attachment) -> File:
    """The stored file, to read; a 404 (and an error in the log) if the storage lost it."""
    try:
        return evidence_storage().open(attachment.blob, "rb")
    except FileNotFoundError:
        logger.error(
            "The file of attachment %s (%s) is missing from the storage.", attachment.pk, attachment.blob
        )
        raise NotFound(_("The file is missing; tell an administrator.")) from None
