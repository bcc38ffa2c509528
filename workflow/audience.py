"""Who may take a task: the one rule behind ``can_assign`` and the queue query.

Audiences:
- ``worker``: a mediator (dispute) or liaison officer (help request) of the case's unit;
- ``professional``: a professional of the task's specialty whose service pool covers the case's unit;
- ``supervisor``: a supervisor of the case's unit or a unit above it.
"""

from django.db.models import Q

from cases import rules
from cases.models import Case, User

WORKER = "worker"
PROFESSIONAL = "professional"
SUPERVISOR = "supervisor"


def may_take(*, audience: str, specialty: str | None, case: Case, user: User) -> bool:
    if audience == WORKER:
        return rules.works_case(case, user)
    if audience == PROFESSIONAL:
        return rules.serves_specialty(user, specialty or "", case.unit)
    if audience == SUPERVISOR:
        return rules.supervises_case(case, user)
    raise ValueError(audience)


def queue_filter(user: User, nodes) -> Q:
    """The tasks ``user`` may take, as a filter on Task (same rule as ``may_take``); matches nothing for
    a user of no audience."""
    case_path = "process__caseprocess__case__unit__path__startswith"
    matched = Q(pk__in=[])
    for node in nodes:
        node_q = Q(flow_task=node)
        if node.audience == WORKER and user.has_role(rules.worker_role_for_kind(node.flow_class.case_kind)):
            matched |= node_q & Q(process__caseprocess__case__unit_id=user.unit_id)
        elif (
            node.audience == PROFESSIONAL
            and user.has_role("professional")
            and user.specialty == node.specialty
        ):
            if user.pool_id:
                matched |= node_q & Q(**{case_path: user.pool.path})
        elif node.audience == SUPERVISOR and user.has_role("supervisor") and user.unit_id:
            matched |= node_q & Q(**{case_path: user.unit.path})
    return matched


def candidate_ids(node, case: Case) -> list[int]:
    """Ids of the people who may take ``node``'s task on ``case`` (same rule as ``may_take``, as one query)."""
    steplen = type(case.unit).steplen
    unit_and_above = [case.unit.path[: steplen * depth] for depth in range(1, case.unit.depth + 1)]
    people = User.objects.filter(is_active=True)
    if node.audience == WORKER:
        people = people.filter(groups__name=rules.worker_role(case), unit_id=case.unit_id)
    elif node.audience == PROFESSIONAL:
        people = people.filter(
            groups__name="professional", specialty=node.specialty, pool__path__in=unit_and_above
        )
    elif node.audience == SUPERVISOR:
        people = people.filter(groups__name="supervisor", unit__path__in=unit_and_above)
    else:
        raise ValueError(node.audience)
    return list(people.values_list("pk", flat=True).distinct())
