"""The queue benchmark writes its cases along lines derived from the flows, the step catalogue and the case's
transitions (``bench.lines``). Here real cases go along each kind's main line through the real commands
(``demo.lifecycles``), and in every state the rows the generator writes for a case there are compared with what
the engine wrote: the tasks and their links, the audit rows, who takes part, the clocks and their timers, the case
and its process, by shape (names, states, statuses, which fields are set; not who or when), so the derivation
cannot drift silently."""

import re
from typing import Any

import pytest
from django.db.models import F
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from bench.lines import Line, Move, Stop, main_line, side_exits
from bench.queues import (
    OWN_IDS,
    AgreementPartyRow,
    AgreementRow,
    AgreementTermRow,
    AgreementTimerRow,
    AuditRow,
    CaseProcessRow,
    CaseRow,
    ClockRow,
    DisputeRow,
    Draw,
    Generator,
    ParticipantRow,
    PreviousRow,
    ProcessRow,
    Rows,
    TaskRow,
    TimerRow,
)
from cases.models import (
    AgreementParty,
    AgreementTerm,
    AuditEntry,
    Case,
    CaseKind,
    CaseParticipant,
    CaseState,
    Clock,
    MediationAgreement,
    Timer,
    User,
)
from cases.models.case import DISPUTE_MAIN_LINE, HELP_REQUEST_MAIN_LINE, TERMINAL_STATES
from cases.services.side_exits import SIDE_EXITS
from demo import lifecycles
from workflow import services
from workflow.models import CaseProcess

Previous = Task.previous.through
KINDS = [(CaseKind.DISPUTE, ()), (CaseKind.HELP_REQUEST, ("tax",)), (CaseKind.HELP_REQUEST, ("legal", "tax"))]


# ---- the engine's rows and the generator's, in one shape --------------------------------------------------


def task_shapes(tasks: list[tuple], links: list[tuple[int, int]]) -> list[tuple]:
    """(ref, type, status, token, owned, started, finished, previous) per task in id order; ids as positions."""
    position = {task[0]: number for number, task in enumerate(sorted(tasks))}

    def token(text: str) -> str:
        return re.sub(r"(\d+)_", lambda match: f"#{position[int(match[1])]}_", text)

    return [
        (ref, kind, status, token(str(tok)), owner is not None, started is not None, finished is not None,
         sorted(position[earlier] for later, earlier in links if later == pk))
        for pk, ref, kind, status, tok, owner, started, finished in sorted(tasks)
    ]  # fmt: skip


def audit_shapes(entries: list[tuple], task_ids: list[int]) -> list[tuple]:
    """(action, name, from, to, has a reason, task position, actor set, subject set, on time set). A side exit
    must give its reason; a step's note is optional input, which the generator leaves out (None here)."""
    position = {pk: number for number, pk in enumerate(sorted(task_ids))}
    return [
        (str(action), name, from_state, to_state, bool(reason) if name in SIDE_EXITS else None,
         position.get(task_id), actor is not None, subject is not None, on_time is not None)
        for action, name, from_state, to_state, reason, task_id, actor, subject, on_time in entries
    ]  # fmt: skip


def clock_shapes(clocks: list[tuple], timers: list[tuple], task_ids: list[int]) -> dict[str, list[tuple]]:
    """Clocks (step, task position, due set, yellow set, a claim window pending, stopped) in the order started,
    and their timers (clock position, kind, due set, fired)."""
    position = {pk: number for number, pk in enumerate(sorted(task_ids))}
    order = {clock[0]: number for number, clock in enumerate(sorted(clocks))}
    return {
        "clocks": [
            (
                step,
                position.get(task_id),
                due is not None,
                yellow is not None,
                claim is not None,
                stopped is not None,
            )
            for _pk, step, task_id, due, yellow, claim, stopped in sorted(clocks)
        ],
        "timers": sorted(
            (order[clock], kind, due is not None, fired is not None) for clock, kind, due, fired in timers
        ),
    }


def agreement_shape(
    agreements: list[tuple], parties: list[tuple], terms: list[tuple], timers: list[tuple]
) -> dict:
    """A dispute's agreement: (facts, mediators, committee, wants 司法确认), its parties (position, role), its
    terms (number, content, method, performance, performed on set) and its reminders (kind, fired)."""
    return {
        "agreements": sorted(agreements),
        "parties": sorted(parties),
        "terms": sorted((n, c, m, p, d is not None) for n, c, m, p, d in terms),
        "reminders": sorted((kind, fired is not None) for kind, fired in timers),
    }


