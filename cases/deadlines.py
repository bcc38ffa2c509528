"""The deadline policy: when a step is due, and when the people on it hear about it.

A step is due its catalogue hours (``Step.deadline_hours``) after it was created; the case is due when its
earliest open step is. A step done by its due moment is on time (the points rule reads that). People hear once
when the due moment is a day away and once when it has passed.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from cases.steps import Step
from notifications.types import EventType

DEADLINE_NEAR = timedelta(hours=24)


def step_due(step: Step, created: datetime) -> datetime:
    return created + timedelta(hours=step.deadline_hours)


def case_due(open_steps: Iterable[tuple[Step, datetime]]) -> datetime | None:
    """The case's due moment: its earliest open step's (``(step, created)`` pairs); None with none open."""
    return min((step_due(step, created) for step, created in open_steps), default=None)


def deadline_notice(*, due: datetime, now: datetime) -> EventType | None:
    """What the people on a step hear now about its due moment, if anything."""
    if due <= now:
        return EventType.DEADLINE_PASSED
    if due <= now + DEADLINE_NEAR:
        return EventType.DEADLINE_NEAR
    return None
