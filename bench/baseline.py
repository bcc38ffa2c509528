"""The floor for part 1: one help request's lifecycle written with the bare ORM, the same rows the engine
writes (case, details, process, tasks and their links, state changes, audit rows, advice, meeting, assessment,
points, notifications, the clocks of the case and its steps and their timers, the party's tracking code,
satisfaction link and their messages in the SMS outbox) in one transaction per step,
reading nothing back but the deadline policies where a step opens: no engine, no locks, no access checks, no
flow, no work calendar (due moments are plain arithmetic). ``tests/test_bench_baseline.py`` checks it writes
what the engine writes, table by table.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.token import Token

from cases.models import (
    Advice,
    Assessment,
    AuditAction,
    AuditEntry,
    Brand,
    Case,
    CaseKind,
    CaseParticipant,
    Clock,
    DeadlinePolicy,
    HelpRequestDetail,
    Meeting,
    PointAward,
    SatisfactionLink,
    SmsMessage,
    SmsPurpose,
    SmsStatus,
    Timer,
    TimerKind,
    TrackingCode,
)
from cases.services.intake import reference_next
from cases.tokens import link_token_new, secret_digest, tracking_code_new
from notifications.models import Notification
from workflow.flows import HelpRequestFlow as Flow
from workflow.models import CaseProcess

Previous = Task.previous.through


def _tasks(process, after: Task | None, *specs) -> list[Task]:
    """Insert tasks (node, status, owner) and the link from ``after`` to the first, then each to the next."""
    now = timezone.now()
    tasks = Task.objects.bulk_create(
        Task(
            process=process,
            flow_task=node,
            flow_task_type=node.task_type,
            status=status,
            owner=owner,
            token=Token("start"),
            started=now,
            finished=now if status == STATUS.DONE else None,
        )
        for node, status, owner in specs
    )
    chain = ([after] if after else []) + tasks
    Previous.objects.bulk_create(
        Previous(from_task_id=b.pk, to_task_id=a.pk) for a, b in zip(chain, chain[1:], strict=False)
    )
    return tasks


def _done(task: Task, clock: Clock | None = None) -> None:
    """The task done; its clock stopped and its pending timers cancelled."""
    Task.objects.filter(pk=task.pk).update(status=STATUS.DONE, finished=timezone.now())
    if clock is not None:
        Clock.objects.filter(pk=clock.pk).update(stopped_at=timezone.now())
        Timer.objects.filter(clock=clock, fired_at__isnull=True).delete()


def _clocks(case: Case, *tasks: Task | None) -> list[Clock]:
    """The policies read once, then the clocks of the steps (None: the case's own) and their reminders: one
    INSERT each."""
    list(DeadlinePolicy.objects.filter(kind=CaseKind.HELP_REQUEST, priority__in=[0, 1]))
    now = timezone.now()
    clocks = Clock.objects.bulk_create(
        Clock(
            case=case,
            task_id=task.pk if task else None,
            step=task.flow_task.name if task else "",
            started_at=now,
            due_at=now + timedelta(days=3),
            yellow_at=now + timedelta(days=2),
        )
        for task in tasks
    )
    Timer.objects.bulk_create(
        Timer(clock=clock, kind=kind, due_at=now + timedelta(days=3))
        for clock in clocks
        if clock.task_id
        for kind in (TimerKind.YELLOW, TimerKind.RED, TimerKind.SUPERVISE)
    )
    return clocks


def _step(case: Case, actor, name: str, source: str, target: str, task: Task | None, **case_fields) -> None:
    """The case's state change (one UPDATE) and its two audit rows (transition, task done)."""
    Case.objects.filter(pk=case.pk).update(state=target, updated_at=timezone.now(), **case_fields)
    rows = [
        AuditEntry(
            case=case,
            actor=actor,
            action=AuditAction.TRANSITION,
            name=name,
            from_state=source,
            to_state=target,
        )
    ]
    if task is not None:
        rows.append(
            AuditEntry(
                case=case,
                actor=actor,
                action=AuditAction.TASK_DONE,
                name=task.flow_task.name,
                task_id=task.pk,
                on_time=True,
            )
        )
    AuditEntry.objects.bulk_create(rows)


def _notify(case: Case, kind: str, *recipients) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=person, type=kind, case=case, payload={"reference": case.reference})
        for person in recipients
    )


