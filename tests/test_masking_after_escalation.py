"""The parties' phone and ID numbers after an escalation: the mediator who registered and triaged a dispute
works it no more once it went to the unit above, and sees the numbers masked there, on the case page and in the
API alike (``rules.shows_personal_data``); the mediators of the unit above, who work it now, see them."""

from django.test import Client

from demo.lifecycles import dispute_to
from tests.test_api import api, post
from workflow import services
from workflow.selectors import case_shows_personal_data

FULL_PHONE, MASKED_PHONE = "13812341234", "138****1234"
FULL_ID, MASKED_ID = "11010519491231002X", "1101**********002X"


def escalated(people):
    """A dispute registered and triaged by ``mediator`` at 祥泰社区, escalated by him to 济川街道."""
    case = dispute_to("triaged", people, applicant_id_number=FULL_ID)
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="escalate", reason="需街道协调"
    )
    case.refresh_from_db()
    assert case.unit.name == "济川街道" and case.created_by == people["mediator"]
    return case


def page_for(user, reference: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    response = client.get(f"/cases/{reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_mediator_who_escalated_a_dispute_sees_its_numbers_masked(people):
    # given a dispute the mediator registered and triaged, sent up to the street
    case = escalated(people)
    mediator = people["mediator"]

    # then he still sees the case (he registered it) but no longer works it: masked everywhere
    assert case_shows_personal_data(case=case, user=mediator) is False
    html = page_for(mediator, case.reference)
    assert MASKED_PHONE in html and FULL_PHONE not in html
    assert MASKED_ID in html and FULL_ID not in html
    fields = api(mediator).get(f"/api/v1/cases/{case.reference}/").json()["fields"]
    assert (fields["applicant_phone"], fields["applicant_id_number"]) == (MASKED_PHONE, MASKED_ID)


def test_the_mediator_of_the_unit_above_sees_the_numbers_of_the_dispute_he_works_now(people):
    case = escalated(people)
    street = people["mediator_street"]

    assert case_shows_personal_data(case=case, user=street) is True
    html = page_for(street, case.reference)
    assert FULL_PHONE in html and FULL_ID in html
    fields = api(street).get(f"/api/v1/cases/{case.reference}/").json()["fields"]
    assert (fields["applicant_phone"], fields["applicant_id_number"]) == (FULL_PHONE, FULL_ID)


def test_a_dispute_sent_back_is_shown_to_its_mediator_again(people):
    # given the escalated dispute sent back by the street (退回: 属地不符)
    case = escalated(people)
    response = post(
        api(people["mediator_street"]),
        f"/api/v1/cases/{case.reference}/return/",
        {"code": "territory", "reason": ""},
    )
    assert response.status_code == 201

    # then it is at his unit again: he works it and sees the numbers
    fields = api(people["mediator"]).get(f"/api/v1/cases/{case.reference}/").json()["fields"]
    assert fields["applicant_phone"] == FULL_PHONE


def test_a_lawyer_who_took_part_keeps_seeing_the_numbers(people):
    # given a help request whose advice the lawyer claimed: he took part in it
    from demo.lifecycles import help_request_to

    case = help_request_to("claimed", people, specialties=["legal"])
    fields = api(people["lawyer"]).get(f"/api/v1/cases/{case.reference}/").json()["fields"]
    assert fields["contact_phone"] == "13912345678"
