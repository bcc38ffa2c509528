"""The demo's year of history: copies of cases the engine closed, in the engine's shapes, loaded once."""

from datetime import date, timedelta

from django.utils import timezone

from cases.models import Assessment, AuditEntry, Case, CaseState, Clock, PointAward
from cases.scoring import StepDone, points_for
from demo.history import History, history_exists, history_load, templates
from demo.lifecycles import dispute_to, help_request_to
from reports.figures import figures_refresh
from reports.periods import Period
from reports.selectors import report_scope, unit_figures


def engine_shape(case: Case) -> list[tuple]:
    """The audit trail's shape: action, name, from, to, whether an actor and on-time are set."""
    return [
        (
            row.action,
            row.name,
            row.from_state,
            row.to_state,
            row.actor_id is not None,
            row.on_time is not None,
        )
        for row in AuditEntry.objects.filter(case=case).exclude(name="reopen").order_by("pk")
    ]


def test_history_cases_have_the_shapes_the_engine_wrote_and_load_once(people):
    dispute_to("closed", people)
    help_request_to("closed", people)
    found = templates()
    assert found is not None
    History(people, found).add(60)
    history = Case.objects.filter(reference__regex=r"^TX-[0-9]{4}-8[0-9]{5}$")
    assert history.count() == 60 and history_exists()
    assert history_load(people) == 0  # once
    assert set(history.values_list("state", flat=True)) == {CaseState.CLOSED}
    for case in history.select_related("unit"):
        template = found[case.kind]
        assert engine_shape(case) == engine_shape(template.case)
        assert case.closed_at > case.created_at >= timezone.now() - timedelta(days=366)
        clock = Clock.objects.get(case=case, task_id=None)
        assert clock.stopped_at == case.closed_at
        # Points as ``cases.scoring`` gives them for the copied steps (the assessing supervisor's not counted).
        assessment = Assessment.objects.get(case=case)
        done = list(
            AuditEntry.objects.filter(case=case, action="task_done")
            .order_by("pk")
            .values_list("actor_id", "on_time")
        )[:-1]
        expected = points_for(
            steps=[StepDone(person, bool(on_time)) for person, on_time in done],
            satisfaction=assessment.satisfaction,
            quality_score=assessment.quality_score,
        )
        awarded = {
            award.person_id: award.points for award in PointAward.objects.filter(assessment=assessment)
        }
        assert awarded == {person: points for person, (points, _how) in expected.items()}
    figures_refresh()
    report = unit_figures(
        scope=report_scope(people["admin"]),
        unit=report_scope(people["admin"]).root,
        period=Period(date.today() - timedelta(days=400), date.today() + timedelta(days=1)),
    )
    assert (report.total.received, report.total.closed) == (62, 62)
