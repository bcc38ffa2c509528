"""Every read of cases with its access rule. A case the user may not see does not exist for them (404).

Who sees what:
- administrators: everything;
- supervisors: cases of their unit's subtree;
- mediators / liaison officers: cases of their own unit, and cases they registered;
- professionals: cases with a task they hold or held, and cases with a task in their queue (masked).
Parties' phone and ID numbers are shown only to people working the case (see ``case_shows_personal_data``).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import rules
from cases.errors import NotFound
from cases.models import AuditEntry, Case, Unit, User
from workflow.selectors import queue_tasks_for_user


def _owned_task_q(user: User) -> Q:
    return Q(Exists(Task.objects.filter(process__caseprocess__case=OuterRef("pk"), owner=user)))


def case_visible_q(user: User) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser or user.has_role("administrator"):
        return Q()
    visible = Q(pk__in=[])
    if user.has_role("supervisor") and user.unit_id:
        visible |= Q(unit__path__startswith=user.unit.path)
    if (user.has_role("mediator") or user.has_role("liaison")) and user.unit_id:
        visible |= Q(unit_id=user.unit_id) | Q(created_by=user)
    if user.has_role("professional"):
        visible |= _owned_task_q(user)
        visible |= Q(Exists(queue_tasks_for_user(user).filter(process__caseprocess__case=OuterRef("pk"))))
    return visible


def case_list_for_user(
    *, user: User, state: str = "", kind: str = "", unit_id: int | None = None, q: str = ""
) -> QuerySet[Case]:
    cases = Case.objects.filter(case_visible_q(user)).select_related("unit")
    if state:
        cases = cases.filter(state=state)
    if kind:
        cases = cases.filter(kind=kind)
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        cases = cases.filter(unit__path__startswith=unit.path) if unit else cases.none()
    if q:
        cases = cases.filter(
            Q(reference__icontains=q)
            | Q(description__icontains=q)
            | Q(help_request__enterprise_name__icontains=q)
            | Q(dispute__applicant_name__icontains=q)
        )
    return cases.order_by("-created_at", "-id")


def case_get_for_user(*, reference: str, user: User) -> Case:
    case = (
        Case.objects.filter(case_visible_q(user), reference=reference)
        .select_related("unit", "dispute", "help_request", "help_request__card", "created_by")
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def case_shows_personal_data(*, case: Case, user: User) -> bool:
    """Working the case: its unit's mediator / liaison officer, or someone who holds or held one of its tasks."""
    if user.is_superuser or rules.works_case(case, user):
        return True
    return Task.objects.filter(process__caseprocess__case=case, owner=user).exists()


def case_timeline(*, case: Case) -> QuerySet[AuditEntry]:
    return case.audit_entries.select_related("actor", "subject").order_by("created_at", "id")


def case_open_tasks(*, case: Case) -> QuerySet[Task]:
    return (
        Task.objects.filter(process__caseprocess__case=case, status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .exclude(flow_task_type="START")
        .select_related("owner")
        .order_by("created", "pk")
    )
