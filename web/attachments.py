"""The evidence section of the case page and the task page: the case's attachments with the step each belongs
to, whether each may be removed, and the upload form (a phone's camera, or a file) where one may attach."""

from typing import Any

from cases.forms import AttachmentForm
from cases.models import Case, User
from cases.models.audit import ATTACHMENT_ACTIONS
from cases.selectors.attachments import attachment_list, case_shows_attachments, case_took_part
from cases.services.attachments import attachment_may_remove
from cases.steps import steps_of


def attachments_context(*, case: Case, user: User, upload_url: str) -> dict[str, Any]:
    """``attachments_shown`` False: the section says who sees them, and the timeline hides the names of
    attached files (``attachment_actions``)."""
    context: dict[str, Any] = {"attachment_actions": ATTACHMENT_ACTIONS, "attachments_shown": False}
    if not case_shows_attachments(case=case, user=user):
        return context
    took_part = case_took_part(case=case, user=user)
    titles = {step.name: step.title for step in steps_of(case.kind)}
    rows = list(attachment_list(case=case, user=user))
    for row in rows:
        row.step_title = titles.get(row.step, "")  # type: ignore[attr-defined]
        row.removable = attachment_may_remove(attachment=row, user=user, took_part=took_part)  # type: ignore[attr-defined]
    return {
        **context,
        "attachments_shown": True,
        "attachments": rows,
        "may_attach": case.is_open,
        "attachment_form": AttachmentForm(),
        "attachment_upload_url": upload_url,
    }
