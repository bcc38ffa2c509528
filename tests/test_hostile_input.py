"""Hostile input (issue 12): what an attacker tried, each refused in the user's language with nothing changed."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from cases.models import AuditEntry, Case, Meeting
from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification
from tests.helpers import case_snapshot, dispute_body, help_request_body, open_tasks


def api(user, language="zh-hans"):
    key = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)


def test_the_api_invites_to_a_meeting_only_people_the_task_page_offers(people):
    # a 泰兴市 mediator convenes a 泰兴市 dispute and names 海陵区's supervisor and a 海陵区 mediator
    case = dispute_to("triaged", people)
    task = open_tasks(case)["convene"]
    outsiders = [people["supervisor_hailing"].pk, people["mediator_chengxi"].pk]
    before = case_snapshot(case)
    notifications = Notification.objects.count()

    # (at a time still to come: a meeting cannot be scheduled in the past)
    response = api(people["mediator"]).post(
        f"/api/v1/tasks/{task.pk}/complete/",
        json.dumps({"scheduled_at": "2036-12-20T14:00", "place": "议事厅", "attendees": outsiders}),
        content_type="application/json",
    )

    # then the API refuses as the task page does, and nobody outside the district heard of it
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"attendees"}
    assert case_snapshot(case) == before
    assert Meeting.objects.filter(case=case).count() == 0
    assert Notification.objects.count() == notifications
    # the page offers the district's people only
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["mediator"])
    page = pages.get(f"/tasks/{task.pk}/").content.decode()
    assert f'value="{people["mediator2"].pk}"' in page
    assert all(f'value="{pk}"' not in page for pk in outsiders)


def test_the_case_list_page_refuses_what_is_no_filter_with_a_400_in_the_users_language(people):
    dispute_to("registered", people)
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["supervisor"])
    for query, message in (
        ("q=%00", "搜索：不允许是用空字符串。"),  # Django's own words
        ("state=%00", "状态：请从列出的选项中选择。"),
        ("kind=" + "x" * 100_000, "类型：请从列出的选项中选择。"),
        ("unit=%C2%B2", "所属单位：请用 0-9 的数字填写整数。"),
        ("unit=%D9%A1", "所属单位：请用 0-9 的数字填写整数。"),
        ("after=%C2%B2-1", "分页链接无效，请从第一页重新开始。"),
    ):
        response = pages.get(f"/cases/?{query}")
        assert response.status_code == 400, query
        assert message in response.content.decode(), query
    assert pages.get("/cases/?unit=1&q=TX").status_code == 200


def test_marking_notifications_read_refuses_what_is_no_id_and_marks_nothing(people):
    help_request_to("dispatched", people, specialties=["legal"])
    lawyer = people["lawyer"]
    unread = Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count()
    assert unread == 1
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(lawyer)
    for data in ({"ids": ["²"]}, {"ids": ["١"]}, {"up_to": "²"}, {"ids": ["1", "x"]}):
        response = pages.post("/notifications/read/", data, HTTP_ACCEPT="application/json")
        assert response.status_code == 400, data
        assert response.json()["error"]["code"] == "invalid"
    assert Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count() == unread
    response = pages.post("/notifications/read/", {"up_to": "²"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=lawyer, read_at__isnull=True).count() == unread


def test_full_width_digits_are_no_mobile_or_id_number():
    import pytest
    from django.core.exceptions import ValidationError

    from cases.validators import validate_id_number, validate_mobile

    for number in ("１３８１２３４１２３４", "13８12341234", "١٣٨١٢٣٤١٢٣٤"):
        with pytest.raises(ValidationError):
            validate_mobile(number)
    with pytest.raises(ValidationError):
        validate_id_number("１１０１０５１９４９１２３１００２Ｘ")
    validate_mobile("13812341234")


def test_an_over_long_reason_is_refused_before_the_database_and_changes_nothing(people):
    case = dispute_to("registered", people)
    before = case_snapshot(case)
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["mediator"])
    response = pages.post(
        f"/cases/{case.reference}/actions/refer/", {"reason": "理" * 1001, "to": "法" * 101}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "确保该变量包含不超过 1000 字符 (目前字符数 1001)。" in page  # Django's own words
    assert "确保该变量包含不超过 100 字符 (目前字符数 101)。" in page
    assert case_snapshot(case) == before


# ---- the API: one input layer (path converters, the JSON parser, the forms) ------------------------------------

NUL_REFUSED = "不允许是用空字符串。"  # Django's own words for a NUL byte
NOT_ASCII_DIGITS = "请用 0-9 的数字填写整数。"
NOT_LISTED = "请从列出的选项中选择。"
NOT_FOUND = {"error": {"code": "not_found", "message": "未找到相关内容。", "fields": {}}}


def send(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def refused(response, status: int, fields: dict[str, str]) -> dict:
    """The response is the error shape with this status and exactly these fields' first messages."""
    assert response.status_code == status, response.content[:500]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert {name: messages[0] for name, messages in error["fields"].items()} == fields
    assert error["message"] == next(iter(fields.values()), error["message"])
    return error


