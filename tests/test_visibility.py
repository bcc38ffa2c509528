"""Who sees what: cases.selectors (case list, case page, personal data) and workflow.selectors (queues, tasks)."""

import pytest
from viewflow.workflow.status import STATUS

from cases.errors import NotFound
from cases.models import Unit
from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import open_tasks
from workflow import selectors, services
from workflow.selectors import case_get_for_user, case_list_for_user, case_shows_personal_data


def references(cases) -> set[str]:
    return {case.reference for case in cases}


@pytest.fixture
def cases(people):
    """A dispute in 祥泰社区 (泰兴市), one in 成蹊新联之家 (海陵区), and three dispatched help requests at the
    泰兴 station: tax only, legal + tax, and legal only."""
    return {
        "xiangtai": dispute_to("triaged", people),
        "chengxi": dispute_to("registered", people, actor=people["mediator_chengxi"], category="labour"),
        "tax_only": help_request_to("dispatched", people, specialties=["tax"]),
        "legal_tax": help_request_to("dispatched", people, specialties=["legal", "tax"]),
        "legal_only": help_request_to("dispatched", people, specialties=["legal"]),
    }


def test_the_city_supervisor_sees_every_case(people, cases):
    assert references(case_list_for_user(user=people["supervisor"])) == references(cases.values())
    for case in cases.values():
        assert case_get_for_user(reference=case.reference, user=people["supervisor"]) == case


def test_the_hailing_supervisor_never_sees_a_taixing_case(people, cases):
    # given the supervisor of 海陵区
    hailing = people["supervisor_hailing"]

    # then the list holds only the 海陵区 dispute, also when he filters on a 泰兴市 unit or searches
    assert references(case_list_for_user(user=hailing)) == {cases["chengxi"].reference}
    taixing = Unit.objects.get(name="泰兴市")
    assert list(case_list_for_user(user=hailing, unit_id=taixing.pk)) == []
    assert list(case_list_for_user(user=hailing, q=cases["xiangtai"].reference)) == []
    assert list(case_list_for_user(user=hailing, kind="help_request")) == []
    # and each 泰兴市 case does not exist for him
    for name in ("xiangtai", "tax_only", "legal_tax", "legal_only"):
        with pytest.raises(NotFound):
            case_get_for_user(reference=cases[name].reference, user=hailing)
    # nor do their tasks
    for task in open_tasks(cases["legal_tax"]).values():
        with pytest.raises(NotFound):
            selectors.task_get_for_user(task_id=task.pk, user=hailing)
    assert list(selectors.task_queue(user=hailing)) == []


def test_the_taixing_supervisor_sees_only_his_district(people, cases):
    taixing = people["supervisor_taixing"]

    assert references(case_list_for_user(user=taixing)) == references(cases.values()) - {
        cases["chengxi"].reference
    }
    with pytest.raises(NotFound):
        case_get_for_user(reference=cases["chengxi"].reference, user=taixing)


def test_mediators_see_their_own_units_cases(people, cases):
    assert references(case_list_for_user(user=people["mediator2"])) == {cases["xiangtai"].reference}
    assert references(case_list_for_user(user=people["mediator_chengxi"])) == {cases["chengxi"].reference}
    with pytest.raises(NotFound):
        case_get_for_user(reference=cases["xiangtai"].reference, user=people["mediator_chengxi"])


def test_the_liaison_officer_sees_the_stations_requests_and_no_dispute(people, cases):
    assert references(case_list_for_user(user=people["liaison"])) == references(
        [cases["tax_only"], cases["legal_tax"], cases["legal_only"]]
    )
    with pytest.raises(NotFound):
        case_get_for_user(reference=cases["xiangtai"].reference, user=people["liaison"])


def test_a_lawyer_never_sees_a_tax_only_request(people, cases):
    lawyer = people["lawyer"]

    # the queue holds the legal tasks only
    assert [
        (task.flow_task.name, task.process.caseprocess.case.reference)
        for task in selectors.task_queue(user=lawyer)
    ] == [("advise_legal", cases["legal_tax"].reference), ("advise_legal", cases["legal_only"].reference)]
    # the tax-only request is neither listed nor found, nor its task
    assert cases["tax_only"].reference not in references(case_list_for_user(user=lawyer))
    with pytest.raises(NotFound):
        case_get_for_user(reference=cases["tax_only"].reference, user=lawyer)
    with pytest.raises(NotFound):
        selectors.task_get_for_user(task_id=open_tasks(cases["tax_only"])["advise_tax"].pk, user=lawyer)


