"""Reads of returns (退回) with their access rule, and the counts per unit that reports build on.

A return is seen by whoever sees its case, and by the people who decide it (``rules.decides_return``: the
receiving unit's workers and its supervisors), who may no longer see a case that moved on; to anyone else it
does not exist (404)."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from cases import rules
from cases.errors import NotFound
from cases.models import Case, CaseReturn, ReturnDecision, ReturnReason, Unit, User
from cases.rules import NOTHING
from cases.selectors.cases import case_visible_q

RETURN_RELATED = ("case__unit", "from_unit", "to_unit", "created_by", "decided_by")
PENDING_LIMIT = 200


def return_get_for_user(*, return_id: int, user: User, reach: Q = NOTHING) -> CaseReturn:
    returned = CaseReturn.objects.select_related(*RETURN_RELATED).filter(pk=return_id).first()
    if returned is None:
        raise NotFound()
    if rules.decides_return(kind=returned.case.kind, to_unit=returned.to_unit, user=user):
        return returned
    if Case.objects.filter(case_visible_q(user, reach), pk=returned.case_id).exists():
        return returned
    raise NotFound()


def returns_of_case(*, case: Case) -> QuerySet[CaseReturn]:
    """The case's returns, oldest first (the case page and the API's case answer; the case is visible)."""
    return CaseReturn.objects.filter(case=case).select_related(*RETURN_RELATED).order_by("created_at", "pk")


def returns_pending_for_user(*, user: User, limit: int = PENDING_LIMIT) -> list[CaseReturn]:
    """The returns waiting for the person's decision, newest first."""
    rows = (
        CaseReturn.objects.filter(rules.decides_return_returns_q(user), decision="")
        .select_related(*RETURN_RELATED)
        .order_by("-created_at", "-pk")
    )
    return list(rows[:limit])


def returns_by_unit(
    *, root: Unit, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Per unit of the subtree of ``root`` (``root`` first, by path): the returns it sent (as the professional's
    unit of a release, or the unit that sent an escalated dispute back) and received, how many of those it
    re-dispatched, upheld or has not decided, and both by code. Returns made in [``since``, ``until``) when
    given. Three queries, whatever the number of returns: the units, the sent and the received counts."""
    units = list(Unit.objects.filter(path__startswith=root.path).order_by("path"))
    unit_ids = [unit.pk for unit in units]
    period = Q()
    if since is not None:
        period &= Q(created_at__gte=since)
    if until is not None:
        period &= Q(created_at__lt=until)
    rows = {
        unit.pk: {
            "unit_id": unit.pk,
            "name": unit.name,
            "path": unit.path,
            "sent": 0,
            "received": 0,
            "redispatched": 0,
            "upheld": 0,
            "pending": 0,
            "sent_by_code": dict.fromkeys(ReturnReason.values, 0),
            "received_by_code": dict.fromkeys(ReturnReason.values, 0),
        }
        for unit in units
    }
    sent = (
        CaseReturn.objects.filter(period, from_unit_id__in=unit_ids)
        .values_list("from_unit_id", "code")
        .annotate(n=Count("*"))
        .order_by()
    )
    for unit_id, code, n in sent:
        rows[unit_id]["sent"] += n
        rows[unit_id]["sent_by_code"][code] += n
    received = (
        CaseReturn.objects.filter(period, to_unit_id__in=unit_ids)
        .values_list("to_unit_id", "code", "decision")
        .annotate(n=Count("*"))
        .order_by()
    )
    outcome = {ReturnDecision.REDISPATCHED: "redispatched", ReturnDecision.UPHELD: "upheld", "": "pending"}
    for unit_id, code, decision, n in received:
        row = rows[unit_id]
        row["received"] += n
        row["received_by_code"][code] += n
        row[outcome[decision]] += n
    return list(rows.values())