@pytest.fixture
def world(people):
    """A triaged dispute (the mediator's unit) and a help request whose legal advice the lawyer claimed."""
    dispute = dispute_to("triaged", people)
    help_request = help_request_to("claimed", people, specialties=["legal"])
    return {
        "dispute": dispute,
        "help_request": help_request,
        "legal": open_tasks(help_request)["advise_legal"],
    }


def unchanged(world) -> tuple:
    """Everything a refusal must leave alone: both cases, every audit row, notification and case."""
    return (
        case_snapshot(world["dispute"]),
        case_snapshot(world["help_request"]),
        AuditEntry.objects.count(),
        Notification.objects.count(),
        Notification.objects.filter(read_at__isnull=False).count(),
        Case.objects.count(),
    )


def test_nul_bytes_where_no_form_looked_before_are_a_400_or_a_404_and_change_nothing(people, world):
    # NUL bytes reached PostgreSQL (a 500) from the case list's filters, a reference in the URL, reasons and
    # the person a task is reassigned to
    dispute, help_request, legal = world["dispute"], world["help_request"], world["legal"]
    mediator, lawyer, supervisor = api(people["mediator"]), api(people["lawyer"]), api(people["supervisor"])
    before = unchanged(world)

    for query, field in (("q=%00", "q"), ("q=a%00b", "q"), ("state=%00", "state"), ("kind=%00", "kind")):
        expected = NUL_REFUSED if field == "q" else NOT_LISTED
        refused(supervisor.get(f"/api/v1/cases/?{query}"), 400, {field: expected})
    for path in (
        "/api/v1/cases/%00/",
        "/api/v1/cases/TX-2026-%00/unmask/",
        "/api/v1/cases/%00/actions/reject/",
    ):
        response = send(supervisor, path, {"reason": "核实"})
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
    for action in ("reject", "refer", "escalate", "withdraw"):
        url = f"/api/v1/cases/{dispute.reference}/actions/{action}/"
        refused(send(mediator, url, {"reason": "\x00", "to": "司法所"}), 400, {"reason": NUL_REFUSED})
    refused(send(mediator, url, {"reason": "理由", "to": "\x00"}), 400, {"to": NUL_REFUSED})
    url = f"/api/v1/cases/{dispute.reference}/unmask/"
    refused(send(supervisor, url, {"reason": "a\x00"}), 400, {"reason": NUL_REFUSED})
    url = f"/api/v1/tasks/{legal.pk}/release/"
    refused(send(lawyer, url, {"code": "other", "reason": "\x00"}), 400, {"reason": NUL_REFUSED})
    url = f"/api/v1/tasks/{legal.pk}/reassign/"
    refused(send(supervisor, url, {"to_user": "lawyer2\x00"}), 400, {"to_user": NUL_REFUSED})
    url = f"/api/v1/cases/{help_request.reference}/actions/reassign/"
    body = {"task": legal.pk, "to_user": "\x00", "reason": "均衡"}
    refused(send(supervisor, url, body), 400, {"to_user": NUL_REFUSED})

    assert unchanged(world) == before
    # the pages take the same path converters
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(people["supervisor"])
    assert pages.get("/cases/%00/").status_code == 404