def engine_rows(case: Case) -> dict[str, Any]:
    case = Case.objects.get(pk=case.pk)
    tasks = [
        (task.pk, get_task_ref(task.flow_task), task.flow_task_type, task.status, task.token, task.owner_id,
         task.started, task.finished)
        for task in Task.objects.filter(process__caseprocess__case=case)
    ]  # fmt: skip
    task_ids = [task[0] for task in tasks]
    links = list(Previous.objects.filter(from_task_id__in=task_ids).values_list("from_task_id", "to_task_id"))
    entries = AuditEntry.objects.filter(case=case).order_by("pk")
    process = CaseProcess.objects.get(case=case)
    clocks = Clock.objects.filter(case=case)
    return {
        **clock_shapes(
            list(clocks.values_list("pk", "step", "task_id", "due_at", "yellow_at", "claim_amount", "stopped_at")),
            list(Timer.objects.filter(clock__case=case).values_list("clock_id", "kind", "due_at", "fired_at")),
            task_ids,
        ),
        "tasks": task_shapes(tasks, links),
        "audit": audit_shapes(
            list(
                entries.values_list(
                    "action", "name", "from_state", "to_state", "reason", "task_id", "actor", "subject", "on_time"
                )
            ),
            task_ids,
        ),
        "participants": CaseParticipant.objects.filter(case=case).count(),
        "agreement": agreement_shape(
            list(
                MediationAgreement.objects.filter(case=case).values_list(
                    "facts", "mediators", "committee", "judicial_confirmation"
                )
            ),
            list(AgreementParty.objects.filter(agreement__case=case).values_list("position", "role")),
            list(
                AgreementTerm.objects.filter(agreement__case=case).values_list(
                    "number", "content", "method", "performance", "performed_on"
                )
            ),
            list(Timer.objects.filter(agreement__case=case).values_list("kind", "fired_at")),
        ),
        "agreement_text": bool(case.dispute.agreement_text) if case.is_dispute else None,
        "case": (case.state, case.due_at is not None, case.yellow_at is not None, case.paused,
                 case.closed_at is not None, bool(case.exit_reason), bool(case.referred_to)),
        "process": (str(process.status), process.finished is not None, process.data),
    }  # fmt: skip


def generated_rows(generator: Generator, draw: Draw) -> dict[str, Any]:
    rows = Rows({**dict.fromkeys(OWN_IDS, 1), "reference": 1})
    generator.write(draw, rows)
    tasks: list[TaskRow] = rows.of[TaskRow]
    links: list[PreviousRow] = rows.of[PreviousRow]
    audit: list[AuditRow] = rows.of[AuditRow]
    (case,) = rows.of[CaseRow]
    (process,) = rows.of[ProcessRow]
    assert rows.of[CaseProcessRow] == [(process.id, case.id)]
    return {
        **clock_shapes(
            [(c.id, c.step, c.task_id, c.due_at, c.yellow_at, c.claim_amount, c.stopped_at) for c in rows.of[ClockRow]],
            [(t.clock_id, t.kind, t.due_at, t.fired_at) for t in rows.of[TimerRow]],
            [t.id for t in tasks],
        ),
        "tasks": task_shapes(
            [(t.id, t.flow_task, t.flow_task_type, t.status, t.token, t.owner_id, t.started, t.finished)
             for t in tasks],
            [(link.from_task_id, link.to_task_id) for link in links],
        ),
        "audit": audit_shapes(
            [(a.action, a.name, a.from_state, a.to_state, a.reason, a.task_id, a.actor_id, a.subject_id, a.on_time)
             for a in audit],
            [t.id for t in tasks],
        ),
        "participants": len(rows.of[ParticipantRow]),
        "agreement": agreement_shape(
            [(a.facts, a.mediators, a.committee, a.judicial_confirmation) for a in rows.of[AgreementRow]],
            [(p.position, p.role) for p in rows.of[AgreementPartyRow]],
            [(t.number, t.content, t.method, t.performance, t.performed_on) for t in rows.of[AgreementTermRow]],
            [(t.kind, t.fired_at) for t in rows.of[AgreementTimerRow]],
        ),
        "agreement_text": bool(rows.of[DisputeRow][0].agreement_text) if rows.of[DisputeRow] else None,
        "case": (case.state, case.due_at is not None, case.yellow_at is not None, case.paused,
                 case.closed_at is not None, bool(case.exit_reason), bool(case.referred_to)),
        "process": (process.status, process.finished is not None, process.data),
    }  # fmt: skip


