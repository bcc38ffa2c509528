"""Races on PostgreSQL: many claimants for one task, two redemptions of a card's last service, a step completed
twice at once. Each thread has its own connection; a barrier starts them together.

Skipped on SQLite (which serialises writers); a failure instead when TONGXIN_REQUIRE_SERVICES=1.
"""

import threading

from django.db import connection, transaction
from django.utils import translation
from viewflow.workflow.status import PROCESS, STATUS

from cases.errors import Conflict, InvalidInput
from cases.models import (
    Advice,
    AuditAction,
    AuditEntry,
    CardRedemption,
    Case,
    CaseState,
    ExperienceCard,
    User,
)
from demo.lifecycles import dispute_to, help_request_to
from tests.factories import ProfessionalFactory
from tests.helpers import open_tasks
from workflow import services
from workflow.models import CaseProcess


def race(calls: list) -> list:
    """Run each call in its own thread (own connection, closed after), all released at once by a barrier;
    return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait(timeout=30)
            with translation.override("en"):  # the language is per thread
                outcomes[index] = call()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_twenty_lawyers_claim_one_task_and_exactly_one_wins(postgres_only, committed_people):
    # given a dispatched legal request and 20 lawyers of the 泰兴市 pool who all have it in their queue
    case = help_request_to("dispatched", committed_people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    extra = ProfessionalFactory.create_batch(18)
    lawyers = [
        User.objects.get(pk=user.pk)
        for user in [committed_people["lawyer"], committed_people["lawyer2"], *extra]
    ]
    assert len({lawyer.pk for lawyer in lawyers}) == 20

    # when they all claim it at once
    outcomes = race(
        [lambda lawyer=lawyer: services.task_claim(task_id=task.pk, user=lawyer) for lawyer in lawyers]
    )

    # then exactly one claim succeeded and the 19 others were told the task is taken
    winners = [
        lawyer
        for lawyer, outcome in zip(lawyers, outcomes, strict=True)
        if not isinstance(outcome, Exception)
    ]
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(winners) == 1, outcomes
    assert [type(error) for error in errors] == [Conflict] * 19, errors
    assert {str(error) for error in errors} == {"This task has already been claimed by someone else."}
    # and the task is the winner's, with one claim audited and one state change
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, winners[0].pk)
    claimed = AuditEntry.objects.filter(case=case, action=AuditAction.CLAIMED)
    assert list(claimed.values_list("actor_id", "task_id")) == [(winners[0].pk, task.pk)]
    assert AuditEntry.objects.filter(case=case, action=AuditAction.TRANSITION, name="claim").count() == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.CLAIMED


def test_two_intakes_redeem_the_last_service_of_a_card_and_exactly_one_wins(postgres_only, committed_people):
    # given card TXK-0001 with one free service left
    ExperienceCard.objects.filter(code="TXK-0001").update(services_left=1)
    liaison = committed_people["liaison"]

    def register(number: int):
        return services.help_request_intake(
            actor=User.objects.get(pk=liaison.pk),
            enterprise_name=f"泰兴市并发测试{number}号有限公司",
            credit_code="91350100M000100Y43",
            contact_name="刘经理",
            contact_phone="13912345678",
            specialties=["tax"],
            description="研发费用加计扣除如何申报？",
            channel="visit",
            card_code="TXK-0001",
        )

    # when two requests are registered with it at once
    outcomes = race([lambda: register(1), lambda: register(2)])

    # then exactly one case was created; the other intake was refused on the card and left nothing behind
    created = [outcome for outcome in outcomes if isinstance(outcome, Case)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(created) == 1, outcomes
    assert [type(error) for error in refused] == [InvalidInput], refused
    assert (str(refused[0]), refused[0].field) == (
        "Experience card TXK-0001 has no free services left.",
        "card_code",
    )
    assert list(Case.objects.values_list("pk", flat=True)) == [created[0].pk]
    assert ExperienceCard.objects.get(code="TXK-0001").services_left == 0
    assert list(CardRedemption.objects.values_list("card__code", "case_id")) == [("TXK-0001", created[0].pk)]
    assert AuditEntry.objects.filter(action=AuditAction.CARD_REDEEMED).count() == 1


def test_the_owner_completing_a_step_twice_at_once_completes_it_once(postgres_only, committed_people):
    # given the lawyer holds the legal task of a request
    case = help_request_to("claimed", committed_people, specialties=["legal"])
    task = open_tasks(case)["advise_legal"]
    lawyer = committed_people["lawyer"]
    assert task.owner_id == lawyer.pk

    # when his advice is submitted twice at the same moment (a double click, two tabs)
    def submit():
        return services.task_complete(
            task_id=task.pk, user=User.objects.get(pk=lawyer.pk), data={"text": "意见"}
        )

    outcomes = race([submit, submit])

    # then one submission did the step, the other was a conflict
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1, outcomes
    assert (type(errors[0]), str(errors[0])) == (Conflict, "This task is not open for work any more.")
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert AuditEntry.objects.filter(case=case, action=AuditAction.TASK_DONE, task_id=task.pk).count() == 1
    assert Advice.objects.filter(case=case).count() == 1
    assert AuditEntry.objects.filter(case=case, action=AuditAction.TRANSITION, name="consult").count() == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.CONSULTING
    assert list(open_tasks(case)) == ["joint_session"]


def test_two_escalations_at_once_move_the_dispute_up_once(postgres_only, committed_people):
    # given a triaged dispute of 祥泰社区
    case = dispute_to("triaged", committed_people)
    mediator = committed_people["mediator"]

    # when the mediator and the city supervisor escalate it at the same moment
    def escalate(username):
        def call():
            return services.case_side_exit(
                reference=case.reference,
                user=User.objects.get(username=username),
                action="escalate",
                reason="跨社区",
            )

        return call

    outcomes = race([escalate(mediator.username), escalate("supervisor")])

    # then it moved up one level once, with one open flow there
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1, outcomes
    assert type(errors[0]) is Conflict
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.unit.name) == (CaseState.ESCALATED, "济川街道")
    assert CaseProcess.objects.filter(case=case, status=PROCESS.NEW).count() == 1
    assert AuditEntry.objects.filter(case=case, action=AuditAction.TRANSITION, name="escalate").count() == 1
    assert list(open_tasks(case)) == ["triage"]


def test_a_step_that_waited_for_the_case_reads_who_joined_meanwhile(postgres_only, committed_people):
    """A command that gets the case at once carries who takes part and the running clocks from the lock's own
    statement (``workflow.locks``); one that had to wait must not use what it would have read before the wait."""
    from cases.models import Clock
    from cases.services.participants import participants_add
    from demo.lifecycles import step_data
    from notifications.models import Notification
    from workflow.locks import case_lock

    # given a help request at its resolution, held by the liaison, and a supervisor who will take part in it
    case = help_request_to("resolving", committed_people)
    liaison, joiner = committed_people["liaison"], committed_people["supervisor"]
    task = open_tasks(case)["resolution"]
    data = step_data(case, task)
    holding, go_on = threading.Event(), threading.Event()

    def hold_the_case_and_add_a_participant() -> None:
        try:
            with transaction.atomic():
                case_lock(case.pk)
                participants_add(case=case, person_ids=[joiner.pk])
                Clock.objects.filter(case=case, task_id=task.pk).update(pause_reason="held by the test")
                holding.set()
                assert go_on.wait(timeout=30)
        finally:
            connection.close()

    outcome: list = []

    def resolve() -> None:
        try:
            outcome.append(
                services.task_complete(task_id=task.pk, user=User.objects.get(pk=liaison.pk), data=data)
            )
        except Exception as error:  # the outcome under test
            outcome.append(error)
        finally:
            connection.close()

    holder, resolver = (
        threading.Thread(target=hold_the_case_and_add_a_participant),
        threading.Thread(target=resolve),
    )
    holder.start()
    assert holding.wait(timeout=30)
    # when the liaison resolves while the case is held, and the holder commits once the resolution waits
    resolver.start()
    waiting_for_a_lock()
    go_on.set()
    holder.join(timeout=30)
    resolver.join(timeout=30)
    assert not holder.is_alive() and not resolver.is_alive()

    # then the resolution reached the participant who joined while it waited
    assert not isinstance(outcome[0], Exception), outcome
    assert Notification.objects.filter(recipient=joiner, case=case, type="case.resolve").count() == 1
    # and the step's clock stopped from the row the holder left (its change kept, not a copy from before)
    clock = Clock.objects.get(case=case, task_id=task.pk)
    assert clock.pause_reason == "held by the test" and clock.stopped_at is not None


def waiting_for_a_lock() -> None:
    """Until a backend of this database waits for a lock (polled; fails after 30 s)."""
    import time

    with connection.cursor() as cursor:
        for _poll in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.1)
    raise AssertionError("nobody waited for the lock")