def _sms(case: Case, purpose: str, phone: str) -> None:
    """A message to the party, as the outbox keeps it once sent."""
    now = timezone.now()
    SmsMessage.objects.create(
        case=case,
        purpose=purpose,
        phone=phone,
        body="{secret}",
        status=SmsStatus.SENT,
        attempts=1,
        sent_at=now,
    )


def lifecycle(*, liaison, advisor, supervisors, unit, fields: dict) -> Case:
    due = timezone.now() + timedelta(days=3)
    with transaction.atomic():
        case = Case.objects.create(
            reference=reference_next(),
            kind=CaseKind.HELP_REQUEST,
            unit=unit,
            brand=Brand.XIANGTAI_NUANXIN,
            channel=fields["channel"],
            priority=1,
            state="submitted",
            description=fields["description"],
            created_by=liaison,
            due_at=due,
            yellow_at=due,
        )
        HelpRequestDetail.objects.create(
            case=case,
            enterprise_name=fields["enterprise_name"],
            credit_code=fields["credit_code"],
            contact_name=fields["contact_name"],
            contact_phone=fields["contact_phone"],
            specialties=["tax"],
        )
        AuditEntry.objects.create(
            case=case, actor=liaison, action=AuditAction.REGISTERED, name="register", to_state="submitted"
        )
        TrackingCode.objects.create(
            case=case, digest=secret_digest(tracking_code_new()), issued_at=timezone.now(), issued_by=liaison
        )
        _sms(case, SmsPurpose.RECEIPT, fields["contact_phone"])
        process = CaseProcess.objects.create(
            flow_class=Flow, status=PROCESS.NEW, case=case, data={"assignee_id": liaison.pk}
        )
        start, dispatch = _tasks(
            process, None, (Flow.start, STATUS.DONE, None), (Flow.dispatch, STATUS.ASSIGNED, liaison)
        )
        case_clock, clock = _clocks(case, None, dispatch)
        CaseParticipant.objects.create(case=case, person=liaison)
    with transaction.atomic():
        HelpRequestDetail.objects.filter(case=case).update(specialties=["tax"])
        _done(dispatch, clock)
        _split, advise = _tasks(
            process, dispatch, (Flow.split, STATUS.DONE, None), (Flow.advise_tax, STATUS.NEW, None)
        )
        (clock,) = _clocks(case, advise)
        _step(
            case,
            liaison,
            "dispatch",
            "submitted",
            "dispatched",
            dispatch,
            priority=1,
            due_at=due,
            yellow_at=due,
        )
        _notify(case, "queue.new", advisor)
    with transaction.atomic():
        Task.objects.filter(pk=advise.pk).update(
            status=STATUS.ASSIGNED, owner=advisor, assigned=timezone.now()
        )
        # the first claim opens the advice's window: the clock and its reminders move
        Clock.objects.filter(pk=clock.pk).update(due_at=due, yellow_at=due, claim_amount=None)
        Timer.objects.filter(clock=clock, fired_at__isnull=True).update(due_at=due)
        AuditEntry.objects.create(
            case=case,
            actor=advisor,
            action=AuditAction.CLAIMED,
            name="advise_tax",
            task_id=advise.pk,
            subject=advisor,
        )
        CaseParticipant.objects.create(case=case, person=advisor)
        _step(case, advisor, "claim", "dispatched", "claimed", None, due_at=due, yellow_at=due)
        _notify(case, "case.claimed", liaison)
    with transaction.atomic():
        Advice.objects.create(case=case, specialty="tax", author=advisor, text="依据相关法规出具专业意见。")
        _done(advise, clock)
        *_gateways, joint = _tasks(
            process,
            advise,
            (Flow.join, STATUS.DONE, None),
            (Flow.begin_consultation, STATUS.DONE, None),
            (Flow.joint_session, STATUS.ASSIGNED, liaison),
        )
        (clock,) = _clocks(case, joint)
        _step(case, advisor, "consult", "claimed", "consulting", advise, due_at=due, yellow_at=due)
        _notify(case, "task.assigned", liaison)
    with transaction.atomic():
        Meeting.objects.create(
            case=case,
            created_by=liaison,
            scheduled_at=due,
            place="三师助企工作站",
            departments="税务局, 司法局",
            minutes="资源对接会商。",
            decisions="联合出具解决方案。",
            held=True,
        )
        _done(joint, clock)
        (resolution,) = _tasks(process, joint, (Flow.resolution, STATUS.ASSIGNED, liaison))
        (clock,) = _clocks(case, resolution)
        _step(case, liaison, "conclude", "consulting", "resolving", joint, due_at=due, yellow_at=due)
    with transaction.atomic():
        HelpRequestDetail.objects.filter(case=case).update(
            solution="完成税务筹划并代办申报。", proxy_service_done=True
        )
        _done(resolution, clock)
        (feedback,) = _tasks(process, resolution, (Flow.feedback, STATUS.ASSIGNED, liaison))
        (clock,) = _clocks(case, feedback)
        SatisfactionLink.objects.create(
            case=case,
            task_id=feedback.pk,
            step="feedback",
            digest=secret_digest(link_token_new()),
            expires_at=timezone.now() + timedelta(days=7),
        )
        _sms(case, SmsPurpose.SATISFACTION, fields["contact_phone"])
        _step(case, liaison, "resolve", "resolving", "feedback", resolution, due_at=due, yellow_at=due)
        _notify(case, "case.resolve", advisor)
    with transaction.atomic():
        HelpRequestDetail.objects.filter(case=case).update(rating=5, rating_comment="非常满意")
        _done(feedback, clock)
        (assess,) = _tasks(process, feedback, (Flow.assess, STATUS.NEW, None))
        (clock,) = _clocks(case, assess)
        _step(case, liaison, "rate", "feedback", "commending", feedback, due_at=due, yellow_at=due)
        _notify(case, "case.rate", advisor)
        _notify(case, "queue.new", *supervisors)
    supervisor = supervisors[0]
    with transaction.atomic():
        Task.objects.filter(pk=assess.pk).update(
            status=STATUS.ASSIGNED, owner=supervisor, assigned=timezone.now()
        )
        AuditEntry.objects.create(
            case=case,
            actor=supervisor,
            action=AuditAction.CLAIMED,
            name="assess",
            task_id=assess.pk,
            subject=supervisor,
        )
        CaseParticipant.objects.create(case=case, person=supervisor)
        _notify(case, "case.claimed", liaison)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            case=case,
            steps_total=5,
            steps_on_time=5,
            satisfaction=5,
            quality_score=5,
            comment="及时高效",
            assessed_by=supervisor,
        )
        PointAward.objects.bulk_create(
            [
                PointAward(assessment=assessment, person=liaison, points=63, breakdown="5×10+5+8"),
                PointAward(assessment=assessment, person=advisor, points=33, breakdown="1×20+5+8"),
            ]
        )
        _done(assess, clock)
        Clock.objects.filter(pk=case_clock.pk).update(stopped_at=timezone.now())
        _tasks(process, assess, (Flow.end, STATUS.DONE, None))
        CaseProcess.objects.filter(pk=process.pk).update(status=PROCESS.DONE, finished=timezone.now())
        _step(
            case,
            supervisor,
            "commend",
            "commending",
            "closed",
            assess,
            closed_at=timezone.now(),
            due_at=None,
            yellow_at=None,
        )
        _notify(case, "case.commend", liaison, advisor)
        _notify(case, "points.awarded", liaison, advisor)
    return case
