"""The intake throttle counts in the shared cache (a real Redis here); while that Redis is down it counts in
the process's memory at the same rate and logs it once, never answering a 500; once Redis is back it counts
there again."""

import json
import logging

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from api import throttles
from cases.models import Case
from tests.helpers import help_request_body
from tests.live import redis_server


@pytest.fixture
def redis_cache(settings):
    """The default cache on a Redis of the test's own, yielded with its stop and start; the throttles' local
    counts and their outage flag fresh."""
    throttles.local_counts.clear()
    throttles.SharedOrLocalRateThrottle.shared_cache_failing = False
    with redis_server() as (url, stop, start):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        yield stop, start
    throttles.local_counts.clear()
    throttles.SharedOrLocalRateThrottle.shared_cache_failing = False


def logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "api.throttles"]


def intakes(user, count: int) -> list[int]:
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    body = json.dumps(help_request_body(specialties=["tax"], description="问"))
    return [
        client.post("/api/v1/help-requests/", body, content_type="application/json").status_code
        for _ in range(count)
    ]


def test_while_redis_is_down_the_intake_is_limited_in_the_process_and_logged_once(
    people, settings, redis_cache, caplog
):
    settings.API_INTAKE_RATE = "2/min"
    stop_redis, _start_redis = redis_cache
    stop_redis()
    with caplog.at_level(logging.WARNING, logger="api.throttles"):
        statuses = intakes(people["liaison"], 3)
    assert statuses == [201, 201, 429]
    assert Case.objects.count() == 2
    assert logged(caplog) == ["throttle intake: the shared cache fails; counting in this process meanwhile"]


def test_once_redis_is_back_the_intake_counts_there_again(people, settings, redis_cache, caplog):
    settings.API_INTAKE_RATE = "2/min"
    stop_redis, start_redis = redis_cache
    stop_redis()
    assert intakes(people["liaison"], 1) == [201]  # counted in the process
    start_redis()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="api.throttles"):
        statuses = intakes(people["liaison"], 3)
    # a fresh count in Redis: the one made in the process during the outage stays there
    assert statuses == [201, 201, 429]
    assert logged(caplog) == ["throttle intake: the shared cache answers again"]
    assert Case.objects.count() == 3