def test_digits_python_reads_but_nobody_types_are_refused_everywhere_and_change_nothing(people, world):
    # "²" and "¹" are digits to str.isdigit() that int() cannot read (a 500); "١" is one int() reads as 1
    help_request, legal = world["help_request"], world["legal"]
    lawyer, supervisor = api(people["lawyer"]), api(people["supervisor"])
    unread = Notification.objects.filter(recipient=people["lawyer"], read_at__isnull=True).count()
    assert unread > 0
    before = unchanged(world)

    for digit, quoted in (("²", "%C2%B2"), ("¹", "%C2%B9"), ("١", "%D9%A1")):
        for step in ("claim", "release", "complete", "reassign"):
            response = send(lawyer, f"/api/v1/tasks/{quoted}/{step}/", {"reason": "x"})
            assert (response.status_code, response.json()) == (404, NOT_FOUND), (digit, step)
            response = send(lawyer, f"/api/v1/tasks/{legal.pk}{quoted}/{step}/", {"reason": "x"})
            assert response.status_code == 404, (digit, step)
        for query in ("unit", "page_size"):
            refused(supervisor.get(f"/api/v1/cases/?{query}={quoted}"), 400, {query: NOT_ASCII_DIGITS})
        for query in ("page", "page_size"):
            refused(lawyer.get(f"/api/v1/tasks/?{query}={quoted}"), 400, {query: NOT_ASCII_DIGITS})
        refused(lawyer.get(f"/api/v1/notifications/?after={quoted}"), 400, {"after": NOT_ASCII_DIGITS})
        cursor = "分页链接无效，请从第一页重新开始。"
        refused(supervisor.get(f"/api/v1/cases/?after={quoted}-1"), 400, {"after": cursor})
        read = "/api/v1/notifications/read/"
        refused(send(lawyer, read, {"ids": [digit]}), 400, {"ids": "请给出一组用 0-9 的数字填写的整数。"})
        refused(send(lawyer, read, {"up_to": digit}), 400, {"up_to": NOT_ASCII_DIGITS})
        url = f"/api/v1/cases/{help_request.reference}/actions/reassign/"
        body = {"task": f"{legal.pk}{digit}", "to_user": "lawyer2"}
        refused(send(supervisor, url, body), 400, {"task": NOT_ASCII_DIGITS})
        intake = help_request_body(unit=digit)
        refused(send(supervisor, "/api/v1/help-requests/", intake), 400, {"unit": NOT_ASCII_DIGITS})

    assert unchanged(world) == before
    assert Notification.objects.filter(recipient=people["lawyer"], read_at__isnull=True).count() == unread
    # ASCII digits still work, as numbers and as strings of digits
    assert supervisor.get("/api/v1/cases/?page_size=1&unit=1").status_code == 200
    assert lawyer.get("/api/v1/tasks/?page=1&page_size=200").status_code == 200


