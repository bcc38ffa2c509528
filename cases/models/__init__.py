from cases.models.advice import Advice
from cases.models.agreement import (
    AgreementParty,
    AgreementTerm,
    MediationAgreement,
    PartyRole,
    Performance,
)
from cases.models.attachments import Attachment, AttachmentType
from cases.models.audit import AuditAction, AuditEntry
from cases.models.board import BOARD_COUNT_SLOTS, BoardCount, BoardDue
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
from cases.models.extensions import ExtensionRequest, ExtensionState
from cases.models.kinds import CaseKind
from cases.models.meetings import Meeting
from cases.models.notes import CaseNote
from cases.models.orders import OrderState, SupervisionOrder
from cases.models.org import OrganisationType, Role, Specialty, Unit, UnitKind, User
from cases.models.participants import CaseParticipant
from cases.models.returns import CaseReturn, ReturnDecision, ReturnKind, ReturnReason
from cases.models.satisfaction import SatisfactionLink
from cases.models.sms import SmsMessage, SmsPurpose, SmsStatus
from cases.models.tracking import PublicNote, PublicStage, TrackingCode
from cases.models.worklists import Worklist, WorklistOrder, WorklistPreference

__all__ = [
    "BOARD_COUNT_SLOTS",
    "BoardCount",
    "BoardDue",
    "Advice",
    "AgreementParty",
    "AgreementTerm",
    "MediationAgreement",
    "PartyRole",
    "Performance",
    "Assessment",
    "Attachment",
    "AttachmentType",
    "AuditAction",
    "AuditEntry",
    "Brand",
    "CalendarDay",
    "CardBatch",
    "CardRedemption",
    "Case",
    "CaseKind",
    "CaseNote",
    "CaseParticipant",
    "CaseReturn",
    "CaseState",
    "Category",
    "Channel",
    "Clock",
    "CountedFrom",
    "DeadlinePolicy",
    "DayKind",
    "DisputeDetail",
    "ExperienceCard",
    "ExtensionRequest",
    "ExtensionState",
    "FollowUpAnswer",
    "HelpRequestDetail",
    "Light",
    "Meeting",
    "OrganisationType",
    "OrderState",
    "PointAward",
    "Priority",
    "PublicNote",
    "PublicStage",
    "ReferenceCounter",
    "ReturnDecision",
    "ReturnKind",
    "ReturnReason",
    "Role",
    "SatisfactionLink",
    "SmsMessage",
    "SmsPurpose",
    "SmsStatus",
    "Specialty",
    "SupervisionOrder",
    "TimeUnit",
    "Timer",
    "TimerKind",
    "TrackingCode",
    "Unit",
    "UnitKind",
    "User",
    "Worklist",
    "WorklistOrder",
    "WorklistPreference",
]
