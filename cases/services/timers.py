"""Firing timers exactly once (``cases.models.clocks.Timer``), however many runners run.

A runner claims due timers with one conditional UPDATE that sets ``fired_at``: on PostgreSQL the rows are picked
``FOR UPDATE SKIP LOCKED``, so two runners never claim the same row and never wait for each other; on SQLite the
write lock (``BEGIN IMMEDIATE``) serialises them. The caller does what each claimed timer means in the same
transaction: a runner that dies before committing claimed nothing, and the other runner claims those rows. The
rows are read by the partial index ``timer_due`` (due rows among the unfired ones), never by scanning open steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from cases.models import Timer, TimerKind
from cases.transactions import in_transaction

# A runner's backend whose client vanished mid-batch gives its rows back within this long (PostgreSQL).
ORPHAN_TIMEOUT = "30s"


@dataclass(frozen=True, order=True)
class Claimed:
    id: int
    clock_id: int
    kind: str


def _table() -> str:
    return connection.ops.quote_name(Timer._meta.db_table)


def _moment(now: datetime) -> Any:
    """A moment as the database stores it (raw SQL gets no field to adapt it: SQLite keeps naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(now)


@in_transaction
def timers_claim(*, now: datetime, limit: int, kinds: list[str]) -> list[Claimed]:
    """Claim up to ``limit`` unfired timers of ``kinds`` due by ``now``, earliest first: they are fired (at
    ``now``) once this transaction commits, and only by it."""
    table = _table()
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    placeholders = ", ".join(["%s"] * len(kinds))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A runner killed mid-batch (its client gone, its backend blocked or idle in this transaction) must
            # not keep its rows locked until TCP notices: the server ends such a session, and rolls it back.
            cursor.execute(
                "SELECT set_config('idle_in_transaction_session_timeout', %s, true), "
                "set_config('client_connection_check_interval', '1s', true)",
                [ORPHAN_TIMEOUT],
            )
        cursor.execute(
            f"UPDATE {table} SET fired_at = %s WHERE id IN ("
            f"SELECT id FROM {table} WHERE fired_at IS NULL AND due_at <= %s AND kind IN ({placeholders}) "
            f"ORDER BY due_at LIMIT %s{skip_locked}"
            ") RETURNING id, clock_id, kind",
            [_moment(now), _moment(now), *kinds, limit],
        )
        rows = cursor.fetchall()
    return sorted(Claimed(*row) for row in rows)


@in_transaction
def timer_claim(*, timer_id: int, now: datetime) -> bool:
    """Claim one timer that is due and unfired (the caller holds its case's lock): whether it was this one's
    to fire."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET fired_at = %s WHERE id = %s AND fired_at IS NULL AND due_at <= %s",
            [_moment(now), timer_id, _moment(now)],
        )
        return cursor.rowcount == 1


def pause_ends_due(*, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(timer id, case id) of pauses that have ended, earliest first (read only: each is claimed under its
    case's lock, as every change of a case is)."""
    rows = (
        Timer.objects.filter(kind=TimerKind.RESUME, fired_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", "clock__case_id")[:limit]
    )
    return list(rows)


def order_replies_due(*, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(timer id, case id) of supervision orders whose reply is due, earliest first (read only, by the partial
    index: each is claimed under its case's lock, as every change of a case is)."""
    rows = (
        Timer.objects.filter(kind=TimerKind.REPLY, fired_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", "order__case_id")[:limit]
    )
    return list(rows)