# ---- driving real cases -------------------------------------------------------------------------------------


def engine_case_at(kind: str, stop: Stop, people: dict[str, User], specialties: tuple[str, ...]) -> Case:
    """A case moved by the real commands to ``stop``: to its state, or, where one of the open steps is taken
    there, to the stage's first state and then the first step claimed."""
    state = stop.stage.states[0] if stop.stage is not None and stop.taken else stop.state
    if kind == CaseKind.DISPUTE:
        case = lifecycles.dispute_to(state, people)
    else:
        case = lifecycles.help_request_to(state, people, specialties=list(specialties))
    if stop.taken:
        task = lifecycles.open_tasks(case).first()
        taker = next(person for person in people.values() if task.flow_task.may_take(person, case))
        services.task_claim(task_id=task.pk, user=taker)
    return Case.objects.get(pk=case.pk)


def draw_like(case: Case, stop: Stop, specialties: tuple[str, ...], side_exit: Move | None = None) -> Draw:
    return Draw(case.kind, case.unit, case.created_by, case.created_at, specialties, stop, side_exit)


# ---- the tests ---------------------------------------------------------------------------------------------


def test_the_lines_are_the_kinds_main_lines_walked_through_their_flows(db):
    dispute, help_request = main_line(CaseKind.DISPUTE), main_line(CaseKind.HELP_REQUEST)

    assert [stop.state for stop in dispute.stops] == list(DISPUTE_MAIN_LINE)
    assert [stop.state for stop in help_request.stops] == list(HELP_REQUEST_MAIN_LINE)
    assert [[node.name for node in hop] for hop in help_request.hops] == [
        ["start"], ["dispatch"], ["split"], ["advise_legal", "advise_accounting", "advise_tax"], ["join"],
        ["begin_consultation"], ["joint_session"], ["resolution"], ["feedback"], ["assess"], ["end"],
    ]  # fmt: skip
    assert [(stop.state, stop.stage and stop.stage.done.name, stop.taken) for stop in help_request.stops] == [
        ("submitted", "dispatch", False),
        ("dispatched", "consult", False),
        ("claimed", "consult", True),
        ("consulting", "conclude", False),
        ("resolving", "resolve", False),
        ("feedback", "rate", False),
        ("commending", "commend", False),
        ("closed", None, False),
    ]
    assert [stop.stage and stop.stage.done for stop in dispute.stops][3:5] == [
        Move("resolve", CaseState.RESOLVING, CaseState.FOLLOW_UP),
        Move("confirm", CaseState.FOLLOW_UP, CaseState.COMMENDING),
    ]
    assert [move.name for move in side_exits(CaseKind.HELP_REQUEST, CaseState.DISPATCHED)] == ["withdraw"]


@pytest.mark.parametrize(("kind", "specialties"), KINDS)
def test_in_every_state_of_the_line_the_generator_writes_what_the_engine_wrote(people, kind, specialties):
    line: Line = main_line(kind)
    generator = Generator(people)

    for stop in line.stops:
        case = engine_case_at(kind, stop, people, specialties)

        assert case.state == stop.state
        assert generated_rows(generator, draw_like(case, stop, specialties)) == engine_rows(case), stop.state


@pytest.mark.parametrize(("kind", "specialties"), KINDS[:2])
def test_after_each_early_side_exit_the_generator_writes_what_the_engine_wrote(people, kind, specialties):
    line: Line = main_line(kind)
    generator = Generator(people)

    for stop in line.stops[:2]:
        for side_exit in side_exits(kind, stop.state):
            case = engine_case_at(kind, stop, people, specialties)
            services.case_side_exit(
                reference=case.reference,
                user=case.created_by,
                action=side_exit.name,
                reason="批量",
                to="仲裁委",
            )

            generated = generated_rows(generator, draw_like(case, stop, specialties, side_exit))
            assert generated == engine_rows(case), (stop.state, side_exit.name)
            assert generated["case"][0] == side_exit.target


