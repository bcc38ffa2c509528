from cases.models.advice import Advice
from cases.models.audit import AuditAction, AuditEntry
from cases.models.calendar import CalendarDay, DayKind
from cases.models.cards import CardBatch, CardRedemption, ExperienceCard
from cases.models.case import (
    Brand,
    Case,
    CaseState,
    Category,
    Channel,
    DisputeDetail,
    FollowUpAnswer,
    HelpRequestDetail,
    Priority,
    ReferenceCounter,
)
from cases.models.clocks import (
    Clock,
    CountedFrom,
    DeadlinePolicy,
    Light,
    Timer,
    TimerKind,
    TimeUnit,
)
from cases.models.commendation import Assessment, PointAward
from cases.models.kinds import CaseKind
from cases.models.meetings import Meeting
from cases.models.org import Role, Specialty, Unit, UnitKind, User
from cases.models.participants import CaseParticipant
from cases.models.satisfaction import SatisfactionLink
from cases.models.sms import SmsMessage, SmsPurpose, SmsStatus
from cases.models.tracking import PublicNote, PublicStage, TrackingCode

__all__ = [
    "Advice",
    "Assessment",
    "AuditAction",
    "AuditEntry",
    "Brand",
    "CalendarDay",
    "CardBatch",
    "CardRedemption",
    "Case",
    "CaseKind",
    "CaseParticipant",
    "CaseState",
    "Category",
    "Channel",
    "Clock",
    "CountedFrom",
    "DeadlinePolicy",
    "DayKind",
    "DisputeDetail",
    "ExperienceCard",
    "FollowUpAnswer",
    "HelpRequestDetail",
    "Light",
    "Meeting",
    "PointAward",
    "Priority",
    "PublicNote",
    "PublicStage",
    "ReferenceCounter",
    "Role",
    "SatisfactionLink",
    "SmsMessage",
    "SmsPurpose",
    "SmsStatus",
    "Specialty",
    "TimeUnit",
    "Timer",
    "TimerKind",
    "TrackingCode",
    "Unit",
    "UnitKind",
    "User",
]
