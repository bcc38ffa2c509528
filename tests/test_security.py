"""Production settings pass the deploy check; security headers; login brute-force lockout; intake throttling."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from cases.models import Case
from tests.helpers import help_request_body

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deploy_check_without_a_warning(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="casework.example")
    # The settings are under test, not a database's content: an empty database (the work calendar's coverage
    # check reads the table, and warns when next year is missing, as it should on a live one).
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_pages_carry_a_content_security_policy_and_no_inline_script(client, people):
    client.force_login(people["mediator"])
    response = client.get(reverse("inbox"))
    policy = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "script-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert response["X-Frame-Options"] == "DENY"
    page = response.content.decode()
    assert "onchange=" not in page and "<script>" not in page


def test_repeated_wrong_passwords_lock_the_login(people):
    people["mediator"].set_password("right-password-1")
    people["mediator"].save()
    client = Client()
    statuses = [
        client.post(reverse("login"), {"username": "mediator", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    response = client.post(reverse("login"), {"username": "mediator", "password": "right-password-1"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # the API's token view is guarded by the same lock, and says so as the login page does: a 429, not the
    # 400 of a wrong password
    response = Client().post(
        "/api/v1/auth/token/",
        json.dumps({"username": "mediator", "password": "right-password-1"}),
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json() == {"error": {"code": "locked_out", "message": LOCKED, "fields": {}}}
    assert response["Retry-After"] == "1800"
    assert not Token.objects.filter(user=people["mediator"]).exists()


LOCKED = "多次输入错误密码，该账号已被暂时锁定。请稍后再试，或联系系统管理员。"


def test_repeated_wrong_passwords_on_the_token_endpoint_lock_it_with_a_429_in_the_users_language(people):
    people["liaison"].set_password("right-password-1")
    people["liaison"].save()

    def token(password, language="zh-hans"):
        body = json.dumps({"username": "liaison", "password": password})
        return Client(HTTP_ACCEPT_LANGUAGE=language).post(
            "/api/v1/auth/token/", body, content_type="application/json"
        )

    answers = [token("wrong") for _ in range(5)]
    # the fifth failure locks, as on the login page; until then a wrong password is a 400
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429]
    assert answers[0].json()["error"]["message"] == "无法使用提供的认证信息登录。"
    assert answers[4].json()["error"]["message"] == LOCKED
    locked = token("right-password-1", language="en")
    assert locked.status_code == 429
    assert locked.json()["error"] == {
        "code": "locked_out",
        "message": "This account is locked for a while after repeated wrong passwords. Try again later or "
        "ask an administrator.",
        "fields": {},
    }
    assert not Token.objects.filter(user=people["liaison"]).exists()
    # the login page is locked too
    page = Client().post(reverse("login"), {"username": "liaison", "password": "right-password-1"})
    assert page.status_code == 429


def test_a_flooded_intake_gets_429_and_writes_nothing_more(people, settings):
    settings.API_INTAKE_RATE = "2/min"
    liaison = people["liaison"]
    cache.delete(f"throttle_intake_{liaison.pk}")
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=liaison)[0].key}")
    body = help_request_body(specialties=["tax"], description="问")
    statuses = [
        client.post("/api/v1/help-requests/", json.dumps(body), content_type="application/json").status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert Case.objects.count() == 2
    cache.delete(f"throttle_intake_{liaison.pk}")
