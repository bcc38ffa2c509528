"""One error shape: every answer under /api/ is the JSON error in the request's language, whatever failed;
pages get a branded page in the user's language, never Django's debug page or its plain HTML."""

import json

from django.test import Client
from rest_framework.authtoken.models import Token

from cases.models import Case


def api(user, language="zh-hans"):
    key = Token.objects.get_or_create(user=user)[0].key
    return Client(
        HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False
    )


def test_a_body_too_large_is_a_413_in_the_json_shape(people, settings):
    response = api(people["mediator"]).post(
        "/api/v1/disputes/", json.dumps({"description": "x" * 3_000_000}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {"error": {"code": "too_large", "message": "提交的内容过大。", "fields": {}}}
    assert Case.objects.count() == 0


def test_an_unexpected_failure_is_a_500_in_the_json_shape_and_a_branded_page(people, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("api.views.case_page_for_user", broken)
    monkeypatch.setattr("web.views.cases.case_page_for_user", broken)
    response = api(people["supervisor"], language="en").get("/api/v1/cases/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert response.json()["error"]["message"].startswith("The server could not answer.")

    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    pages.force_login(people["supervisor"])
    response = pages.get("/cases/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "同心助力" in page and "服务器暂时无法应答" in page
    assert "Traceback" not in page and "RuntimeError" not in page


def test_unknown_api_paths_and_methods_answer_in_the_json_shape(people):
    client = api(people["mediator"], language="en")
    missing = client.get("/api/v1/nothing-here/")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    wrong_method = client.delete("/api/v1/cases/")
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()["error"]) == {"code", "message", "fields"}
    wrong_type = client.post("/api/v1/disputes/", "a=1", content_type="application/x-www-form-urlencoded")
    assert wrong_type.status_code == 415
    assert set(wrong_type.json()["error"]) == {"code", "message", "fields"}


def test_a_page_that_does_not_exist_is_a_branded_page_in_the_users_language(people):
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["mediator"])
    response = pages.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "未找到" in page and "返回首页" in page


def test_an_api_path_no_converter_matches_is_the_json_404_with_debug_on_too(people, settings):
    # a malformed id or reference matches no URL; Django's debug page would answer it with DEBUG on
    settings.DEBUG = True
    pages = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    pages.force_login(people["mediator"])
    for path in (
        "/api/v1/tasks/%C2%B2/claim/",
        "/api/v1/cases/%00/",
        "/api/v1/nothing-here/",
        "/api/v1/a%0Ab/",
    ):
        for response in (
            pages.get(path),
            pages.post(path),
            api(people["mediator"], language="en").post(path),
        ):
            assert response.status_code == 404, path  # a POST without its CSRF token too: nothing happens
            assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    # a path without its last slash is still redirected to the one with
    assert pages.get("/api/v1/cases").status_code == 301
