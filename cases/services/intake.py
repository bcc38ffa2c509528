"""Registering a case: the reference number, the case row and its details, validated before anything is saved."""

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.errors import InvalidInput, NotAllowed
from cases.events import case_event
from cases.models import (
    AuditAction,
    Brand,
    Case,
    CaseKind,
    CaseState,
    DisputeDetail,
    HelpRequestDetail,
    ReferenceCounter,
    Specialty,
    Unit,
    User,
)
from cases.selectors.duplicates import duplicates_of_intake_data
from cases.services.audit import audit_write
from cases.services.cards import card_redeem
from cases.services.tracking import receipt_issue
from cases.transactions import in_transaction
from notifications.events import row_later
from notifications.types import EventType


def intake_unit(*, actor: User, unit: Unit | None, kind: str) -> Unit:
    """Where the case is registered: the caller's unit, or a unit a supervisor names below them
    (``rules.may_register``); a refusal otherwise."""
    target = unit or actor.unit
    if target is None:
        raise NotAllowed(_("You belong to no unit and cannot register cases."))
    if not rules.may_register(actor, target, kind):
        raise NotAllowed(_("You may not register this kind of case in %(unit)s.") % {"unit": target.name})
    return target


def specialties_refuse_invalid(specialties: list[str]) -> None:
    if not specialties:
        raise InvalidInput(_("Choose at least one specialty."), field="specialties")
    unknown = [s for s in specialties if s not in Specialty.values]
    if unknown:
        raise InvalidInput(
            _("Unknown specialty: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}, field="specialties"
        )


def reference_next() -> str:
    """TX-2026-000123: a per-year sequence. One upsert statement takes the next number: the row lock it holds
    until commit keeps two intakes from sharing one (PostgreSQL and SQLite ≥ 3.35 both speak it)."""
    year = timezone.localdate().year
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"TX-{year}-{last:06d}"


# The reference and state are the service's own; unit and actor are rows in hand (no existence query needed).
CASE_NOT_CLEANED = ["reference", "state", "unit", "created_by"]


def _new_case(*, kind: str, brand: str, state: str, unit: Unit, actor: User, **fields: object) -> Case:
    """The case row before its reference is taken (the reference comes last, once everything is valid)."""
    return Case(
        kind=kind,
        brand=brand,
        state=state,
        unit=unit,
        created_by=actor,
        reference="TX-0000-000000",
        **fields,  # channel, priority, description: checked by full_clean
    )


def _clean_or_refuse(instance, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise InvalidInput(messages[0], field=field) from error


@in_transaction
def dispute_create(
    *,
    actor: User,
    unit: Unit,
    category: str,
    description: str,
    channel: str,
    applicant_name: str,
    applicant_phone: str,
    applicant_id_number: str = "",
    respondent_name: str = "",
    respondent_phone: str = "",
    grid: str = "",
    may_escalate: bool = False,
    priority: int | None = None,
) -> Case:
    case = _new_case(
        kind=CaseKind.DISPUTE,
        brand=Brand.TONGXIN_JIEFANG,
        state=CaseState.REGISTERED,
        unit=unit,
        actor=actor,
        channel=channel,
        priority=priority or (3 if may_escalate else 1),
        description=description,
    )
    detail = DisputeDetail(
        category=category,
        grid=grid,
        applicant_name=applicant_name,
        applicant_phone=applicant_phone,
        applicant_id_number=applicant_id_number.upper(),
        respondent_name=respondent_name,
        respondent_phone=respondent_phone,
        may_escalate=may_escalate,
    )
    _clean_or_refuse(case, exclude=CASE_NOT_CLEANED)
    _clean_or_refuse(detail, exclude=["case"])
    case.reference = reference_next()
    case.save()
    detail.case = case
    row_later(detail)  # with the command's batch: the case holds it in memory
    _registered(case=case, actor=actor)
    receipt_issue(case=case, actor=actor, new_case=True)
    return case


@in_transaction
def help_request_create(
    *,
    actor: User,
    unit: Unit,
    enterprise_name: str,
    credit_code: str,
    contact_name: str,
    contact_phone: str,
    specialties: list[str],
    description: str,
    channel: str,
    card_code: str = "",
    priority: int = 1,
) -> Case:
    specialties_refuse_invalid(specialties)
    case = _new_case(
        kind=CaseKind.HELP_REQUEST,
        brand=Brand.XIANGTAI_NUANXIN,
        state=CaseState.SUBMITTED,
        unit=unit,
        actor=actor,
        channel=channel,
        priority=priority,
        description=description,
    )
    detail = HelpRequestDetail(
        enterprise_name=enterprise_name,
        credit_code=credit_code.strip().upper(),
        contact_name=contact_name,
        contact_phone=contact_phone,
        specialties=list(dict.fromkeys(specialties)),
    )
    _clean_or_refuse(case, exclude=CASE_NOT_CLEANED)
    _clean_or_refuse(detail, exclude=["case", "card"])
    case.reference = reference_next()
    case.save()
    _registered(case=case, actor=actor)
    detail.case = case
    if card_code:
        detail.card = card_redeem(code=card_code, case=case, actor=actor)
    row_later(detail)  # with the command's batch: the case holds it in memory
    receipt_issue(case=case, actor=actor, new_case=True)
    return case


@in_transaction
def duplicate_chosen(*, actor: User, unit: Unit, kind: str, fields: dict, reference: str) -> Case | None:
    """The case a new one is registered as a repeat of (重复件): one of its possible duplicates as the worker was
    shown them (``cases.selectors.duplicates``), named by reference; a refusal for any other. Checked before
    anything is written."""
    if not reference:
        return None
    for duplicate in duplicates_of_intake_data(user=actor, unit=unit, kind=kind, data=fields):
        if duplicate.case.reference == reference:
            return duplicate.case
    raise InvalidInput(
        _("A case can be registered as a repeat only of one of its possible duplicates."),
        field="duplicate_of",
    )


@in_transaction
def case_link_duplicate(*, case: Case, original: Case, actor: User) -> None:
    """Record ``case`` as a repeat of ``original``; both timelines say so."""
    case.duplicate_of = original
    case.save(update_fields=["duplicate_of"])
    audit_write(
        case=case,
        actor=actor,
        action=AuditAction.DUPLICATE_LINKED,
        name="repeat_of",
        reason=original.reference,
    )
    audit_write(
        case=original,
        actor=actor,
        action=AuditAction.DUPLICATE_LINKED,
        name="repeated_by",
        reason=case.reference,
    )


def _registered(*, case: Case, actor: User) -> None:
    registered = audit_write(
        case=case, actor=actor, action=AuditAction.REGISTERED, name="register", to_state=case.state
    )
    case_event(type=EventType.CASE_REGISTERED, case=case, actor=actor, audit=registered)
