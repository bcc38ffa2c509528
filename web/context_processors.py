"""What every page's frame needs: which menu links the person has (the rules' own answers, never role names),
how many rows their worklists have, the bell's unread count, and for administrators what the work calendar misses."""

from django.http import HttpRequest

from cases import rules
from cases.models import CaseKind
from cases.workdays import calendar_gaps
from notifications.selectors import notification_unread_count
from workflow.selectors import WORKLIST_COUNT_CAP, worklist_counts


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "may_register_dispute": rules.may_register_somewhere(user, CaseKind.DISPUTE),
        "may_register_help_request": rules.may_register_somewhere(user, CaseKind.HELP_REQUEST),
        "has_board": rules.has_board(user),
        "may_decide_returns": rules.decides_returns_somewhere(user),
        # The worklists' counts beside their menu links (one capped COUNT each: "99+" from the cap on).
        "worklist_counts": {
            name: f"{WORKLIST_COUNT_CAP - 1}+" if count >= WORKLIST_COUNT_CAP else count
            for name, count in worklist_counts(user=user).items()
        },
        # Reports follow a unit (``reports.selectors.report_scope``): a board's root, or one's own unit.
        "has_reports": rules.has_board(user) or bool(user.unit_id),
        # The bell's count on every page (one COUNT over the unread index).
        "unread_notifications": notification_unread_count(user=user),
        # Administrators are told on every page (and the admin's) when deadlines need a year the calendar lacks.
        "calendar_warnings": [gap.message for gap in calendar_gaps()] if rules.is_administrator(user) else [],
    }
