"""The outermost command owns the transaction (``cases.transactions``): commands are durable, domain functions
refuse to run outside a transaction, and a refused command leaves nothing behind, not even a reference number."""

import pytest
from django.db import transaction

from cases.errors import InvalidInput
from cases.models import AuditEntry, Case, CaseParticipant, ReferenceCounter
from cases.services import intake
from cases.services.audit import audit_write
from cases.transactions import TransactionRequired
from demo.lifecycles import dispute_to
from notifications.models import Notification
from tests.helpers import help_request_body
from workflow import services
from workflow.models import CaseProcess

pytestmark = pytest.mark.django_db(transaction=True)


def counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "processes": CaseProcess.objects.count(),
        "participants": CaseParticipant.objects.count(),
        "last reference": ReferenceCounter.objects.values_list("last", flat=True).first() or 0,
    }


def test_a_domain_function_outside_a_transaction_fails_loudly(committed_people):
    case = dispute_to("registered", committed_people)
    before = counts()
    with pytest.raises(TransactionRequired):
        audit_write(case=case, actor=committed_people["mediator"], action="claimed", name="triage")
    with pytest.raises(TransactionRequired):
        intake.dispute_create(actor=committed_people["mediator"], unit=case.unit, **_dispute_fields())
    assert counts() == before


def test_a_command_inside_someone_elses_transaction_is_an_error(committed_people):
    before = counts()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.dispute_intake(actor=committed_people["mediator"], **_dispute_fields())
    assert counts() == before


def test_a_command_refused_half_way_leaves_nothing_behind(committed_people):
    # an expired card is found only after the case row, its reference and its audit row were written
    dispute_to("registered", committed_people)  # one reference taken already
    before = counts()
    fields = help_request_body(card_code="TXK-EXPIRED")
    del fields["priority"]
    with pytest.raises(InvalidInput) as refused:
        services.help_request_intake(actor=committed_people["liaison"], **fields)
    assert refused.value.field == "card_code"
    assert counts() == before


def _dispute_fields() -> dict:
    return {
        "category": "neighbour",
        "description": "噪音",
        "channel": "visit",
        "applicant_name": "张三",
        "applicant_phone": "13812341234",
    }
