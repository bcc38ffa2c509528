"""``GET /api/v1/board/``: the board snapshot ``ws/board/`` sends, for supervisors (the whole tree for an
administrator); everyone else gets a 403 and no numbers. Its query count does not grow with the cases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from cases.selectors.board import board_snapshot
from demo.lifecycles import dispute_to, help_request_to


def get_board(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client.get("/api/v1/board/")


@pytest.fixture
def world(people):
    return {
        "taixing": dispute_to("triaged", people),
        "hailing": dispute_to("registered", people, actor=people["mediator_chengxi"]),
        "help": help_request_to("dispatched", people, specialties=["legal"]),
    }


def test_a_supervisor_gets_the_snapshot_of_their_subtree_only(client, people, world):
    body = get_board(client, people["supervisor_hailing"]).json()
    assert body["type"] == "snapshot"
    assert body["unit"]["name"] == "海陵区"
    assert body["by_state"] == {"registered": 1}
    assert body["open"] == 1
    assert [case["reference"] for case in body["newest"]] == [world["hailing"].reference]
    assert [(child["name"], child["open"]) for child in body["children"]] == [
        ("城西街道", 1),
        ("海陵区政法综合服务中心", 0),
    ]


def test_the_city_supervisor_and_an_administrator_see_the_whole_tree_as_the_socket_does(
    client, people, world
):
    city = get_board(client, people["supervisor"]).json()
    assert city["by_state"] == {"triaged": 1, "registered": 1, "dispatched": 1}
    assert city["open"] == 3
    assert [(child["name"], child["open"]) for child in city["children"]] == [("泰兴市", 2), ("海陵区", 1)]
    assert get_board(client, people["admin"]).json()["by_state"] == city["by_state"]
    assert city == board_snapshot(root=people["supervisor"].unit) | {"overdue": city["overdue"]}


@pytest.mark.parametrize("role", ["mediator", "liaison", "lawyer", "accountant"])
def test_anyone_but_a_supervisor_gets_a_403_without_numbers(client, people, world, role):
    response = get_board(client, people[role])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "by_state" not in response.content.decode()


def test_an_anonymous_caller_gets_a_401(client, db):
    assert client.get("/api/v1/board/").status_code == 401


def test_the_board_costs_the_same_queries_at_3_and_30_cases(client, people, world):
    assert get_board(client, people["supervisor"]).status_code == 200  # the token exists from here on

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/board/").status_code == 200
        return len(captured)

    at_3 = queries()
    for _ in range(9):
        dispute_to("registered", people)
        dispute_to("closed", people, actor=people["mediator_chengxi"])
        help_request_to("claimed", people, specialties=["legal", "tax"])
    assert queries() == at_3
