"""Every event type, once: its text, who hears it and whether boards show it.

The text is a translatable template filled from the notification's stored parameters when it is read, in the
reader's language. ``board`` types are pushed to the boards of the case's unit and every unit above it together
with their audit row, and replayed from that row (``cases.events`` maps audit rows to these types, for both).
``hears`` says who the emitting service must name as recipients; ``Hears.NOBODY`` types notify nobody.
"""

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Hears(StrEnum):
    NOBODY = "nobody"  # boards only
    FOLLOWERS = "followers"  # who registered the case and everyone who holds or held one of its tasks
    REGISTRANT = "registrant"  # who registered the case
    OWNER = "owner"  # the person a task is (or was) with
    TAKERS = "takers"  # everyone who may take a waiting task
    OWNER_OR_TAKERS = "owner_or_takers"  # the task's owner, or its takers while it waits in a queue
    NAMED = "named"  # the people the step names: attendees, people awarded points, people a note @mentions
    # the supervisors of the nearest unit above the case's that has any (the automatic 督办)
    SUPERVISORS_ABOVE = "supervisors_above"
    # the supervisors of the nearest unit that has any, the case's own or one above it (an extension request)
    SUPERVISORS = "supervisors"
    # the people of the unit a return (退回) went to who decide it: its workers of the kind, its own supervisors
    DECIDERS = "deciders"
    RETURNER = "returner"  # who sent the return back (退回)
    # whoever works the case now: its unit's mediators or liaison officers and whoever holds one of its open
    # steps (who must reply to a supervision order)
    ANSWERERS = "answerers"
    # a supervision order's issuer (the supervisors of its issuing unit for an order the system issued), and the
    # issuers of the orders it was escalated from
    ISSUERS = "issuers"
    # the supervisors of the unit an order escalates to, and whoever works the case (an overdue order at the
    # top: the supervisors of its issuing unit, and whoever works the case)
    ESCALATION = "escalation"
    # honours (no case): the supervisors one level above the nominating unit (an administrator at the top)
    APPROVERS = "approvers"
    HONOURED = "honoured"  # the nominee and who nominated them
    NOMINATOR = "nominator"  # who nominated