def test_texts_over_their_limit_are_refused_before_the_database_and_change_nothing(people, world):
    # a referral's `to` over its column's 100 characters was a 500 on PostgreSQL; reasons had no limit at all
    dispute, help_request, legal = world["dispute"], world["help_request"], world["legal"]
    mediator, lawyer, supervisor = api(people["mediator"]), api(people["lawyer"]), api(people["supervisor"])
    too_long = "确保该变量包含不超过 1000 字符 (目前字符数 1001)。"  # Django's own words
    before = unchanged(world)

    url = f"/api/v1/cases/{dispute.reference}/actions/refer/"
    refused(
        send(mediator, url, {"reason": "转司法所", "to": "法" * 101}),
        400,
        {"to": too_long.replace("1000", "100").replace("1001", "101")},
    )
    for action in ("reject", "refer", "escalate", "withdraw"):
        url = f"/api/v1/cases/{dispute.reference}/actions/{action}/"
        refused(send(mediator, url, {"reason": "理" * 1001, "to": "司法所"}), 400, {"reason": too_long})
    url = f"/api/v1/cases/{dispute.reference}/unmask/"
    refused(send(supervisor, url, {"reason": "理" * 1001}), 400, {"reason": too_long})
    refused(
        send(lawyer, f"/api/v1/tasks/{legal.pk}/release/", {"code": "other", "reason": "理" * 1001}),
        400,
        {"reason": too_long},
    )
    body = {"to_user": "lawyer2", "reason": "理" * 1001}
    refused(send(supervisor, f"/api/v1/tasks/{legal.pk}/reassign/", body), 400, {"reason": too_long})
    url = f"/api/v1/cases/{help_request.reference}/actions/reassign/"
    refused(send(supervisor, url, {**body, "task": legal.pk}), 400, {"reason": too_long})
    refused(
        supervisor.get("/api/v1/cases/?q=" + "搜" * 101),
        400,
        {"q": "确保该变量包含不超过 100 字符 (目前字符数 101)。"},
    )

    assert unchanged(world) == before


def test_a_value_of_the_wrong_json_type_is_refused_not_stored_as_its_text(people, world):
    # {"reason": {"a": 1}} withdrew a case with "{'a': 1}" as the reason; a list was stored as a description
    dispute = world["dispute"]
    mediator = api(people["mediator"], language="en")
    text = "Send text here, not a number, a list or an object."
    before = unchanged(world)

    url = f"/api/v1/cases/{dispute.reference}/actions/withdraw/"
    for reason in ({"a": 1}, ["撤回"], 42, True):
        refused(send(mediator, url, {"reason": reason}), 400, {"reason": text})
    for fields, field, message in (
        ({"description": ["噪音", "扰民"]}, "description", text),
        ({"applicant_phone": 13812341234}, "applicant_phone", text),
        ({"may_escalate": "yes"}, "may_escalate", "Send true or false here."),
        ({"category": ["neighbour"]}, "category", "Send a single value here, not a list or an object."),
    ):
        refused(send(mediator, "/api/v1/disputes/", dispute_body(**fields)), 400, {field: message})
    liaison = api(people["liaison"], language="en")
    body = help_request_body(specialties="legal")
    refused(
        send(liaison, "/api/v1/help-requests/", body), 400, {"specialties": "Send a list of values here."}
    )
    refused(
        send(api(people["lawyer"], language="en"), "/api/v1/notifications/read/", {"ids": 5}),
        400,
        {"ids": "Send a list of values here."},
    )

    assert unchanged(world) == before
    # null is no value: an optional field may be null
    response = send(mediator, "/api/v1/disputes/", dispute_body(grid=None))
    assert response.status_code == 201 and response.json()["fields"]["grid"] == ""


def test_a_refused_choice_never_repeats_the_input(people, world):
    supervisor = api(people["supervisor"])
    before = unchanged(world)
    huge = "x" * 100_000
    for response, field in (
        (send(supervisor, "/api/v1/disputes/", dispute_body(category=huge, unit=None)), "category"),
        (
            send(api(people["liaison"]), "/api/v1/help-requests/", help_request_body(specialties=[huge])),
            "specialties",
        ),
        (supervisor.get(f"/api/v1/cases/?kind={huge[:5000]}"), "kind"),
    ):
        refused(response, 400, {field: NOT_LISTED})
        assert len(response.content) < 500
    assert unchanged(world) == before


