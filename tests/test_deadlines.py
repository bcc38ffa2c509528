"""Deadline notifications: once when near, once when passed, to the owner or to the queue."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from demo.lifecycles import dispute_to, help_request_to
from notifications.models import Notification
from tests.helpers import open_tasks
from workflow.services import deadlines_notify


def texts(user, kind):
    return [n.text for n in Notification.objects.filter(recipient=user, type=kind)]


def test_a_step_near_its_deadline_is_announced_once_to_its_owner(people):
    case = dispute_to("registered", people)  # triage: 24 hours, the mediator's
    task = open_tasks(case)["triage"]
    due = timezone.localtime(task.created + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M")

    assert deadlines_notify(now=task.created + timedelta(hours=1)) == 1
    assert deadlines_notify(now=task.created + timedelta(hours=2)) == 0
    assert texts(people["mediator"], "deadline.near") == [f"{case.reference} · 研判 应于 {due} 前完成"]

    assert deadlines_notify(now=task.created + timedelta(hours=25)) == 1
    assert deadlines_notify(now=task.created + timedelta(hours=26)) == 0
    assert texts(people["mediator"], "deadline.passed") == [f"{case.reference} · 研判 已超期（期限 {due}）"]


def test_an_unclaimed_step_past_its_deadline_is_announced_to_everyone_who_may_take_it(people):
    case = help_request_to("dispatched", people, specialties=["tax"])  # advice: 120 hours
    task = open_tasks(case)["advise_tax"]
    assert deadlines_notify(now=task.created + timedelta(hours=121)) == 1
    assert len(texts(people["tax_advisor"], "deadline.passed")) == 1
    assert texts(people["lawyer"], "deadline.passed") == []


def test_nothing_is_announced_far_from_the_deadline(people):
    dispute_to("triaged", people)  # convene: 72 hours
    call_command("notify_deadlines")
    assert Notification.objects.filter(type__startswith="deadline.").count() == 0
