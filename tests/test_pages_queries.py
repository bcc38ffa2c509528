"""No queue or list page runs a query per row: the same number of queries at 5 and at 50 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.lifecycles import dispute_to, help_request_to


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def rows(client, url) -> int:
    return client.get(url).content.decode().count('<tr class="priority-')


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("lawyer", "queue"),
        ("mediator", "inbox"),
        ("supervisor", "cases"),
        ("mediator", "cases"),
        ("lawyer", "cases"),
    ],
)
def test_list_pages_cost_the_same_at_5_and_50_rows(client, people, username, page):
    client.force_login(people[username])
    url = reverse(page)

    def grow_to(n):
        while rows(client, url) < n:
            if username == "lawyer":
                help_request_to("dispatched", people, specialties=["legal"])
            else:
                dispute_to("registered", people)

    grow_to(5)
    assert rows(client, url) == 5
    at_5 = queries_for(client, url)
    grow_to(50)
    assert rows(client, url) == 50
    at_50 = queries_for(client, url)
    assert at_5 == at_50
