"""The demo data: cases in every state of both kinds, and loading it twice changes nothing."""

from cases.models import AuditEntry, Case, CaseKind, ExperienceCard, Unit, User
from cases.models.case import DISPUTE_STATES, HELP_REQUEST_STATES
from demo import org as demo


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Unit, User, ExperienceCard, Case, AuditEntry)}


def test_demo_has_every_state_and_loads_idempotently(db):
    demo.load()
    first = counts()
    demo.load()
    assert counts() == first

    states = set(Case.objects.values_list("kind", "state"))
    assert {state for kind, state in states if kind == CaseKind.DISPUTE} == set(DISPUTE_STATES)
    assert {state for kind, state in states if kind == CaseKind.HELP_REQUEST} == set(HELP_REQUEST_STATES)
    assert set(User.objects.values_list("username", flat=True)) >= {login for login, _role in demo.LOGINS}
