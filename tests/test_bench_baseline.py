"""The benchmark's bare-ORM baseline is only a fair floor if it writes what the engine writes: one lifecycle
of each, compared table by table (rows, not timings)."""

from bench import lifecycle
from cases.models import Case, CaseState


def written(run) -> dict[str, int]:
    before = lifecycle.row_counts()
    run(lifecycle.Clock(), lifecycle.cast(), lifecycle.intake_fields())
    after = lifecycle.row_counts()
    return {table: after[table] - before[table] for table in lifecycle.TABLES}


def test_the_baseline_writes_the_rows_the_engine_writes(people):
    engine = written(lifecycle.engine_lifecycle)
    baseline = written(lifecycle.baseline_lifecycle)

    assert engine == baseline
    assert engine["viewflow_task"] == 11  # start, dispatch, split, advice, join, function, 4 steps, end
    assert engine["cases_auditentry"] == 16
    assert engine["notifications_notification"] == 12
    assert engine["cases_clock"] == 7  # the case's own and its six steps', all stopped by the end
    assert engine["cases_timer"] == 0  # every reminder cancelled as its step was done (none came due)
    # the party's: a tracking code, a satisfaction link at the feedback, the receipt's and the link's SMS
    assert (engine["cases_trackingcode"], engine["cases_satisfactionlink"], engine["cases_smsmessage"]) == (
        1,
        1,
        2,
    )
    assert list(Case.objects.order_by("pk").values_list("state", flat=True)) == [CaseState.CLOSED] * 2


def test_the_clock_counts_each_operation(people):
    clock = lifecycle.Clock()

    lifecycle.engine_lifecycle(clock, lifecycle.cast(), lifecycle.intake_fields())

    assert list(clock.calls) == [
        "intake", "dispatch", "claim (advise)", "advise", "joint_session", "resolve", "feedback",
        "claim (assess)", "assess",
    ]  # fmt: skip
    assert all(count == 1 for count in clock.calls.values())
    assert all(clock.queries[name] > 0 for name in clock.calls)
