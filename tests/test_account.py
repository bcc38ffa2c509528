"""One's own account: the password change (Django's views, under django-axes' lockout: a wrong current password
counts as a failed login), the toast preferences (kept per person, told to the notification socket's page), and
the admin branded and in Chinese, django-axes' pages included."""

import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import translation

from config.asgi import application
from notifications.models import ToastPreference
from notifications.types import EventType
from tests.helpers import visible_text


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def change(client, old: str, new: str = "new-pass-Tongxin-9"):
    return client.post(
        reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_a_person_changes_their_own_password(people):
    mediator = people["mediator"]
    mediator.set_password("old-pass-Tongxin-1")
    mediator.save()
    client = signed_in(mediator)
    response = change(client, "old-pass-Tongxin-1")
    assert (response.status_code, response["Location"]) == (302, reverse("password_change_done"))
    mediator.refresh_from_db()
    assert mediator.check_password("new-pass-Tongxin-9")
    # still signed in (Django keeps the session of the person who changed it)
    assert client.get(reverse("account")).status_code == 200


def test_a_wrong_current_password_is_refused_and_counts_towards_the_lockout(people, settings):
    mediator = people["mediator"]
    mediator.set_password("old-pass-Tongxin-1")
    mediator.save()
    client = signed_in(mediator)
    statuses = [
        change(client, f"wrong-{attempt}").status_code for attempt in range(settings.AXES_FAILURE_LIMIT)
    ]
    # four refusals with the reason, the fifth locks the account as five wrong logins would
    assert statuses == [400, 400, 400, 400, 429]
    locked = change(client, "old-pass-Tongxin-1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    mediator.refresh_from_db()
    assert mediator.check_password("old-pass-Tongxin-1")  # nothing changed
    # the login page is locked for the same person
    assert (
        Client()
        .post(reverse("login"), {"username": "mediator", "password": "old-pass-Tongxin-1"})
        .status_code
        == 429
    )


def test_a_wrong_current_password_says_why_in_chinese(people):
    client = signed_in(people["mediator"])
    response = change(client, "wrong")
    assert response.status_code == 400
    assert "你的旧密码不正确。请重新输入。" in visible_text(response.content.decode())


def test_toast_preferences_are_kept_per_person(people):
    client = signed_in(people["lawyer"])
    page = client.get(reverse("account")).content.decode()
    assert page.count('name="toasts"') == len([t for t in EventType if t.hears != "nobody"])
    keep = [EventType.TASK_ASSIGNED.value, EventType.MEETING_INVITED.value]
    response = client.post(reverse("account"), {"toasts": keep})
    assert (response.status_code, response["Location"]) == (302, reverse("account"))
    silenced = ToastPreference.objects.get(user=people["lawyer"]).silenced
    assert silenced == [t.value for t in EventType if t.hears != "nobody" and t.value not in keep]
    assert not ToastPreference.objects.filter(user=people["mediator"]).exists()


def test_an_unknown_event_type_is_refused_and_nothing_is_kept(people):
    client = signed_in(people["lawyer"])
    response = client.post(reverse("account"), {"toasts": ["no.such.type"]})
    assert response.status_code == 400
    assert "请从列出的选项中选择。" in visible_text(response.content.decode())
    assert not ToastPreference.objects.exists()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_notification_socket_tells_the_page_which_types_make_no_toast(committed_people):
    lawyer = committed_people["lawyer"]
    await sync_to_async(ToastPreference.objects.create)(user=lawyer, silenced=[EventType.QUEUE_NEW.value])
    cookie = await sync_to_async(_session_cookie)(lawyer)
    socket = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie)],
    )
    connected, _ = await socket.connect()
    assert connected
    hello = await socket.receive_json_from()
    assert (hello["type"], hello["quiet"]) == ("hello", ["queue.new"])
    await socket.disconnect()


def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


DATA_WORDS = {"IP", "admin", "mediator", "unknown", "lt", "gt", "lsaquo", "rsaquo", "accounts", "login"}


def test_the_admin_is_branded_and_in_chinese_with_the_lockout_pages(people):
    people["admin"].is_staff = people["admin"].is_superuser = True
    people["admin"].save()
    # a wrong login and a right one: the lockout's lists have rows (and so their column titles)
    Client().post(reverse("login"), {"username": "mediator", "password": "wrong"})
    people["admin"].set_password("admin-pass-Tongxin-1")
    people["admin"].save()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.post(reverse("login"), {"username": "admin", "password": "admin-pass-Tongxin-1"})
    index = client.get("/admin/").content.decode()
    assert "同心助力案件工作台 管理" in index and "css/admin.css" in index and "img/favicon.svg" in index
    assert "登录锁定" in visible_text(index) and "Axes" not in visible_text(index)
    for path, words in (
        ("/admin/axes/accessattempt/", ["登录尝试", "IP 地址", "尝试时间", "锁定状态"]),
        ("/admin/axes/accesslog/", ["登录日志", "退出时间"]),
        ("/admin/axes/accessfailurelog/", ["登录失败记录"]),
    ):
        text = visible_text(client.get(path).content.decode())
        assert [word for word in words if word not in text] == [], (path, text)
        # no English but the rows' own data (logins, the browser's name, paths) and the IP in "IP 地址"
        english = set(re.findall(r"[A-Za-z]{2,}", text)) - DATA_WORDS
        assert english == set(), (path, english)