class EventType(StrEnum):
    text: Promise
    hears: Hears
    board: bool

    def __new__(cls, value: str, text: Promise, hears: Hears, board: bool) -> "EventType":
        member = str.__new__(cls, value)
        member._value_ = value
        member.text = text
        member.hears = hears
        member.board = board
        return member

    # ---- intake and tasks
    CASE_REGISTERED = "case.registered", _("Case %(reference)s was registered"), Hears.NOBODY, True
    QUEUE_NEW = "queue.new", _("New in your queue: %(reference)s · %(step)s"), Hears.TAKERS, False
    TASK_ASSIGNED = "task.assigned", _("%(reference)s · %(step)s is now yours"), Hears.OWNER, True
    TASK_REASSIGNED_AWAY = (
        "task.reassigned_away",
        _("%(reference)s · %(step)s was reassigned to %(person)s"),
        Hears.OWNER,
        False,
    )
    TASK_RELEASED = (
        "task.released",
        _("%(reference)s · %(step)s was taken from you and put back in the queue"),
        Hears.OWNER,
        True,
    )
    TASK_COMPLETED = "task.completed", _("%(reference)s · a step was completed"), Hears.NOBODY, True
    CASE_CLAIMED = (
        "case.claimed",
        _("Your case %(reference)s was claimed by %(person)s"),
        Hears.REGISTRANT,
        True,
    )
    # ---- the case's transitions (``case.<transition>``)
    CASE_TRIAGE = "case.triage", _("Case %(reference)s was triaged"), Hears.NOBODY, True
    CASE_CONVENE = "case.convene", _("A consultation on %(reference)s was called"), Hears.NOBODY, True
    CASE_CONCLUDE = "case.conclude", _("The consultation on %(reference)s concluded"), Hears.NOBODY, True
    CASE_RESOLVE = "case.resolve", _("Case %(reference)s was resolved"), Hears.FOLLOWERS, True
    CASE_CONFIRM = "case.confirm", _("The applicant of %(reference)s is satisfied"), Hears.NOBODY, True
    CASE_REOPEN = (
        "case.reopen",
        _("Case %(reference)s was reopened after a dissatisfied follow-up"),
        Hears.FOLLOWERS,
        True,
    )
    CASE_DISPATCH = "case.dispatch", _("Case %(reference)s is in the work list"), Hears.NOBODY, True
    CASE_CLAIM = "case.claim", _("Case %(reference)s was claimed"), Hears.NOBODY, True
    CASE_RELEASE = "case.release", _("Case %(reference)s is back in the work list"), Hears.NOBODY, True
    CASE_CONSULT = "case.consult", _("Every specialty answered on %(reference)s"), Hears.NOBODY, True
    CASE_RATE = "case.rate", _("Feedback on %(reference)s: %(rating)s of 5"), Hears.FOLLOWERS, True
    CASE_COMMEND = "case.commend", _("Case %(reference)s was assessed and closed"), Hears.FOLLOWERS, True
    CASE_REJECT = "case.reject", _("Case %(reference)s was rejected"), Hears.FOLLOWERS, True
    CASE_REFER = "case.refer", _("Case %(reference)s was referred to %(to)s"), Hears.FOLLOWERS, True
    CASE_ESCALATE = "case.escalate", _("Case %(reference)s was escalated to %(unit)s"), Hears.FOLLOWERS, True
    CASE_WITHDRAW = "case.withdraw", _("Case %(reference)s was withdrawn"), Hears.FOLLOWERS, True
    # The returns' transitions are board events; who must act hears ``return.received``.
    CASE_SEND_BACK = "case.send_back", _("Case %(reference)s was sent back to %(unit)s"), Hears.NOBODY, True
    CASE_REFER_BACK = (
        "case.refer_back",
        _("Case %(reference)s came back from its referral and waits for triage at %(unit)s"),
        Hears.NOBODY,
        True,
    )
    # ---- returns (退回)
    RETURN_RECEIVED = (
        "return.received",
        _("%(reference)s was returned to %(unit)s (%(code)s): re-dispatch it or uphold the return"),
        Hears.DECIDERS,
        False,
    )
    RETURN_DECIDED = (
        "return.decided",
        _("Your return of %(reference)s was decided by %(unit)s: %(decision)s"),
        Hears.RETURNER,
        False,
    )
    # ---- the party's own answer through their satisfaction link (the step's holder completed it)
    PARTY_RATED = (
        "party.rated",
        _("The party rated %(reference)s through their link: %(rating)s of 5"),
        Hears.OWNER,
        False,
    )
    # ---- the mediation agreement: day 20 of the 30 in which its parties may apply for 司法确认
    AGREEMENT_CONFIRMATION = (
        "agreement.confirmation",
        _(
            "%(reference)s: the agreement signed on %(signed_on)s may be confirmed by the court until "
            "%(last_day)s; remind the parties to apply together"
        ),
        Hears.NAMED,
        False,
    )
    # ---- meetings, points, deadlines (a step's clock turning yellow, then red, then the automatic 督办)
    MEETING_INVITED = (
        "meeting.invited",
        _("You are invited to the consultation on %(reference)s: %(when)s, %(place)s"),
        Hears.NAMED,
        False,
    )
    POINTS_AWARDED = (
        "points.awarded",
        _("You earned %(points)s points for case %(reference)s"),
        Hears.NAMED,
        False,
    )
    # A step turning yellow or red is a board event too (its audit row, ``due_soon`` / ``overdue``): the light
    # changes with time, not only with acts, and open boards refresh their counts of yellow and red cases.
    DEADLINE_NEAR = (
        "deadline.near",
        _("%(reference)s · %(step)s is due by %(due)s"),
        Hears.OWNER_OR_TAKERS,
        True,
    )
    DEADLINE_PASSED = (
        "deadline.passed",
        _("%(reference)s · %(step)s is overdue since %(due)s"),
        Hears.OWNER_OR_TAKERS,
        True,
    )
    DEADLINE_SUPERVISED = (
        "deadline.supervised",
        _(
            "Please supervise (督办): %(reference)s · %(step)s at %(unit)s is overdue since %(due)s; a "
            "supervision order was issued on your unit's behalf, reply due by %(reply_due)s"
        ),
        Hears.SUPERVISORS_ABOVE,
        False,
    )
    # ---- supervision orders (督办单)
    ORDER_ISSUED = (
        "order.issued",
        _("Supervision order (督办单) on %(reference)s from %(unit)s: reply by %(due)s"),
        Hears.ANSWERERS,
        True,
    )
    ORDER_ANSWERED = (
        "order.answered",
        _("%(person)s replied to the supervision order on %(reference)s"),
        Hears.ISSUERS,
        True,
    )
    ORDER_ESCALATED = (
        "order.escalated",
        _(
            "The supervision order on %(reference)s had no reply by %(overdue)s: escalated to %(unit)s, reply "
            "by %(due)s"
        ),
        Hears.ESCALATION,
        True,
    )
    ORDER_OVERDUE = (
        "order.overdue",
        _("The supervision order on %(reference)s from %(unit)s had no reply by %(overdue)s"),
        Hears.ESCALATION,
        True,
    )

    # ---- notes on a case (备注): whoever a note @mentions hears of it
    NOTE_MENTIONED = (
        "note.mentioned",
        _("%(person)s mentioned you in a note on %(reference)s"),
        Hears.NAMED,
        False,
    )

    # ---- extension requests (延期申请): asked by a step's holder, decided by a supervisor of the case's unit
    EXTENSION_ASKED = (
        "extension.asked",
        _("%(reference)s · %(step)s: %(person)s asks to extend its due moment from %(due)s to %(requested)s"),
        Hears.SUPERVISORS,
        False,
    )
    EXTENSION_APPROVED = (
        "extension.approved",
        _("%(reference)s · %(step)s: your extension request was approved; it is now due by %(due)s"),
        Hears.OWNER,  # who asked (they held the step then)
        False,
    )
    EXTENSION_REFUSED = (
        "extension.refused",
        _("%(reference)s · %(step)s: your extension request was refused; it is still due by %(due)s"),
        Hears.OWNER,
        False,
    )

    # ---- honours (三师先锋 and commendations): about no case; ``link`` leads to the nomination
    NOMINATION_SUBMITTED = (
        "nomination.submitted",
        _("%(nominator)s nominated %(person)s for %(honour)s %(year)s: approve or refuse it"),
        Hears.APPROVERS,
        False,
    )
    NOMINATION_APPROVED = (
        "nomination.approved",
        _("%(person)s was named %(honour)s %(year)s (approved by %(approver)s)"),
        Hears.HONOURED,
        False,
    )
    NOMINATION_REFUSED = (
        "nomination.refused",
        _("Your nomination of %(person)s for %(honour)s %(year)s was refused: %(reason)s"),
        Hears.NOMINATOR,
        False,
    )

    @classmethod
    def of_transition(cls, name: str) -> "EventType":
        """``case.<transition>``: a transition without a type is a ``ValueError``, never a silent no-op."""
        return cls(f"case.{name}")  # type: ignore[call-arg]  # a lookup by value, not the members' __new__

    def render(self, params: dict) -> str:
        """The text in the active language, its translatable parameters too (``events.stored_params``); a
        parameter missing from old rows shows as empty."""
        translated = params.get("_translated", ())
        values = {name: gettext(value) if name in translated else value for name, value in params.items()}
        return str(self.text) % _Defaulting(values)


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return ""
