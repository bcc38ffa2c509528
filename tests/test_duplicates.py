"""重复件 at intake: before a case is saved, the registering worker sees the earlier cases (90 days, the unit and
below, open or closed, that they may see) of the same party or with a similar description; the API's 201 answer
carries them as ``possible_duplicates`` (nothing personal), and the worker may register the case as a repeat of
one (``duplicate_of``, audited on both cases). Refusals change nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.models import AuditEntry, Case, CaseKind, Unit
from cases.selectors.duplicates import duplicates_for_intake, similarity, trigrams
from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import dispute_body, help_request_body
from tests.test_api import api, post

NOISE = "楼上邻居装修噪音扰民，晚上十点后仍在施工。"


def snapshot() -> tuple:
    return (
        Case.objects.count(),
        list(Case.objects.values_list("pk", "duplicate_of")),
        AuditEntry.objects.count(),
    )


# ---- the score -------------------------------------------------------------------------------------------


def test_the_python_score_is_pg_trgms(db):
    pairs = [
        ("邻居装修噪音扰民，晚上十点后仍施工", "楼上邻居装修噪音扰民"),
        ("Noise from the flat upstairs", "noise upstairs!"),
        ("拖欠农民工工资", "物业漏水"),
        ("", "物业漏水"),
    ]
    ours = [round(similarity(a, b), 6) for a, b in pairs]
    assert ours == [0.318182, 0.535714, 0.0, 0.0]
    assert trigrams("ab_c") == {"  a", " ab", "ab ", "  c", " c "}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            theirs = []
            for a, b in pairs:
                cursor.execute("SELECT similarity(%s, %s)", [a, b])
                theirs.append(round(cursor.fetchone()[0], 6))
        assert theirs == ours


def test_on_postgresql_the_text_match_uses_the_trigram_index(postgres_only, people):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM cases_case WHERE description %% %s", [NOISE])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_description_trgm" in plan, plan


def test_a_districts_supervisor_gets_the_same_answer_under_a_generic_plan_and_the_plan_mode_is_put_back(
    postgres_only, people
):
    # given a similar dispute at 祥泰社区 and one at 济川街道 above it, both in 泰兴市's subtree, one at 成蹊新联之家
    # (海陵区), and a transaction whose statements would keep generic plans (as a prepared statement does on
    # a long-lived connection)
    first = dispute_to("registered", people, description=NOISE, applicant_phone="13900002222")
    second = dispute_to("registered", people, description=NOISE, applicant_phone="13900003333")
    Case.objects.filter(pk=second.pk).update(unit=Unit.objects.get(name="济川街道"))
    dispute_to("registered", people, actor=people["mediator_chengxi"], description=NOISE)
    taixing = Unit.objects.get(name="泰兴市")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")

    found = duplicates_for_intake(
        user=people["supervisor_taixing"], unit=taixing, kind=CaseKind.DISPUTE, description=NOISE
    )

    assert [(d.case.pk, d.reasons, d.similarity) for d in found] == [
        (second.pk, ["text"], 1.0),
        (first.pk, ["text"], 1.0),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('plan_cache_mode'), current_setting('pg_trgm.similarity_threshold')"
        )
        assert cursor.fetchone() == ("force_generic_plan", "0.5")


# ---- the API ---------------------------------------------------------------------------------------------


def test_the_api_answers_the_possible_duplicates_with_nothing_personal(people):
    # given earlier disputes at 祥泰社区: the same applicant's (closed), a similar one, an unrelated one, one
    # of 成蹊新联之家 with the same mobile (another unit), and one 91 days old
    same_party = dispute_to("closed", people, description="物业漏水")
    similar = dispute_to("consulting", people, description=NOISE, applicant_phone="13900002222")
    dispute_to("registered", people, description="拖欠工资", applicant_phone="13900003333")
    dispute_to("registered", people, actor=people["mediator_chengxi"], description="物业漏水")
    old = dispute_to("registered", people, description=NOISE, applicant_phone="13900004444")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))

    response = post(
        api(people["mediator"]),
        "/api/v1/disputes/",
        dispute_body(description="楼上邻居装修噪音扰民，晚上还在施工", applicant_phone="13812341234"),
    )

    assert response.status_code == 201
    answer = response.json()
    assert answer["duplicate_of"] is None
    assert [(d["reference"], d["state"], d["unit"], d["reasons"]) for d in answer["possible_duplicates"]] == [
        (same_party.reference, "closed", "祥泰社区", ["phone"]),
        (similar.reference, "consulting", "祥泰社区", ["text"]),
    ]
    assert answer["possible_duplicates"][1]["similarity"] == 0.62  # at least DUPLICATE_SIMILARITY, 0.5
    assert set(answer["possible_duplicates"][0]) == {
        "reference",
        "kind",
        "state",
        "unit",
        "created_at",
        "reasons",
        "similarity",
    }


def test_a_help_request_matches_the_same_enterprise_by_credit_code(people):
    earlier = help_request_to("dispatched", people)
    response = post(
        api(people["liaison"]),
        "/api/v1/help-requests/",
        help_request_body(contact_phone="13700001111", description="完全不同的问题"),
    )
    assert response.status_code == 201
    assert [(d["reference"], d["reasons"]) for d in response.json()["possible_duplicates"]] == [
        (earlier.reference, ["credit_code"])
    ]


def test_the_api_registers_a_repeat_linked_both_ways_and_audited(people):
    earlier = dispute_to("consulting", people)
    response = post(
        api(people["mediator"]), "/api/v1/disputes/", dispute_body(duplicate_of=earlier.reference)
    )

    assert response.status_code == 201
    case = Case.objects.get(reference=response.json()["reference"])
    assert response.json()["duplicate_of"] == earlier.reference
    assert case.duplicate_of == earlier
    assert list(earlier.repeats.all()) == [case]
    assert list(
        AuditEntry.objects.filter(action="duplicate_linked").values_list("case", "name", "reason", "actor")
    ) == [
        (case.pk, "repeat_of", earlier.reference, people["mediator"].pk),
        (earlier.pk, "repeated_by", case.reference, people["mediator"].pk),
    ]


@pytest.mark.parametrize(
    ("duplicate_of", "message"),
    [
        ("TX-2026-999999", "只能登记为所列疑似重复件之一的重复件。"),  # no such case
        ("the first one", "请填写案件编号，如 TX-2026-000123。"),
        ("other unit", "只能登记为所列疑似重复件之一的重复件。"),
        ("unrelated", "只能登记为所列疑似重复件之一的重复件。"),
        (["TX-2026-000001"], "此处请填写文本，而不是数字、列表或对象。"),
    ],
)
def test_a_refused_repeat_changes_nothing(people, duplicate_of, message):
    other_unit = dispute_to("registered", people, actor=people["mediator_chengxi"])
    unrelated = dispute_to("registered", people, description="拖欠工资", applicant_phone="13900003333")
    named = {"other unit": other_unit.reference, "unrelated": unrelated.reference}
    if isinstance(duplicate_of, str):
        duplicate_of = named.get(duplicate_of, duplicate_of)
    before = snapshot()

    response = post(api(people["mediator"]), "/api/v1/disputes/", dispute_body(duplicate_of=duplicate_of))

    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert list(response.json()["error"]["fields"]) == ["duplicate_of"]
    assert snapshot() == before


# ---- the page --------------------------------------------------------------------------------------------


def test_the_page_shows_the_possible_duplicates_before_saving_then_registers_a_repeat(client, people):
    earlier = dispute_to("follow_up", people)
    client.force_login(people["mediator"])
    before = snapshot()

    # when the mediator registers the same applicant again
    page = client.post(reverse("dispute_new"), dispute_body())

    # then the page asks first: nothing is saved yet, the earlier case is listed without personal data
    assert page.status_code == 200
    html = page.content.decode()
    assert snapshot() == before
    assert 'id="duplicates"' in html and earlier.reference in html and "手机号相同" in html
    assert 'name="confirmed" value="1"' in html

    # when she confirms it as a repeat of the earlier case
    response = client.post(
        reverse("dispute_new"), {**dispute_body(), "confirmed": "1", "duplicate_of": earlier.reference}
    )

    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.duplicate_of == earlier
    page = client.get(reverse("case", args=[earlier.reference])).content.decode()
    assert 'id="repeats"' in page and case.reference in page


def test_the_page_registers_at_once_when_nothing_is_alike_or_as_a_new_case_when_confirmed(client, people):
    client.force_login(people["mediator"])
    response = client.post(reverse("dispute_new"), dispute_body())
    assert response.status_code == 302  # the first dispute: nothing to compare with

    response = client.post(reverse("dispute_new"), {**dispute_body(), "confirmed": "1", "duplicate_of": ""})
    assert response.status_code == 302
    assert list(Case.objects.values_list("duplicate_of", flat=True)) == [None, None]


def test_the_page_refuses_a_repeat_of_a_case_not_shown_and_changes_nothing(client, people):
    other_unit = dispute_to("registered", people, actor=people["mediator_chengxi"])
    client.force_login(people["mediator"])
    before = snapshot()

    response = client.post(
        reverse("dispute_new"), {**dispute_body(), "confirmed": "1", "duplicate_of": other_unit.reference}
    )

    assert response.status_code == 400
    assert "只能登记为所列疑似重复件之一的重复件。" in response.content.decode()
    assert snapshot() == before