def test_the_accountant_sees_nothing_when_no_request_needs_accounting(people, cases):
    accountant = people["accountant"]

    assert list(selectors.task_queue(user=accountant)) == []
    assert list(case_list_for_user(user=accountant)) == []


def test_professionals_see_only_their_queue_and_their_own_cases(people, cases):
    # given the lawyer claims the legal task of the legal-only request, and the tax advisor the tax task of the
    # legal + tax request
    lawyer, lawyer2, tax_advisor = people["lawyer"], people["lawyer2"], people["tax_advisor"]
    services.task_claim(task_id=open_tasks(cases["legal_only"])["advise_legal"].pk, user=lawyer)
    services.task_claim(task_id=open_tasks(cases["legal_tax"])["advise_tax"].pk, user=tax_advisor)

    # then the lawyer sees his claimed request and the legal + tax one still in his queue
    assert references(case_list_for_user(user=lawyer)) == references(
        [cases["legal_only"], cases["legal_tax"]]
    )
    # and the other lawyer no longer sees the request the lawyer claimed
    assert references(case_list_for_user(user=lawyer2)) == {cases["legal_tax"].reference}
    with pytest.raises(NotFound):
        case_get_for_user(reference=cases["legal_only"].reference, user=lawyer2)
    # and the tax advisor sees the tax-only request (queue) and the one she claimed
    assert references(case_list_for_user(user=tax_advisor)) == references(
        [cases["tax_only"], cases["legal_tax"]]
    )
    # and no professional sees a dispute
    for person in (lawyer, lawyer2, tax_advisor):
        with pytest.raises(NotFound):
            case_get_for_user(reference=cases["xiangtai"].reference, user=person)

    # when the lawyer completes his advice, the request stays visible to him (he held a task of it)
    legal = open_tasks(cases["legal_only"])["advise_legal"]
    services.task_complete(task_id=legal.pk, user=lawyer, data={"text": "意见"})
    assert cases["legal_only"].reference in references(case_list_for_user(user=lawyer))
    assert [task.pk for task in selectors.task_archive(user=lawyer)] == [legal.pk]


def test_personal_data_is_shown_to_the_claiming_professional_only_after_the_claim(people, cases):
    # given the legal + tax request, visible to the lawyer through his queue
    case = case_get_for_user(reference=cases["legal_tax"].reference, user=people["lawyer"])
    legal = open_tasks(case)["advise_legal"]

    # then before the claim the contact's data is masked for him
    assert case_shows_personal_data(case=case, user=people["lawyer"]) is False

    # when he claims the legal task
    services.task_claim(task_id=legal.pk, user=people["lawyer"])

    # then it is shown to him, not to the other lawyer or the tax advisor
    assert case_shows_personal_data(case=case, user=people["lawyer"]) is True
    assert case_shows_personal_data(case=case, user=people["lawyer2"]) is False
    assert case_shows_personal_data(case=case, user=people["tax_advisor"]) is False

    # when he releases it, it is masked again
    services.task_release(task_id=legal.pk, user=people["lawyer"], code="other", reason="时间冲突")
    legal.refresh_from_db()
    assert (legal.status, legal.owner) == (STATUS.NEW, None)
    assert case_shows_personal_data(case=case, user=people["lawyer"]) is False


def test_personal_data_is_shown_to_the_people_working_the_case(people, cases):
    dispute = cases["xiangtai"]

    assert case_shows_personal_data(case=dispute, user=people["mediator"]) is True
    assert case_shows_personal_data(case=dispute, user=people["mediator2"]) is True
    assert case_shows_personal_data(case=dispute, user=people["admin"]) is True
    assert case_shows_personal_data(case=dispute, user=people["mediator_chengxi"]) is False
    assert case_shows_personal_data(case=dispute, user=people["supervisor"]) is False
    assert case_shows_personal_data(case=cases["tax_only"], user=people["liaison"]) is True
