"""Adding and removing evidence attachments, each with its audit row.

Adding writes the file first, then its row and audit row, in one transaction under the case's lock. A file
whose transaction does not commit is removed again: the command notes what it wrote, a hook that runs on
commit forgets it, and whatever is still noted when the command ends with an error (a refusal, a failed
write, a failed commit) is deleted from the storage. So no refusal and no failure leaves a file behind.

Removing deletes the row (the audit rows stay, with the file's name) and the file once the removal has
committed; a removal that rolls back keeps both. Removal is hard: a file taken off a case is usually one that
should never have been there (the wrong person's ID card), and keeping it hidden would keep it all the same.
"""

import logging
import secrets
from collections.abc import Iterable
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.attachments import Evidence, evidence_read
from cases.errors import Conflict, NotAllowed, NotFound
from cases.models import Attachment, AuditAction, Case, User
from cases.selectors.attachments import (
    NOT_SHOWN,
    case_shows_attachments,
    case_took_part,
    evidence_storage,
)
from cases.services.audit import audit_write
from cases.transactions import command

logger = logging.getLogger(__name__)

CASE_ITSELF = "attachment"  # the audit row's ``name`` for an attachment on no step
CLOSED = _("The case is closed: its attachments can no longer change.")


def blob_name() -> str:
    """A random name that says nothing of the case or the file, in folders of at most 256 entries each."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token[2:4]}/{token}"


def attachment_add(
    *, case: Case, actor: User, upload: IO[bytes], name: str, task_id: int | None = None, step: str = ""
) -> Attachment:
    """Attach ``upload`` (named ``name`` by its sender) to ``case`` (one the actor sees: a selector's), on the
    step of ``task_id`` / ``step`` when given (the caller checked the task is the case's). Refuses a file past
    the size limit (413) or of no allowed type (400) before anything is written, someone who may not see the
    case's attachments (403) and a closed case (409). Owns its transaction (``_attachment_store``)."""
    evidence = evidence_read(upload, name=name)
    written: list[str] = []
    try:
        return _attachment_store(
            case_id=case.pk, actor=actor, evidence=evidence, task_id=task_id, step=step, written=written
        )
    except BaseException:
        _storage_delete(written)
        raise


def _case_locked(case_id: int) -> Case:
    """The case, locked as the workflow's commands lock it (``FOR NO KEY UPDATE``), so that an attachment and
    a closing of the case are one after the other."""
    return Case.objects.select_for_update(of=("self",), no_key=True).select_related("unit").get(pk=case_id)


@command
def _attachment_store(
    *, case_id: int, actor: User, evidence: Evidence, task_id: int | None, step: str, written: list[str]
) -> Attachment:
    case = _case_locked(case_id)
    if not case_shows_attachments(case=case, user=actor):
        raise NotAllowed(NOT_SHOWN)
    if not case.is_open:
        raise Conflict(CLOSED)
    blob = blob_name()
    written.append(blob)  # noted before the write: a write that fails half-way is deleted too
    transaction.on_commit(written.clear)  # committed: nothing to delete any more
    stored = evidence_storage().save(blob, ContentFile(evidence.data))
    if stored != blob:
        written.append(stored)
    attachment = Attachment(
        case=case,
        task_id=task_id,
        step=step,
        name=evidence.name,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
        blob=stored,
        uploaded_by=actor,
    )
    attachment.full_clean(exclude=["case", "uploaded_by", "blob"])
    attachment.save()
    audit_write(
        case=case,
        actor=actor,
        action=AuditAction.ATTACHMENT_ADDED,
        name=step or CASE_ITSELF,
        reason=attachment.name,
        task_id=task_id,
    )
    return attachment


def attachment_may_remove(*, attachment: Attachment, user: User, took_part: bool) -> bool:
    """Whether ``user`` may remove it now (``rules.may_remove_attachment``, on an open case)."""
    case = attachment.case
    return case.is_open and rules.may_remove_attachment(
        case, user, uploaded_by_id=attachment.uploaded_by_id, took_part=took_part
    )


@command
def attachment_remove(*, attachment: Attachment, actor: User) -> None:
    """Remove an attachment the actor sees (a selector's): its uploader, a supervisor of the case or an
    administrator, while the case is open. The audit row keeps who removed which file when; the file goes
    after the commit."""
    case = _case_locked(attachment.case_id)
    current = Attachment.objects.filter(pk=attachment.pk).first()  # read again under the lock
    if current is None:
        raise NotFound()
    current.case = case
    if not rules.may_remove_attachment(
        case,
        actor,
        uploaded_by_id=current.uploaded_by_id,
        took_part=case_took_part(case=case, user=actor),
    ):
        raise NotAllowed(_("Only whoever added an attachment or a supervisor of the case may remove it."))
    if not case.is_open:
        raise Conflict(CLOSED)
    blob = current.blob
    current.delete()
    audit_write(
        case=case,
        actor=actor,
        action=AuditAction.ATTACHMENT_REMOVED,
        name=current.step or CASE_ITSELF,
        reason=current.name,
        task_id=current.task_id,
    )
    transaction.on_commit(lambda: _storage_delete([blob]), robust=True)


def _storage_delete(names: Iterable[str]) -> None:
    storage = evidence_storage()
    for name in list(names):
        try:
            storage.delete(name)
        except Exception:  # never mask the error that brought us here; the log tells what is left over
            logger.exception("Could not delete the evidence file %s.", name)
