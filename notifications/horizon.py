"""Replay in commit order: what a reconnecting reader has not seen, even when transactions commit out of id order.

Ids come from a sequence when a row is inserted, not when its transaction commits: a row with id 43 can become
visible after one with id 44, so "every row after the last id I saw" misses 43 when the reader read 44 in
between. On PostgreSQL each streamed row (a notification, an audit row) keeps the id of the transaction that
wrote it (``txid``, from ``pg_current_xact_id()``), and every replay hands its reader a **horizon**: the oldest
transaction still running when the replay read (``pg_snapshot_xmin``). Any row the replay could not see belongs
to a transaction at or after that horizon, so the next replay sends the rows after the reader's last id **and**
the rows at or after its horizon; the few among those it had seen already are dropped by id (each socket remembers
what it sent, each page what it showed). On SQLite one writer holds the database until it commits, so id order is
commit order, there is no horizon, and the id alone is the cursor.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, models

# Ids named as seen in a cursor at most (the newest ones).
CURSOR_SEEN = 1000


@dataclass(frozen=True)
class Cursor:
    after: int
    horizon: int
    seen: list[int] = field(default_factory=list)


class CurrentTransactionId(models.Func):
    """The writing transaction's id as a column default (PostgreSQL), NULL elsewhere."""

    output_field = models.BigIntegerField()
    template = "NULL"

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return "(pg_current_xact_id()::text::bigint)", []


def replay_horizon() -> int:
    """The horizon to hand a reader with the replay read after this call (0 without transaction ids).

    Read before the replay's own query: a horizon only moves forward, so an earlier one is at most the replay's
    and covers everything the replay could not see."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return int(cursor.fetchone()[0])


def unseen_q(*, after: int, horizon: int | None) -> models.Q:
    """The rows of a stream a reader who saw up to id ``after`` with horizon ``horizon`` may not have seen.

    A reader without a horizon (its first connection, an old page) is given the rows after its id only."""
    unseen = models.Q(pk__gt=after)
    if horizon:
        unseen |= models.Q(txid__gte=horizon)
    return unseen


def unseen_first(rows: models.QuerySet, *, after: int, horizon: int | None, limit: int) -> models.QuerySet:
    """The first ``limit`` of ``rows`` by id that a reader at ``after`` with ``horizon`` may not have seen
    (``unseen_q``), read in one statement as two parts, each from its own index: the rows after ``after`` by the
    primary key, at most ``limit`` of them, and the few at or after the horizon by ``txid``. For a reader far
    behind (the reports' counters catching up after a bulk load): with the ``OR`` of ``unseen_q`` and an order by
    id, PostgreSQL walks the primary key from its start and skips every row up to ``after``, so each batch took
    longer than the last (47 s a batch of 20,000 at 5 million rows; 0.3 s this way), and a board resuming after
    100,000 rows waited 8 s at 11 million (0.1 s this way)."""
    newer = rows.filter(pk__gt=after).order_by("pk")[:limit]
    if not horizon:
        return newer
    if not connections[rows.db].features.supports_slicing_ordering_in_compound:  # SQLite: the OR, one scan
        return rows.filter(unseen_q(after=after, horizon=horizon)).order_by("pk")[:limit]
    late = rows.filter(txid__gte=horizon, pk__lte=after).order_by()
    return newer.union(late, all=True).order_by("pk")[:limit]


def cursor_now(rows: models.QuerySet) -> Cursor:
    """The cursor of a reader of ``rows`` (one stream, filtered to what the reader may read) that starts now."""
    horizon = replay_horizon()
    newest = rows.order_by("-pk").values("pk")[:1]
    if not horizon:
        row = newest.first()
        return Cursor(after=row["pk"] if row else 0, horizon=0)
    # One statement, so the newest id and the ids at or after the horizon come from the same snapshot.
    ids = list(
        rows.filter(models.Q(txid__gte=horizon) | models.Q(pk=models.Subquery(newest)))
        .order_by("-pk")
        .values_list("pk", flat=True)[:CURSOR_SEEN]
    )
    return Cursor(after=ids[0] if ids else 0, horizon=horizon, seen=sorted(ids))
