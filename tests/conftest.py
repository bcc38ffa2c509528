"""Shared fixtures: the demo organisation (units, role groups, people, cards) on the real database.

On CI the suite runs twice: with DATABASE_URL/REDIS_URL pointing at PostgreSQL and Redis, and on the embedded
default (SQLite, in-memory channel layer). Tests using ``postgres_only`` need PostgreSQL and fail without it when
``TONGXIN_REQUIRE_SERVICES=1`` (set by .ci/run for the PostgreSQL pass).
"""

import os
from importlib import import_module

import pytest
from channels.layers import channel_layers
from django.db import connection
from django.utils import translation

from demo import org as demo


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo people get real passwords; PBKDF2 would spend seconds on them in every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A new channel layer per test: each async test has its own event loop, and a layer (its locks, its
    Redis pools) must not outlive the loop it was used in."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def reference_data_forgotten():
    """Each test reads the calendar and the policies afresh (``cases.reference``): what a test wrote in bulk, and
    rolled back at its end, must not be kept for the next."""
    from cases.reference import reference_forget

    reference_forget()
    yield
    reference_forget()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (zh-hans): a request's LocaleMiddleware activates the language
    it asked for in the test's thread and leaves it active after the response, for whatever test comes next."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def people(db):
    people = demo.build_org()
    demo.build_cards()
    return people


@pytest.fixture
def committed_people(transactional_db):
    """The demo organisation committed, for tests that use several connections (threads, servers), with what
    the migrations seed put back (an earlier transactional test's flush emptied every table)."""
    migrations_seed_again()
    people = demo.build_org()
    demo.build_cards()
    return people


def migrations_seed_again() -> None:
    """The work calendar and the deadline policies, as the migrations seed them (idempotent)."""
    from cases.models import DeadlinePolicy
    from cases.services.calendar import calendar_seed

    calendar_seed()
    policies = import_module("cases.migrations.0009_deadline_policies_seed")
    present = set(DeadlinePolicy.objects.values_list("kind", "step", "priority", "counted_from"))
    DeadlinePolicy.objects.bulk_create(
        DeadlinePolicy(kind=kind, step=step, priority=priority, counted_from=start, amount=amount, unit=unit)
        for kind, step, priority, start, amount, unit in policies.DEFAULTS
        if (kind, step, priority, start) not in present
    )


@pytest.fixture
def postgres_only():
    """For tests that need PostgreSQL (row locks under real concurrency): a failure when the run promised it."""
    if connection.vendor != "postgresql":
        if os.environ.get("TONGXIN_REQUIRE_SERVICES") == "1":
            pytest.fail(
                "PostgreSQL is required on this run (DATABASE_URL) but the suite is on " + connection.vendor
            )
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
