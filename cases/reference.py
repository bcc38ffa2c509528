"""Reference data every command reads and administrators change a few times a year: the deadline policies and
the work calendar. Each process keeps what it read for ``REFERENCE_DATA_SECONDS`` (60 s by default) instead of
reading it again in every command that starts a clock (two statements each, most of a step's reads).

A change is seen at once by the process that made it (the table's ``post_save`` / ``post_delete`` signals and
the services that write in bulk call ``reference_changed``), again when its transaction commits, and by the other
processes (the other workers, the timer runners) within ``REFERENCE_DATA_SECONDS``: an edited policy applies to
clocks started from then on, so a minute's delay on another worker changes nothing a person could tell. Inside
a transaction that changed the data nothing is kept: it might roll back.
"""

import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from cases.models import CalendarDay, DeadlinePolicy

T = TypeVar("T")

_kept: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()


def _changing_now() -> bool:
    """This connection's transaction changed reference data: what it reads is not kept."""
    mark = getattr(connection, "tongxin_reference_changed", None)
    return mark is not None and bool(connection.atomic_blocks) and mark == id(connection.atomic_blocks[0])


def kept(name: str, read: Callable[[], T]) -> T:
    """``read()``, or what it gave less than ``REFERENCE_DATA_SECONDS`` ago in this process."""
    if _changing_now():
        return read()
    now = time.monotonic()
    hit = _kept.get(name)
    if hit is not None and now - hit[0] < settings.REFERENCE_DATA_SECONDS:
        return hit[1]
    value = read()
    with _lock:
        _kept[name] = (now, value)
    return value


def reference_forget() -> None:
    """Read everything again next time (also the tests' fixture between tests)."""
    with _lock:
        _kept.clear()


def reference_changed() -> None:
    """The calendar or the policies changed in this process: forget them now and when the change commits."""
    reference_forget()
    if connection.in_atomic_block:
        connection.tongxin_reference_changed = id(connection.atomic_blocks[0])  # type: ignore[attr-defined]
        transaction.on_commit(reference_forget)


def _on_change(sender: Any, **kwargs: Any) -> None:
    reference_changed()


for _model in (CalendarDay, DeadlinePolicy):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"reference-{_model.__name__}-saved")
    post_delete.connect(_on_change, sender=_model, dispatch_uid=f"reference-{_model.__name__}-deleted")


# ---- what is kept -----------------------------------------------------------------------------------------------


def deadline_policies() -> list[DeadlinePolicy]:
    """Every deadline policy (a few dozen rows). Do not change the objects."""
    return kept("deadline_policies", lambda: list(DeadlinePolicy.objects.all()))


def calendar_years(years: Iterable[int]) -> dict[int, dict[date, str]]:
    """The special days (date → kind) of each of ``years``, an empty dict for a year without rows; the years not
    kept yet are read in one query."""
    wanted = list(years)
    known: dict[int, dict[date, str]] = kept("calendar", dict)
    missing = [year for year in wanted if year not in known]
    if missing:
        low, high = min(missing), max(missing)
        read: dict[int, dict[date, str]] = {year: {} for year in range(low, high + 1)}
        rows = CalendarDay.objects.filter(date__gte=date(low, 1, 1), date__lte=date(high, 12, 31))
        for day, kind in rows.values_list("date", "kind"):
            read[day.year][day] = kind
        if _changing_now():
            return {**known, **read}
        known.update(read)  # the dict kept under "calendar": later reads of these years need no query
    return {year: known[year] for year in wanted}