def test_bodies_too_deep_too_large_or_not_text_are_refused_in_the_error_shape(people, world):
    mediator = api(people["mediator"], language="en")
    url = f"/api/v1/cases/{world['dispute'].reference}/actions/withdraw/"
    before = unchanged(world)

    def raw(data: bytes | str):
        return mediator.post(url, data, content_type="application/json")

    for data, message in (
        (
            '{"reason": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "The body is nested too deeply.",
        ),  # a RecursionError
        ('{"reason": ' + "[" * 8 + "]" * 8 + "}", "The body is nested too deeply."),
        ('{"reason": "\\ud800"}', "The body holds text that is not valid Unicode."),  # a lone surrogate
        ('{"reason": NaN}', "The body is not valid JSON."),
        (b'{"reason": "\xff"}', "The body is not valid JSON."),  # not UTF-8
        ('{"reason": ' + "9" * 5000 + "}", "The body is not valid JSON."),  # past int()'s 4,300 digits
    ):
        response = raw(data)
        assert response.status_code == 400, data[:40]
        assert response.json() == {"error": {"code": "parse_error", "message": message, "fields": {}}}
    response = raw(json.dumps({"reason": "理" * 300_000}))
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "too_large", "message": "What you sent is too large.", "fields": {}}
    }
    assert unchanged(world) == before
    assert raw('{"reason": "撤回", "extra": [[[[[["deep enough"]]]]]]}').status_code == 200


def test_an_idempotency_key_is_its_callers_and_its_paths_and_never_answers_another_body(people):
    liaison, supervisor = api(people["liaison"]), api(people["supervisor_taixing"], language="en")
    key = {"HTTP_IDEMPOTENCY_KEY": "kiosk-7"}

    def register(client, path, body):
        return client.post(path, json.dumps(body), content_type="application/json", **key)

    # given a dispute registered with a key
    first = register(supervisor, "/api/v1/disputes/", dispute_body())
    assert first.status_code == 201
    # when the same caller sends the same key with a help request: it is registered, not answered with the
    # dispute (it was)
    help_request = register(supervisor, "/api/v1/help-requests/", help_request_body())
    assert help_request.status_code == 201 and help_request.json()["kind"] == "help_request"
    # a repeat (same caller, path, key and body, whatever its key order) answers as the first did
    repeat = register(supervisor, "/api/v1/disputes/", dict(reversed(dispute_body().items())))
    assert (repeat.status_code, repeat.json()) == (201, {**first.json(), "tracking_code": None})
    # the same key with another body is a 422, never the earlier answer
    before = (Case.objects.count(), AuditEntry.objects.count(), Notification.objects.count())
    other = register(supervisor, "/api/v1/disputes/", dispute_body(description="另一件事"))
    assert other.status_code == 422
    assert other.json() == {
        "error": {
            "code": "idempotency_key_reused",
            "message": "This Idempotency-Key was sent before with a different body; send a new key for a "
            "new request.",
            "fields": {},
        }
    }
    assert (Case.objects.count(), AuditEntry.objects.count(), Notification.objects.count()) == before
    # another caller's key of the same name is theirs
    theirs = register(liaison, "/api/v1/help-requests/", help_request_body())
    assert theirs.status_code == 201 and theirs.json()["reference"] != help_request.json()["reference"]
    assert Case.objects.count() == 3
    # a key the column cannot hold as sent is refused, never cut
    for bad in ("k" * 101, "含中文", "two words"):
        response = supervisor.post(
            "/api/v1/disputes/", json.dumps(dispute_body()), content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=bad.encode().decode("latin-1"),
        )  # fmt: skip
        refused(
            response, 400, {"Idempotency-Key": "An Idempotency-Key is 1 to 100 visible ASCII characters."}
        )
    assert Case.objects.count() == 3


