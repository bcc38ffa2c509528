"""Chinese first: a zh-hans inbox, queue, task and case page shows no English; English is available."""

import re

import pytest
from django.urls import reverse

from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import open_task, open_tasks, visible_text

# Words that are not English prose: reference numbers, codes, the language picker's own name, and the names of
# file types and sizes an attachment may have (Chinese writes them so too).
ALLOWED = {"TX", "English", "TXK", "JPEG", "PNG", "WebP", "PDF", "Word", "docx", "KB", "MB"}


def english_words(html: str) -> set[str]:
    # Tokens with digits are data (reference numbers, credit codes), not words.
    tokens = re.findall(r"[A-Za-z0-9]+", visible_text(html))
    return {t for t in tokens if t.isalpha() and len(t) > 1 and t not in ALLOWED}


@pytest.mark.parametrize("username", ["mediator", "lawyer", "liaison", "supervisor"])
def test_zh_hans_pages_show_no_english(client, people, username):
    dispute_case = dispute_to("consulting", people)
    help_case = help_request_to("dispatched", people, specialties=["legal", "tax"])
    client.force_login(people[username])
    urls = [reverse("inbox"), reverse("queue"), reverse("archive"), reverse("cases")]
    task = {
        "mediator": open_task(dispute_case),
        "lawyer": open_tasks(help_case)["advise_legal"],
        "liaison": open_tasks(help_case)["advise_tax"],
        "supervisor": open_tasks(help_case)["advise_tax"],
    }[username]
    if username != "liaison":
        urls.append(reverse("task", args=[task.pk]))
    if username in ("mediator", "supervisor"):
        urls.append(reverse("case", args=[dispute_case.reference]))
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        assert english_words(response.content.decode()) == set(), url


def test_english_is_available(client, people):
    client.force_login(people["mediator"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("inbox")).content.decode()
    assert "My tasks" in page and "Queue" in page


def test_the_admin_is_branded_in_chinese_and_pages_have_an_icon_and_no_emoji(client, people):
    client.force_login(people["admin"])
    admin = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "同心助力案件工作台 管理" in admin and "单位、人员、体验卡与工作日历" in admin
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'rel="icon"' in page and "🔔" not in page
