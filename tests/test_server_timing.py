"""The Server-Timing header (``SERVER_TIMING=1``, for benchmarks): the query count and database time of the
request, off by default."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from config.server_timing import parse


def test_off_by_default(people):
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['supervisor']).key}")
    assert "Server-Timing" not in client.get("/api/v1/cases/")


def test_on_it_counts_the_queries_the_request_ran(people, settings):
    settings.MIDDLEWARE = ["config.server_timing.ServerTimingMiddleware", *settings.MIDDLEWARE]
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['supervisor']).key}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/cases/")
    timing = parse(response["Server-Timing"])
    assert timing["queries"] == len(captured) > 0
    assert 0 <= timing["db_ms"] <= timing["app_ms"]