def test_a_side_exit_past_its_limits_is_refused_by_the_service_too(people):
    # the forms refuse it first; a caller without a form (a script, the demo) meets the same limits
    from cases.errors import InvalidInput
    from workflow.services import case_side_exit

    case = dispute_to("triaged", people)
    before = case_snapshot(case)
    for reason, to, field in (("理" * 1001, "司法所", "reason"), ("转办", "法" * 101, "to")):
        with pytest.raises(InvalidInput) as refusal:
            case_side_exit(
                reference=case.reference, user=people["mediator"], action="refer", reason=reason, to=to
            )
        assert refusal.value.field == field
    assert case_snapshot(case) == before


def every_form_class(base):
    for form_class in base.__subclasses__():
        yield form_class
        yield from every_form_class(form_class)


def test_every_text_a_form_takes_has_the_limit_of_the_column_that_stores_it_and_the_schema_says_it(client):
    from django import forms

    from cases import forms as case_forms
    from cases.models import (
        Advice,
        Assessment,
        CaseNote,
        DisputeDetail,
        ExperienceCard,
        HelpRequestDetail,
        MediationAgreement,
        PublicNote,
        SatisfactionLink,
        SupervisionOrder,
    )
    from honours.models import Activity, AssessmentSheet, Nomination

    # the columns each field's text ends in (a reason is the audit row's and the case's exit reason)
    columns = {
        "description": [Case.description],
        "question": [Case.description],
        "reference": [Case.reference],
        "duplicate_of": [Case.reference],
        "applicant_name": [DisputeDetail.applicant_name],
        "respondent_name": [DisputeDetail.respondent_name],
        "grid": [DisputeDetail.grid],
        "enterprise_name": [HelpRequestDetail.enterprise_name],
        "contact_name": [HelpRequestDetail.contact_name],
        "card_code": [ExperienceCard.code],
        "note": [
            AuditEntry.reason,
            DisputeDetail.follow_up_note,
            PublicNote.text,
            AssessmentSheet.note,
            CaseNote.text,
        ],
        "place": [Meeting.place, Activity.place],
        "topic": [Activity.topic],
        "citation": [Nomination.citation],
        "departments": [Meeting.departments],
        "minutes": [Meeting.minutes],
        "decisions": [Meeting.decisions],
        "facts": [MediationAgreement.facts],
        "dispute": [MediationAgreement.dispute],
        "mediators": [MediationAgreement.mediators],
        "committee": [MediationAgreement.committee],
        "outcome": [DisputeDetail.outcome],
        "solution": [HelpRequestDetail.solution],
        "text": [Advice.text],
        "comment": [
            HelpRequestDetail.rating_comment,
            Assessment.comment,
            AuditEntry.reason,
            SatisfactionLink.comment,
        ],
        "reason": [AuditEntry.reason, Case.exit_reason, SupervisionOrder.reason, Nomination.decision_reason],
        "reply": [SupervisionOrder.reply, AuditEntry.reason],
        "to": [Case.referred_to],
    }
    not_stored = {"q", "after", "code"}  # the case list's search and cursor; a tracking code (its hash is)
    fixed_length = {
        "applicant_phone",
        "respondent_phone",
        "contact_phone",
        "applicant_id_number",
        "respondent_id_number",
        "credit_code",
    }
    schema = json.loads(client.get("/api/schema/?format=json").content)["components"]["schemas"]
    documented = {name: component.get("properties", {}) for name, component in schema.items()}
    checked = set()
    for form_class in every_form_class(case_forms.Form):
        for name, field in form_class.base_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            checked.add(name)
            if name in fixed_length:
                assert field.validators, (form_class.__name__, name)  # a validator says the exact length
                continue
            assert field.max_length, (form_class.__name__, name)
            if name not in not_stored:
                limits_of = {column.field.max_length for column in columns[name]}
                assert limits_of == {field.max_length}, (form_class.__name__, name, limits_of)
            for properties in documented.values():
                if name in properties and "maxLength" in properties[name]:
                    assert properties[name]["maxLength"] == field.max_length, name
    assert checked == set(columns) | not_stored | fixed_length
