"""Each access rule exists once, its Python predicate and its query forms side by side (``cases.rules``): for
every person and every case of the demo organisation (with an inactive person and an administrator who is not a
superuser added), the predicate and each query form give the same answer."""

import pytest
from django.contrib.auth.models import Group
from django.db.models import Q

from cases import rules
from cases.models import Case, Role, User
from cases.steps import STEPS
from demo.lifecycles import dispute_to, help_request_to
from workflow import services


@pytest.fixture
def population(people):
    inactive = User.objects.create(username="retired", unit=people["mediator"].unit, is_active=False)
    inactive.groups.set(Group.objects.filter(name__in=[Role.MEDIATOR, Role.SUPERVISOR]))
    officer = User.objects.create(username="officer", unit=people["supervisor"].unit)  # not a superuser
    officer.groups.set(Group.objects.filter(name=Role.ADMINISTRATOR))
    escalated = dispute_to("registered", people)
    services.case_side_exit(
        reference=escalated.reference, user=people["mediator"], action="escalate", reason="跨社区"
    )
    cases = [
        dispute_to("triaged", people),
        dispute_to("registered", people, actor=people["mediator_chengxi"]),
        help_request_to("dispatched", people, specialties=["legal", "tax"]),
        help_request_to("submitted", people),
        Case.objects.get(pk=escalated.pk),
    ]
    cases = list(Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("unit", "created_by"))
    users = [User.objects.select_related("unit", "pool").get(pk=u.pk) for u in User.objects.order_by("pk")]
    return users, cases


def people_of(q) -> set[int]:
    return set(User.objects.filter(q).values_list("pk", flat=True))


def cases_of(q) -> set[int]:
    return set(Case.objects.filter(q).values_list("pk", flat=True))


def test_every_rule_answers_the_same_in_python_and_in_its_queries(population):
    users, cases = population
    agreed = {"works": 0, "supervises": 0, "sees": 0, "takes": 0, "attends": 0}
    for case in cases:
        workers = people_of(rules.works_case_people_q(case))
        supervisors = people_of(rules.supervises_case_people_q(case))
        attendees = people_of(rules.may_attend_people_q(case))
        steps = [step for step in STEPS if step.kind == case.kind]
        takers = {
            step: people_of(
                rules.may_take_people_q(audience=step.audience, specialty=step.specialty, case=case)
            )
            for step in steps
        }
        for user in users:
            where = f"{user.username} on {case.reference} ({case.unit})"
            works = rules.works_case(case, user)
            assert works == (user.pk in workers) == (case.pk in cases_of(rules.works_case_cases_q(user))), (
                where
            )
            supervises = rules.supervises_case(case, user)
            assert (
                supervises
                == (user.pk in supervisors)
                == (case.pk in cases_of(rules.supervises_case_cases_q(user)))
            ), where
            sees = rules.sees_case(case, user)
            assert sees == (case.pk in cases_of(rules.sees_case_cases_q(user))), where
            attends = rules.may_attend(case, user)
            assert attends == (user.pk in attendees), where
            for step in steps:
                takes = rules.may_take(audience=step.audience, specialty=step.specialty, case=case, user=user)
                in_cases = case.pk in cases_of(
                    rules.may_take_cases_q(audience=step.audience, specialty=step.specialty, user=user)
                )
                assert takes == (user.pk in takers[step]) == in_cases, f"{where}, {step.name}"
                agreed["takes"] += takes
            agreed["works"] += works
            agreed["supervises"] += supervises
            agreed["sees"] += sees
            agreed["attends"] += attends
    # Each rule said yes somewhere and no elsewhere: the comparison above was not between empty sets.
    assert all(count > 0 for count in agreed.values()), agreed
    assert all(count < len(users) * len(cases) for count in agreed.values()), agreed


def test_administrators_in_python_and_in_the_query(population):
    users, _cases = population
    administrators = people_of(rules.administrators_people_q())
    assert {user.username for user in users if rules.is_administrator(user)} == {"admin", "officer"}
    assert administrators == {user.pk for user in users if rules.is_administrator(user)}


def test_the_inactive_person_is_in_no_rule(population):
    users, cases = population
    retired = next(user for user in users if user.username == "retired")
    for case in cases:
        assert not rules.works_case(case, retired)
        assert not rules.supervises_case(case, retired)
        assert not rules.sees_case(case, retired)
        assert not rules.may_attend(case, retired)
    assert rules.board_root(retired) is None


def test_who_answers_a_supervision_order_agrees_in_python_and_in_its_queries(population, people):
    """``rules.answers_order``: whoever works the case now, its unit's workers and the holders of its open steps
    (the workflow's fact, here from the tasks)."""
    from django.db.models import Exists, OuterRef
    from viewflow.workflow.models import Task

    from workflow.selectors import OPEN_TASK_STATUSES

    users, cases = population
    claimed = help_request_to("claimed", people, specialties=["legal"])  # the lawyer holds its advice
    cases = [*cases, Case.objects.select_related("unit", "created_by").get(pk=claimed.pk)]
    open_steps = Task.objects.filter(status__in=OPEN_TASK_STATUSES, owner__isnull=False)
    answered = 0
    for case in cases:
        holders = set(open_steps.filter(process__caseprocess__case=case).values_list("owner_id", flat=True))
        answerers = people_of(rules.answers_order_people_q(case, holders))
        for user in users:
            held = Q(Exists(open_steps.filter(process__caseprocess__case=OuterRef("pk"), owner=user)))
            answers = rules.answers_order(case, user, holds_step=user.pk in holders)
            in_cases = case.pk in cases_of(rules.answers_order_cases_q(user, holds=held))
            assert answers == (user.pk in answerers) == in_cases, f"{user.username} on {case.reference}"
            answered += answers
    assert 0 < answered < len(users) * len(cases)
    # a professional holding a step answers without working the case
    lawyer = next(user for user in users if user.username == "lawyer")
    assert rules.answers_order(cases[-1], lawyer, holds_step=True) and not rules.works_case(cases[-1], lawyer)


def test_the_units_a_step_is_taken_at_are_its_query_form_by_unit(population):
    users, cases = population
    answered = {"somewhere": 0, "nowhere": 0}
    for user in users:
        for step in STEPS:
            cases_q = rules.may_take_cases_q(audience=step.audience, specialty=step.specialty, user=user)
            units = rules.may_take_units(
                audience=step.audience, specialty=step.specialty, user=user, kind=step.kind
            )
            where = f"{user.username}, {step.kind} {step.name}"
            taken = cases_of(cases_q & Q(kind=step.kind))
            if units is None:
                assert taken == set(), where
                answered["nowhere"] += 1
                continue
            at = (
                Q(unit_id=units.unit_id)
                if units.unit_id is not None
                else Q(unit__path__startswith=units.path)
            )
            assert taken == cases_of(at & Q(kind=step.kind)), where
            assert (units.unit_id is None) == bool(units.path), where  # one unit, or a subtree
            answered["somewhere"] += 1
    assert answered["somewhere"] > 0 and answered["nowhere"] > 0, answered
