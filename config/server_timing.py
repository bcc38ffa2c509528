"""A ``Server-Timing`` header with the SQL statement count and database time of each request.

For measuring through the real HTTP stack (``make bench``): on only when ``SERVER_TIMING=1``. It tells a client
how much the server queried, which is nothing a production visitor needs to know, so it is off by default.
"""

import time

from django.db import connections


class _Counter:
    def __init__(self):
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started


class ServerTimingMiddleware:
    """``Server-Timing: db;dur=<ms>;desc="<n> queries", app;dur=<ms>`` on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        started = time.perf_counter()
        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        total_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f'db;dur={counter.seconds * 1000:.2f};desc="{counter.queries} queries", app;dur={total_ms:.2f}'
        )
        return response


def parse(header: str) -> dict:
    """``{"queries": n, "db_ms": …, "app_ms": …}`` from the header this middleware writes."""
    metrics = {}
    for entry in header.split(","):
        name, *params = (part.strip() for part in entry.split(";"))
        for param in params:
            key, _, value = param.partition("=")
            if name == "db" and key == "dur":
                metrics["db_ms"] = float(value)
            elif name == "db" and key == "desc":
                metrics["queries"] = int(value.strip('"').split()[0])
            elif name == "app" and key == "dur":
                metrics["app_ms"] = float(value)
    return metrics
