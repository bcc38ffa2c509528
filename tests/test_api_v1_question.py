"""The v1 contract of the help-request intake: the enterprise's ``question`` as v1 names it (``description``, its
older name, still taken), and the channel ``visit`` when left out. The schema says so."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from cases.models import AuditEntry, Case, SmsMessage
from tests.helpers import help_request_body


def intake(people, body: dict, language: str = "zh-hans"):
    token = Token.objects.get_or_create(user=people["liaison"])[0].key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)
    return client.post("/api/v1/help-requests/", json.dumps(body), content_type="application/json")


def v1_body(**fields) -> dict:
    body = help_request_body(**fields)
    del body["description"], body["channel"]
    return body


def nothing_written() -> bool:
    return not (Case.objects.exists() or AuditEntry.objects.exists() or SmsMessage.objects.exists())


def test_the_question_as_v1_names_it_and_the_channel_visit_when_left_out(people):
    response = intake(people, v1_body(question="研发费用加计扣除如何申报？"))
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert (case.description, case.channel) == ("研发费用加计扣除如何申报？", "visit")
    assert (response.json()["description"], response.json()["channel"]) == (
        "研发费用加计扣除如何申报？",
        "visit",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"description": "劳动合同问题", "channel": "phone"},  # as before v1
        {"question": "劳动合同问题", "description": "劳动合同问题", "channel": "phone"},  # both, the same
        {"question": "劳动合同问题", "channel": "phone"},
    ],
)
def test_the_older_description_is_still_taken(people, fields):
    response = intake(people, {**v1_body(), **fields})
    assert response.status_code == 201, response.content
    assert list(Case.objects.values_list("description", "channel")) == [("劳动合同问题", "phone")]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {"question": ["Write the enterprise's question."]}),
        ({"question": "  ", "description": ""}, {"question": ["Write the enterprise's question."]}),
        (
            {"question": "问题甲", "description": "问题乙"},
            {"question": ["Send the question once: as question, or as description."]},
        ),
        (
            {"question": "问" * 2001},
            {"question": ["Ensure this value has at most 2000 characters (it has 2001)."]},
        ),
        ({"question": "问", "channel": "fax"}, {"channel": ["Choose one of the listed options."]}),
        ({"question": ["问"]}, {"question": ["Send text here, not a number, a list or an object."]}),
    ],
)
def test_a_missing_doubled_or_bad_question_is_a_400_that_writes_nothing(people, fields, errors):
    response = intake(people, {**v1_body(), **fields}, language="en")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == errors
    assert nothing_written()


def test_the_refusal_is_in_the_users_language(people):
    response = intake(people, v1_body())
    assert response.json()["error"]["fields"] == {"question": ["请填写企业的问题。"]}
    assert nothing_written()


def test_the_schema_documents_question_and_description_neither_required(client):
    schema = json.loads(client.get("/api/schema/?format=json").content)["components"]["schemas"]
    body = schema["HelpRequestIn"]
    assert {"question", "description", "channel"} <= set(body["properties"])
    assert body["properties"]["question"]["maxLength"] == 2000
    assert not {"question", "description", "channel"} & set(body["required"])
    created = schema["CaseCreated"]["properties"]["tracking_code"]
    assert created == {"type": "string", "nullable": True}
