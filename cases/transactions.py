"""Who owns a transaction: the outermost command.

A command (what a page, the API, a runner or the demo calls) is ``@command``: it runs in a durable atomic
block, so calling it inside someone else's transaction is an error instead of a silent savepoint, and a refusal
anywhere in it rolls everything back. A caller that must put more into the same transaction (the API's
idempotency record) calls ``command.within(...)`` inside its own durable block. Domain functions are
``@in_transaction``: they expect their caller's transaction and fail loudly without one. A command's audit rows
and notifications are written together at the end of its body (``notifications.events.batched``).
"""

from collections.abc import Callable
from functools import update_wrapper, wraps
from typing import Generic, ParamSpec, TypeVar

from django.db import transaction

from notifications.events import batched

P = ParamSpec("P")
R = TypeVar("R")


class TransactionRequired(RuntimeError):
    pass


def in_transaction(function: Callable[P, R]) -> Callable[P, R]:
    @wraps(function)
    def inside(*args: P.args, **kwargs: P.kwargs) -> R:
        if not transaction.get_connection().in_atomic_block:
            raise TransactionRequired(f"{function.__qualname__} runs inside its caller's transaction")
        return function(*args, **kwargs)

    return inside


class Command(Generic[P, R]):
    def __init__(self, function: Callable[P, R]):
        self.function = function
        self.within = in_transaction(self._batched)
        update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(durable=True):
            return self._batched(*args, **kwargs)

    def _batched(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """The body, its audit rows and notifications written in one statement at its end and pushed in one hop
        after commit (``notifications.events.batched``)."""
        with batched():
            return self.function(*args, **kwargs)


def command(function: Callable[P, R]) -> Command[P, R]:
    return Command(function)
