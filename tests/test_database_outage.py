"""A worker that cannot reach PostgreSQL answers 503 with the error shape and a Retry-After, never a 500: the API
and the pages, through a real daphne whose database is gone."""

import json
import urllib.error
import urllib.request

import pytest

from bench.common import asgi_server, free_port


@pytest.fixture(scope="module")
def worker_without_database():
    # a PostgreSQL address where nothing listens: every connection is refused
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-only-not-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/gone",
        "REDIS_URL": "",
        "DJANGO_LOG_LEVEL": "CRITICAL",
    }
    with asgi_server(env) as server:
        yield server


def answer(server, path, headers=None):
    request = urllib.request.Request(f"http://{server}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_api_answers_503_with_the_error_shape(worker_without_database):
    status, headers, body = answer(
        worker_without_database, "/api/v1/cases/", {"Authorization": "Token " + "a" * 40}
    )
    assert (status, headers["Retry-After"]) == (503, "5")
    assert json.loads(body) == {
        "error": {
            "code": "unavailable",
            "message": "服务暂时不可用，本次请求未做任何改动，请稍后重试。",
            "fields": {},
        }
    }


def test_a_page_answers_503_in_the_users_language(worker_without_database):
    status, headers, body = answer(
        worker_without_database, "/", {"Cookie": "sessionid=" + "x" * 32, "Accept-Language": "en"}
    )
    assert (status, headers["Retry-After"]) == (503, "5")
    assert "Briefly unavailable" in body
