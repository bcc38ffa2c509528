"""Every read of cases with its access rule. A case the user may not see does not exist for them (404).

Who sees what (``rules.sees_case`` and its query form):
- administrators: everything;
- supervisors: cases of their unit's subtree;
- mediators / liaison officers: cases of their own unit, and cases they registered;
- professionals: cases they take part in (hold or held a task of), and cases with a task in their queue
  (masked): ``reach``, added by ``workflow.selectors``.
Parties' phone and ID numbers are shown only to people working the case (see ``case_shows_personal_data``).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import deadlines, rules
from cases.errors import InvalidInput, NotFound
from cases.models import AuditEntry, Case, CaseParticipant, Role, Unit, User
from cases.models.case import NO_DEADLINE, due_order
from cases.rules import NOTHING


def case_visible_q(user: User, reach: Q = NOTHING) -> Q:
    """The cases a person sees: by unit and role (``rules.sees_case``); for a professional also the cases they
    take part in, and ``reach``, what the caller adds (workflow: the cases their queue reaches)."""
    if rules.is_administrator(user):
        return Q()  # not combined below: ``Q() | other`` is ``other``
    visible = rules.sees_case_cases_q(user)
    if user.is_authenticated and user.has_role(Role.PROFESSIONAL):
        visible |= Q(Exists(CaseParticipant.objects.filter(case=OuterRef("pk"), person=user))) | reach
    return visible


# At least this many digits in a search make it a search by phone number too (fewer find half the district).
PHONE_SEARCH_DIGITS = 4


def case_took_part_q(user: User, case: str = "pk") -> Q:
    """The rows whose case (``OuterRef(case)``) the user holds or held a step of (``CaseParticipant``)."""
    if not user.is_authenticated:
        return NOTHING
    return Q(Exists(CaseParticipant.objects.filter(case=OuterRef(case), person=user)))


def case_search_q(q: str, *, user: User, took_part: Q, prefix: str = "") -> Q:
    """A search of cases (or rows reaching them through ``prefix``): the reference, the description, the party
    or enterprise; and, when ``q`` holds ``PHONE_SEARCH_DIGITS`` digits or more, the parties' phone numbers by
    those digits ("138 1234-1234" finds 13812341234) on the cases where the user sees the numbers in full
    (``rules.shows_personal_data_cases_q``; ``took_part``: the rows whose case the user took part in)."""

    def on(**lookups: str) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    found = (
        on(reference__icontains=q)
        | on(description__icontains=q)
        | on(help_request__enterprise_name__icontains=q)
        | on(dispute__applicant_name__icontains=q)
        | on(dispute__respondent_name__icontains=q)
    )
    digits = re.sub(r"[^0-9]", "", q)
    if len(digits) >= PHONE_SEARCH_DIGITS:
        phones = (
            on(dispute__applicant_phone__contains=digits)
            | on(dispute__respondent_phone__contains=digits)
            | on(help_request__contact_phone__contains=digits)
        )
        found |= phones & rules.shows_personal_data_cases_q(user, prefix, took_part)
    return found


class CaseOrder(StrEnum):
    """How a case list is ordered: newest first (by registration), or due first (soonest first, cases without
    a deadline last); the id breaks ties, so that a keyset page never repeats or skips a case."""

    NEWEST = "newest"
    DUE = "due"


def case_list_for_user(
    *,
    user: User,
    reach: Q = NOTHING,
    state: str = "",
    kind: str = "",
    unit_id: int | None = None,
    q: str = "",
    light: str = "",
    order: str = CaseOrder.NEWEST,
) -> QuerySet[Case]:
    """``light``: one of ``Light`` (as ``deadlines.case_sla`` lights a case now) or ``NO_DEADLINE_LIGHT``."""
    cases = _filtered(
        Case.objects.filter(case_visible_q(user, reach)).select_related("unit"),
        user=user, state=state, kind=kind, unit_id=unit_id, q=q, light=light,
    )  # fmt: skip
    if order == CaseOrder.DUE:
        return cases.order_by(due_order(), "id")
    return cases.order_by("-created_at", "-id")


def _filtered(
    cases: QuerySet[Case], *, user: User, state: str, kind: str, unit_id: int | None, q: str, light: str
) -> QuerySet[Case]:
    if light:
        cases = cases.filter(deadlines.light_q(light, at=timezone.now()))
    if state:
        cases = cases.filter(state=state)
    if kind:
        cases = cases.filter(kind=kind)
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        cases = cases.filter(unit__path__startswith=unit.path) if unit else cases.none()
    if q:
        cases = cases.filter(case_search_q(q, user=user, took_part=case_took_part_q(user)))
    return cases


CASE_PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"([0-9]{1,17})-([0-9]{1,18})")


@dataclass(frozen=True)
class CasePage:
    """One page of a case list in its order. ``next_cursor`` is the ``after`` of the page that follows it."""

    cases: list[Case]
    next_cursor: str | None


def case_cursor(case: Case, order: str = CaseOrder.NEWEST) -> str:
    """Where a page ends: the moment the list is ordered by (the case's registration; its due moment, or
    ``NO_DEADLINE`` without one) in microseconds since 1970, and its id: ``<micros>-<id>``."""
    moment = case.created_at if order != CaseOrder.DUE else (case.due_at or NO_DEADLINE)
    return f"{(moment - _EPOCH) // timedelta(microseconds=1)}-{case.pk}"


def _cursor_position(after: str) -> tuple[datetime, int]:
    match = _CURSOR.fullmatch(after)
    if match is None:
        raise InvalidInput(_("This page link is not valid; start again from the first page."), field="after")
    return _EPOCH + timedelta(microseconds=int(match[1])), int(match[2])


def takes_part_only(user: User) -> bool:
    """The person sees cases only by taking part in them and by their queue (``reach``): a professional with
    no role that shows cases by unit (``rules.sees_case``)."""
    return (
        user.is_authenticated
        and user.has_role(Role.PROFESSIONAL)
        and not rules.is_administrator(user)
        and rules.sees_case_cases_q(user) == NOTHING
    )


def case_page_for_user(
    *,
    user: User,
    after: str = "",
    size: int = CASE_PAGE_SIZE,
    order: str = CaseOrder.NEWEST,
    reach_rows: list[QuerySet] | None = None,
    **filters,
) -> CasePage:
    """A page of ``case_list_for_user`` after the cursor ``after`` (keyset: no OFFSET, no COUNT), so a deep page
    costs what the first one does. A malformed cursor is refused with ``InvalidInput``. ``reach_rows``: the
    rows behind ``reach`` (each with ``case_id`` and ``case_created``, indexed newest first), for the newest
    cases of someone who sees only what they take part in and reach (``took_part_page``)."""
    if order == CaseOrder.NEWEST and reach_rows is not None and takes_part_only(user):
        return took_part_page(user=user, reach_rows=reach_rows, after=after, size=size, **filters)
    cases = case_list_for_user(user=user, order=order, **filters)
    if after:
        moment, pk = _cursor_position(after)
        # The bound on the moment lets the index ((created_at, id) backwards, or ``case_due_first`` forwards)
        # start at the cursor instead of filtering from the top.
        if order == CaseOrder.DUE:
            due = due_order()
            cases = cases.filter(GreaterThanOrEqual(due, moment)).filter(
                Q(GreaterThan(due, moment)) | Q(pk__gt=pk)
            )
        else:
            cases = cases.filter(created_at__lte=moment).filter(Q(created_at__lt=moment) | Q(pk__lt=pk))
    rows = list(cases[: size + 1])
    if len(rows) > size:
        return CasePage(cases=rows[:size], next_cursor=case_cursor(rows[size - 1], order))
    return CasePage(cases=rows, next_cursor=None)


def union_all(parts: list[QuerySet]) -> QuerySet:
    """The rows of every part, one statement (``UNION ALL``); each part keeps its own order and cut."""
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)


def took_part_page(
    *,
    user: User,
    reach_rows: list[QuerySet],
    after: str = "",
    size: int = CASE_PAGE_SIZE,
    reach: Q = NOTHING,
    state: str = "",
    kind: str = "",
    unit_id: int | None = None,
    q: str = "",
    light: str = "",
) -> CasePage:
    """The newest cases of someone who sees only the cases they take part in (``CaseParticipant``) and those
    their queue reaches (``reach_rows``: the same set as ``reach``, in parts, a step's waiting rows each): each
    source read newest first from its own index (``participant_newest``, the queue's ``order_queue_cases``) up
    to a page past the cursor, each row kept if its case matches the filters, the queue's parts in one query
    (``UNION ALL``), then merged; then the page's cases. Three queries, whatever the number of cases or of the
    person's tasks (the rule is ``case_visible_q``'s, in another form)."""
    matching = _filtered(
        Case.objects.all(), user=user, state=state, kind=kind, unit_id=unit_id, q=q, light=light
    )

    def newest(rows: QuerySet) -> QuerySet:
        rows = rows.filter(Exists(matching.filter(pk=OuterRef("case_id"))))
        if after:
            moment, pk = _cursor_position(after)
            rows = rows.filter(case_created__lte=moment).filter(
                Q(case_created__lt=moment) | Q(case_id__lt=pk)
            )
        return rows.order_by("-case_created", "-case_id").values_list("case_id", "case_created")[: size + 1]

    # never None: the database copies every row's case_created
    found: dict[int, datetime | None] = dict(newest(CaseParticipant.objects.filter(person=user)))
    parts = [newest(rows) for rows in reach_rows]
    if parts:
        found.update(union_all(parts))
    newest_first = sorted(found.items(), key=lambda item: (item[1] or _EPOCH, item[0]), reverse=True)
    ids = [pk for pk, _created in newest_first]
    ids = ids[: size + 1]
    by_id = Case.objects.select_related("unit").in_bulk(ids)
    cases = [by_id[pk] for pk in ids]
    if len(cases) > size:
        return CasePage(cases=cases[:size], next_cursor=case_cursor(cases[size - 1]))
    return CasePage(cases=cases, next_cursor=None)


def case_get_for_user(*, reference: str, user: User, reach: Q = NOTHING) -> Case:
    case = (
        Case.objects.filter(case_visible_q(user, reach), reference=reference)
        .select_related("unit", "dispute", "help_request", "help_request__card", "created_by")
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def case_shows_personal_data(*, case: Case, user: User) -> bool:
    """Working the case: its unit's mediator / liaison officer, or someone who holds or held one of its tasks."""
    if rules.shows_personal_data(case, user, took_part=False):
        return True
    took_part = user.is_authenticated and CaseParticipant.objects.filter(case=case, person=user).exists()
    return rules.shows_personal_data(case, user, took_part=took_part)


def case_timeline(*, case: Case) -> QuerySet[AuditEntry]:
    return case.audit_entries.select_related("actor", "subject").order_by("created_at", "id")


RELATED_LIMIT = 10


def case_list_related(*, case: Case, user: User, reach: Q = NOTHING) -> list[Case]:
    """Other cases of the same party, newest first (at most ``RELATED_LIMIT``): a dispute's by the applicant's
    mobile or ID number, a help request's by the enterprise's credit code; only those ``user`` sees."""
    if case.is_dispute:
        dispute = case.dispute
        same = Q(dispute__applicant_phone=dispute.applicant_phone)
        if dispute.applicant_id_number:
            same |= Q(dispute__applicant_id_number=dispute.applicant_id_number)
    else:
        same = Q(help_request__credit_code=case.help_request.credit_code)
    related = Case.objects.filter(case_visible_q(user, reach)).filter(same).exclude(pk=case.pk)
    return list(related.select_related("unit").order_by("-created_at", "-id")[:RELATED_LIMIT])
