"""The demo's year of history: copies of cases the engine closed, in the engine's shapes, loaded once."""

from datetime import date, timedelta

from django.utils import timezone

from cases.models import Assessment, AuditEntry, Case, CaseState, Clock, PointAward
from cases.scoring import StepDone, points_for
from demo.history import HISTORY_REFERENCE, History, history_exists, history_load, templates
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
    history = Case.objects.filter(reference__regex=HISTORY_REFERENCE)
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


def test_the_bench_copies_history_in_sql_with_every_row_and_the_counters_grow_by_as_much(
    postgres_only, people
):
    """``bench.reports.clone_history``: each copy has the rows of its original (ids moved on, a reference of
    its own), the board's counts are counted again, and the reports' counters, caught up, count every copy."""
    from bench.reports import clone_history
    from cases.models import BoardCount, CaseParticipant
    from reports.selectors import COUNTERS, people_ranking

    dispute_to("closed", people)
    help_request_to("closed", people)
    scope = report_scope(people["admin"])
    period = Period(date.today() - timedelta(days=400), date.today() + timedelta(days=1))

    def figures() -> tuple[dict, dict]:
        figures_refresh()
        total = unit_figures(scope=scope, unit=scope.root, period=period).total
        ranking = people_ranking(scope=scope, unit=scope.root, period=period)
        return (
            {name: getattr(total, name) for name in COUNTERS},
            {row.person_id: (row.steps, row.steps_on_time, row.points, row.rated) for row in ranking},
        )

    engine_units, engine_people = figures()
    History(people, templates()).add(20)
    history_units, history_people = figures()
    originals = list(Case.objects.filter(reference__regex=HISTORY_REFERENCE).order_by("pk"))
    span = Case.objects.order_by("-pk").first().pk

    assert clone_history(2) == 40

    assert Case.objects.count() == 2 + 60
    for case in originals:
        for k in (1, 2):
            copy = Case.objects.get(pk=case.pk + k * span)
            assert copy.reference == f"TX-{case.reference[3:7]}-{copy.pk:07d}"
            assert (copy.unit_id, copy.state, copy.created_at, copy.closed_at, copy.due_at) == (
                case.unit_id,
                case.state,
                case.created_at,
                case.closed_at,
                case.due_at,
            )
            assert engine_shape(copy) == engine_shape(case)
            assert [
                (row.actor_id, row.created_at, row.on_time)
                for row in AuditEntry.objects.filter(case=copy).order_by("pk")
            ] == [
                (row.actor_id, row.created_at, row.on_time)
                for row in AuditEntry.objects.filter(case=case).order_by("pk")
            ]
            assert set(
                CaseParticipant.objects.filter(case=copy).values_list("person_id", "case_created")
            ) == set(CaseParticipant.objects.filter(case=case).values_list("person_id", "case_created"))
            assert Clock.objects.get(case=copy).stopped_at == Clock.objects.get(case=case).stopped_at
            assert sorted(
                PointAward.objects.filter(assessment__case=copy).values_list("person_id", "points")
            ) == sorted(PointAward.objects.filter(assessment__case=case).values_list("person_id", "points"))
    assert sum(BoardCount.objects.filter(state=CaseState.CLOSED).values_list("count", flat=True)) == 62

    units, ranked = figures()
    assert units == {
        name: engine_units[name] + 3 * (history_units[name] - engine_units[name]) for name in COUNTERS
    }
    assert ranked == {
        person: tuple(
            engine + 3 * (history - engine)
            for engine, history in zip(engine_people.get(person, (0, 0, 0, 0)), counts, strict=True)
        )
        for person, counts in history_people.items()
    }
    # The sequences are past the copies: history goes on after them.
    History(people, templates()).add(3)
    assert Case.objects.count() == 65
    # Copies of copies: the history's ids have gaps now (the engine's two cases before each copy); what it says it
    # added is what it added.
    assert clone_history(1) == 63
    assert Case.objects.count() == 65 + 63
