"""Showing parties' personal data to someone who does not work the case: explicit, with a reason, audited."""

from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.errors import InvalidInput, NotAllowed
from cases.models import AuditAction, Case, User
from cases.services.audit import audit_write
from cases.transactions import command


@command
def case_unmask(*, case: Case, user: User, reason: str) -> Case:
    """A supervisor of the case (or an administrator) may see the parties' phone and ID numbers, once they say
    why; the audit trail records who looked and why. ``case`` is one the person may see (a selector's)."""
    if not rules.may_unmask(case, user):
        raise NotAllowed(_("Only a supervisor of the case's unit may show its personal data."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why you need to see the personal data."), field="reason")
    audit_write(case=case, actor=user, action=AuditAction.UNMASKED, name="unmask", reason=reason)
    return case
