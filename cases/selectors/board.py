"""The supervisors' board, read: the case as boards show it, the snapshot of a subtree and the replay of its
events from the audit trail (the same events, with the same types, as were pushed live: ``AuditEntry.event_type``)."""

from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from cases.models import AuditEntry, BoardCount, BoardDue, Case, Unit
from cases.models.audit import BOARD_ACTIONS
from cases.models.case import TERMINAL_STATES
from cases.selectors.orders import order_counts_by_unit
from notifications.horizon import Cursor, cursor_now, unseen_first

NEWEST = 10
OVERDUE = 20
REPLAY_LIMIT = 1000


def board_case(case: Case) -> dict:
    """A case as the board shows it: nothing personal."""
    return {
        "reference": case.reference,
        "kind": str(case.kind),
        "state": str(case.state),
        "unit_id": case.unit_id,
        "unit_path": case.unit.path,
        "priority": case.priority,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "created_at": case.created_at.isoformat(),
    }


def board_snapshot(*, root: Unit) -> dict:
    """The board of a subtree: counts per state and per child unit, the newest cases, the overdue ones, the open
    and overdue supervision orders (in all and per child unit), and the red and yellow cases in all and per child
    unit (``lights``).

    Eight queries whatever the number of cases: the subtree's units, the counts per (unit, state) (the sum of the
    kept ``BoardCount`` rows of those units: as many rows as units and states, whatever the number of cases),
    and three short index scans that stop
    after a page: newest (``case_newest``), overdue (``case_due``), and ``seq`` (the audit table's primary key
    backwards, instead of ``MAX`` over a join, which would read every audit row of the subtree); the open
    orders' counts per unit (``order_open_due``, open orders only), and the lights (``board_lights``, two)."""
    units = list(Unit.objects.filter(path__startswith=root.path).order_by("path"))
    unit_ids = [unit.pk for unit in units]
    counts = board_counts(unit_ids=unit_ids)
    path_of = {unit.pk: unit.path for unit in units}
    child_length = len(root.path) + Unit.steplen
    by_state: dict[str, int] = {}
    open_by_child_path: dict[str, int] = {}
    for (unit_id, state), n in counts.items():
        by_state[state] = by_state.get(state, 0) + n
        if state not in TERMINAL_STATES and len(path_of[unit_id]) >= child_length:
            child = path_of[unit_id][:child_length]
            open_by_child_path[child] = open_by_child_path.get(child, 0) + n
    children = [
        {
            "unit_id": unit.pk,
            "name": unit.name,
            "path": unit.path,
            "open": open_by_child_path.get(unit.path, 0),
        }
        for unit in units
        if unit.depth == root.depth + 1
    ]
    orders = board_orders(units=units, children=children)
    related = Case.objects.filter(unit_id__in=unit_ids).select_related("unit")
    newest = [board_case(case) for case in related.order_by("-created_at", "-id")[:NEWEST]]
    overdue = [
        board_case(case)
        for case in related.exclude(state__in=TERMINAL_STATES)
        .filter(due_at__lte=timezone.now())  # red from the due moment on, as the lights
        .order_by("due_at", "id")[:OVERDUE]
    ]
    seq = (
        AuditEntry.objects.filter(case__unit_id__in=unit_ids)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    snapshot = {
        "type": "snapshot",
        "seq": seq or 0,
        "unit": {"unit_id": root.pk, "name": root.name, "path": root.path},
        "by_state": by_state,
        "children": children,
        "newest": newest,
        "overdue": overdue,
        "open": sum(n for state, n in by_state.items() if state not in TERMINAL_STATES),
        "orders": orders,
    }
    snapshot["lights"] = board_lights(units=units, root=root)
    return snapshot


def board_counts(*, unit_ids: list[int]) -> dict[tuple[int, str], int]:
    """How many cases each of these units has in each state (only the states it has cases in), from the kept
    counts (``BoardCount``, one query)."""
    rows = (
        BoardCount.objects.filter(unit_id__in=unit_ids)
        .values_list("unit_id", "state")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {(unit_id, state): n for unit_id, state, n in rows if n}


def board_lights(*, units: list[Unit], root: Unit) -> dict:
    """The open cases of the subtree that are red (overdue) and yellow (due soon) now, in all and per child
    unit (its subtree), as ``deadlines.case_sla`` lights them: red from the due moment on, paused or else
    yellow from the yellow moment on.

    Two queries, neither of which grows with the number of cases: the kept counts (``BoardDue``) of the cases
    due before today (red) and of those that turned yellow before today and are due after it (yellow unless
    paused); and, one by one, the open cases due today or turning yellow today (by the ``case_due`` and
    ``case_lit`` indexes), whose light depends on the hour: as many as a day brings."""
    now = timezone.now()
    today = now.astimezone(UTC).date()
    start = datetime.combine(today, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    unit_ids = [unit.pk for unit in units]
    kept = (
        BoardDue.objects.filter(unit_id__in=unit_ids)
        .values_list("unit_id")
        .annotate(
            red=Sum("count", filter=Q(due_day__lt=today), default=0),
            yellow=Sum("count", filter=Q(paused=False, yellow_day__lt=today, due_day__gt=today), default=0),
        )
        .order_by()
    )
    today_s = (
        Case.objects.filter(unit_id__in=unit_ids, yellow_at__isnull=False)
        .filter(Q(due_at__gte=start, due_at__lt=end) | Q(yellow_at__gte=start, yellow_at__lt=end))
        .exclude(state__in=TERMINAL_STATES)
        .values_list("unit_id")
        .annotate(
            red=Count("pk", filter=Q(due_at__lte=now)),
            yellow=Count("pk", filter=Q(due_at__gt=now, paused=False, yellow_at__lte=now)),
        )
        .order_by()
    )
    counts = [*kept, *today_s]
    path_of = {unit.pk: unit.path for unit in units}
    child_length = len(root.path) + Unit.steplen
    red = yellow = 0
    by_child: dict[str, tuple[int, int]] = {}
    for unit_id, unit_red, unit_yellow in counts:
        red, yellow = red + unit_red, yellow + unit_yellow
        if len(path_of[unit_id]) >= child_length:
            child = path_of[unit_id][:child_length]
            child_red, child_yellow = by_child.get(child, (0, 0))
            by_child[child] = (child_red + unit_red, child_yellow + unit_yellow)
    return {
        "red": red,
        "yellow": yellow,
        "children": [
            {
                "unit_id": unit.pk,
                "name": unit.name,
                "path": unit.path,
                "red": by_child.get(unit.path, (0, 0))[0],
                "yellow": by_child.get(unit.path, (0, 0))[1],
            }
            for unit in units
            if unit.depth == root.depth + 1
        ],
    }


def board_orders(*, units: list[Unit], children: list[dict]) -> dict:
    """The open and overdue supervision orders (督办单) of the subtree, on the cases of each unit: the totals,
    returned, and each child's, set on it as ``orders`` (one query)."""
    counts = order_counts_by_unit(unit_ids=[unit.pk for unit in units])
    path_of = {unit.pk: unit.path for unit in units}
    total = {"open": 0, "overdue": 0}
    per_child = {child["path"]: {"open": 0, "overdue": 0} for child in children}
    for unit_id, (opened, overdue) in counts.items():
        total["open"] += opened
        total["overdue"] += overdue
        below = next((c for path, c in per_child.items() if path_of[unit_id].startswith(path)), None)
        if below is not None:  # not the root's own cases
            below["open"] += opened
            below["overdue"] += overdue
    for child in children:
        child["orders"] = per_child[child["path"]]
    return total


def board_cursor(*, root: Unit) -> Cursor:
    """Where a board of the subtree that opens now starts (``notifications.horizon``): its snapshot shows what
    happened before, and a resume sends what commits later, whatever its sequence."""
    return cursor_now(
        AuditEntry.objects.filter(case__unit__path__startswith=root.path, action__in=BOARD_ACTIONS)
    )


def board_events_unseen(
    *, root: Unit, after: int, horizon: int | None = None, beyond: int = 0, limit: int = REPLAY_LIMIT
) -> list[dict]:
    """Board events of the subtree a board that saw up to sequence ``after`` (audit ids) with ``horizon``
    (``notifications.horizon``) may not have seen, oldest first, with each case as it is now; ``beyond``: the
    last sequence of the previous page. Only audit rows that were pushed live are events: an unmasking or a card
    redemption is not."""
    entries = unseen_first(
        AuditEntry.objects.filter(
            case__unit__path__startswith=root.path, pk__gt=beyond, action__in=BOARD_ACTIONS
        ).select_related("case__unit"),
        after=after,
        horizon=horizon,
        limit=limit,
    )
    return [
        {"type": "event", "seq": entry.pk, "event": str(entry.event_type), "case": board_case(entry.case)}
        for entry in entries
    ]