def test_a_year_of_drawn_cases_stays_on_the_lines_with_every_owner_taking_part(people):
    generator = Generator(people)
    rows = Rows({**dict.fromkeys(OWN_IDS, 1), "reference": 1})

    for _ in range(500):
        generator.write(generator.draw(), rows)

    cases: list[CaseRow] = rows.of[CaseRow]
    states = {case.state for case in cases}
    assert states <= {*DISPUTE_MAIN_LINE, *HELP_REQUEST_MAIN_LINE, *TERMINAL_STATES}
    assert {CaseState.CLOSED, CaseState.REGISTERED, CaseState.CLAIMED} <= states
    case_of_process = dict(rows.of[CaseProcessRow])
    owners = {
        (case_of_process[task.process_id], task.owner_id)
        for task in rows.of[TaskRow]
        if task.owner_id is not None
    }
    assert owners == {(row.case_id, row.person_id) for row in rows.of[ParticipantRow]}
    assert all(case.due_at is None for case in cases if case.state in TERMINAL_STATES)
    assert all(case.due_at is not None for case in cases if case.state not in TERMINAL_STATES)
    clocks: list[ClockRow] = rows.of[ClockRow]
    assert {clock.case_id for clock in clocks if clock.task_id is None} == {case.id for case in cases}
    running = {clock.id for clock in clocks if clock.stopped_at is None}
    assert all(timer.fired_at is not None for timer in rows.of[TimerRow] if timer.clock_id not in running)


def test_the_generator_writes_every_column_the_database_cannot_fill_itself():
    """COPY leaves out a column the generator does not name: NULL, unless the database has a default. A field the
    engine gained (a clock's ``extension_pending`` once) must be named by the generator, or ``make bench`` fails on
    its first COPY, far from here."""
    from django.apps import apps
    from django.db.models.fields import NOT_PROVIDED

    from bench.queues import TABLES

    models = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    missing = {
        table: [
            field.column
            for field in models[table]._meta.local_concrete_fields
            if field.column not in row_type._fields
            and not field.null
            and not field.primary_key  # an identity column: the database numbers it
            and field.db_default is NOT_PROVIDED
        ]
        for row_type, table in TABLES.items()
    }
    assert {table: columns for table, columns in missing.items() if columns} == {}


def test_generated_and_copied_cases_have_the_rows_the_database_keeps(people, postgres_only, monkeypatch):
    """The generator writes with the database's triggers off (COPY, then copies of the whole set in SQL) and
    then writes what they keep for the batch at once: the board's counts, the tasks' order rows, each
    participant's case registration must be what the triggers would have kept, row for row; and the engine
    goes on from there (sequences, reference numbers)."""
    from bench import queues
    from cases.models import BoardCount, BoardDue
    from tests.test_board_counts import counted, due_counted, kept, kept_due
    from tests.test_queue_keyset import fresh_rows, order_rows
    from workflow.models import TaskOrder

    monkeypatch.setattr(queues, "vacuum_analyze", lambda: None)  # the test's transaction is still open
    generator = Generator(people)
    generator.add(60)
    generator.clone(2)

    assert Case.objects.count() == 180
    assert kept() == counted() and BoardCount.objects.exists()
    assert kept_due() == due_counted() and BoardDue.objects.exists()
    assert order_rows() == fresh_rows() and TaskOrder.objects.count() > 180
    assert not CaseParticipant.objects.exclude(case_created=F("case__created_at")).exists()
    copy = Case.objects.select_related("dispute").filter(kind=CaseKind.DISPUTE, pk__gt=120).first()
    assert copy.reference == f"TX-2026-{copy.pk:06d}" and copy.dispute.applicant_name == f"申请人{copy.pk}"
    split = Task.objects.filter(token__contains="_", pk__gt=Task.objects.count() // 3 * 2).first()
    if split is not None:  # a split's branch names the split's task of its own copy
        assert (
            Task.objects.get(pk=int(str(split.token).split("/")[1].split("_")[0])).process_id
            == split.process_id
        )
    # the engine goes on from the copies
    case = lifecycles.dispute_to("triaged", people)
    assert case.reference == "TX-2026-000181"
    assert kept() == counted() and order_rows() == fresh_rows() and kept_due() == due_counted()
