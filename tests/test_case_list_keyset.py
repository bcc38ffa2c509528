"""The case list pages by a keyset cursor (``after``), on the page and in the API: every case once, newest first,
filters kept, a malformed cursor refused with a 400 that changes nothing, and the same queries at any depth."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.models import Case
from cases.selectors import case_cursor
from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import case_snapshot


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client


def newest_first(cases) -> list[str]:
    return [case.reference for case in sorted(cases, key=lambda c: (c.created_at, c.pk), reverse=True)]


def follow(client, url) -> tuple[list[str], int]:
    """Every reference reached by following ``next`` from ``url``, and the number of pages."""
    references, pages = [], 0
    while url:
        body = client.get(url).json()
        references += [case["reference"] for case in body["results"]]
        pages += 1
        url = body["next"]
    return references, pages


def test_the_api_pages_through_every_case_once_newest_first_even_with_equal_times(client, people):
    # given seven cases, three of them registered at the very same microsecond
    cases = [dispute_to("registered", people) for _ in range(7)]
    Case.objects.filter(pk__in=[c.pk for c in cases[2:5]]).update(created_at=timezone.now())
    cases = list(Case.objects.all())
    # when the supervisor follows next with three per page
    references, pages = follow(api(client, people["supervisor"]), "/api/v1/cases/?page_size=3")
    # then each case comes once, in (created_at, id) order, and the last page says there is no next
    assert references == newest_first(cases)
    assert pages == 3


def test_the_next_link_keeps_the_filters_and_the_last_page_has_none(client, people):
    disputes = [dispute_to("registered", people) for _ in range(3)]
    help_request_to("submitted", people)
    client = api(client, people["supervisor"])
    first = client.get("/api/v1/cases/?kind=dispute&page_size=2").json()
    assert [c["reference"] for c in first["results"]] == newest_first(disputes)[:2]
    assert (
        "kind=dispute" in first["next"]
        and f"after={case_cursor(newest_first_case(disputes, 1))}" in first["next"]
    )
    last = client.get(first["next"]).json()
    assert [c["reference"] for c in last["results"]] == newest_first(disputes)[2:]
    assert last["next"] is None


def newest_first_case(cases, index):
    return sorted(cases, key=lambda c: (c.created_at, c.pk), reverse=True)[index]


@pytest.mark.parametrize("after", ["x", "12", "1-2-3", "-1-2", "1.5-2", "9" * 30 + "-1", "1-" + "9" * 30])
def test_a_malformed_cursor_is_a_400_that_changes_nothing(client, people, after):
    case = dispute_to("registered", people)
    before = case_snapshot(case)
    response = api(client, people["supervisor"]).get("/api/v1/cases/", {"after": after})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == ["after"]
    assert case_snapshot(case) == before


def test_the_page_refuses_a_malformed_cursor_with_a_400_and_a_message(client, people):
    case = dispute_to("registered", people)
    before = case_snapshot(case)
    client.force_login(people["supervisor"])
    response = client.get(reverse("cases"), {"after": "not-a-cursor"})
    assert response.status_code == 400
    assert "分页链接无效" in response.content.decode()
    assert case.reference not in response.content.decode()
    assert case_snapshot(case) == before


def test_the_page_links_to_the_next_page_and_back_to_the_first(client, people):
    cases = [dispute_to("registered", people) for _ in range(51)]
    client.force_login(people["mediator"])
    first = client.get(reverse("cases"), {"state": "registered"}).content.decode()
    last_on_first = newest_first_case(cases, 49)
    next_href = f"?state=registered&amp;after={case_cursor(last_on_first)}"
    assert first.count('<tr class="priority-') == 50 and next_href in first
    second = client.get(reverse("cases"), {"state": "registered", "after": case_cursor(last_on_first)})
    body = second.content.decode()
    assert second.status_code == 200
    assert body.count('<tr class="priority-') == 1 and newest_first(cases)[50] in body
    assert 'rel="next"' not in body and 'href="?state=registered"' in body


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_deep_page_costs_the_queries_of_the_first_at_any_size(client, people):
    client = api(client, people["supervisor"])

    def costs():
        cases = list(Case.objects.order_by("-created_at", "-id"))
        deep = case_cursor(cases[len(cases) // 2])
        return queries(client, "/api/v1/cases/?page_size=2"), queries(
            client, f"/api/v1/cases/?page_size=2&after={deep}"
        )

    for _ in range(6):
        dispute_to("registered", people)
    small = costs()
    for _ in range(30):
        dispute_to("registered", people)
    assert costs() == small
    assert small[0] == small[1]
