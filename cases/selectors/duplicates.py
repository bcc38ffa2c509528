"""重复件 at intake: the earlier cases a new one may repeat, shown to the registering worker before it is saved.

A possible duplicate is a case of the same kind, registered in the unit the new case goes to or below it, within
``WINDOW_DAYS`` (open or closed), that the worker may see (``rules.sees_case_cases_q``), and that has

- the same party: a dispute's applicant mobile (compared as digits, a leading +86 dropped) or ID number; a help
  request's 统一社会信用代码 or contact mobile; or
- a similar description: trigram similarity at least ``DUPLICATE_SIMILARITY`` (0.5 by default). On PostgreSQL
  that is pg_trgm's ``%`` operator with its threshold set to it for the query (``pg_trgm.similarity_threshold``,
  local to the transaction), served by the GIN trigram index ``case_description_trgm`` (migration ``0018``)
  and, for a subtree of several units, planned for the very text and subtree (``_text_query_settings``);
  elsewhere (SQLite) the same score computed in Python (``similarity``: pg_trgm's words, padding and set
  arithmetic) over the ``CANDIDATES`` newest cases in reach. Why not pg_trgm's default 0.3: Chinese text has
  no spaces, so a whole clause is one "word" and every character starts a trigram; stock phrases (要求赔偿损失,
  多次协商未果) then carry unrelated complaints past 0.3, and the index hands thousands of candidates to the
  recheck. A repeat of the same complaint scores well above 0.5 (and the same party is matched anyway).

At most ``LIMIT`` cases, those of the same party first, then the most similar. The answer names cases and why
they matched, never the parties' details: pages and the API show references, states and dates.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import F, Lookup, Q, QuerySet, TextField, Value
from django.utils import timezone

from cases import rules
from cases.models import Case, CaseKind, Unit, User

WINDOW_DAYS = 90
LIMIT = 5
CANDIDATES = 500  # the SQLite fallback scores at most this many recent cases


class Reason:
    PHONE = "phone"
    ID_NUMBER = "id_number"
    CREDIT_CODE = "credit_code"
    TEXT = "text"


@dataclass
class PossibleDuplicate:
    case: Case
    reasons: list[str] = field(default_factory=list)
    similarity: float = 0.0


@TextField.register_lookup
class TrigramSimilar(Lookup):
    """``description %% text``: pg_trgm's similarity operator, which its GIN index serves (PostgreSQL only)."""

    lookup_name = "tx_trigram_similar"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} %% {rhs}", [*lhs_params, *rhs_params]


def phone_normalised(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each run of letters and digits, lower-cased, padded with two spaces before and one
    after, cut into every three consecutive characters."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity``: shared trigrams over all trigrams of the two."""
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def _reach(*, user: User, unit: Unit, kind: str) -> QuerySet[Case]:
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    return (
        Case.objects.filter(kind=kind, unit__path__startswith=unit.path, created_at__gte=since)
        .filter(rules.sees_case_cases_q(user))
        .select_related("unit")
    )


def _same_party(reach: QuerySet[Case], *, kind: str, phone: str, id_number: str, credit_code: str) -> dict:
    """{reason: cases} of the same party, each list the newest first."""
    found: dict[str, list[Case]] = {}
    checks: list[tuple[str, Q]] = []
    if kind == CaseKind.DISPUTE:
        if phone:
            checks.append((Reason.PHONE, Q(dispute__applicant_phone=phone)))
        if id_number:
            checks.append((Reason.ID_NUMBER, Q(dispute__applicant_id_number=id_number.upper())))
    else:
        if credit_code:
            checks.append((Reason.CREDIT_CODE, Q(help_request__credit_code=credit_code.strip().upper())))
        if phone:
            checks.append((Reason.PHONE, Q(help_request__contact_phone=phone)))
    for reason, condition in checks:
        found[reason] = list(reach.filter(condition).order_by("-created_at", "-id")[:LIMIT])
    return found


def similarity_threshold() -> float:
    return float(settings.DUPLICATE_SIMILARITY)


def _text_query_settings(threshold: float, *, custom_plan: bool) -> str | None:
    """Set, for the transaction (``is_local``), the ``%`` operator's threshold and, with ``custom_plan``, a
    plan made for this very text and subtree; returns the plan mode it replaced (None: left as it was), which
    ``_plan_mode_restored`` puts back after the query (so the rest of an intake's transaction keeps its
    prepared plans; the threshold matters to nothing else).

    Why the plan mode: on a connection that lives (``DJANGO_CONN_MAX_AGE``, workers, the bench) psycopg
    prepares a statement run five times, and after five more PostgreSQL may keep a generic plan, made without
    the parameters. Not knowing the subtree's path prefix, it guesses one unit: it loops over the units and,
    for each, ANDs the GIN trigram scan with the unit's cases. For one unit (a community, a service station)
    that is the best plan there is (only that unit's candidates are rechecked); for a subtree it runs the
    whole trigram scan once per unit: 6 units, 6 scans, 3–4× the time for a district's supervisor (more
    units, worse). There a custom plan scans the index once and keeps the candidates in the subtree; planning
    it costs about a millisecond."""
    with connection.cursor() as cursor:
        if not custom_plan:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)])
            return None
        cursor.execute(
            "SELECT current_setting('plan_cache_mode'), "
            "set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('plan_cache_mode', 'force_custom_plan', true)",
            [str(threshold)],
        )
        row = cursor.fetchone()
    return row[0]


def _plan_mode_restored(previous: str | None) -> None:
    if previous is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [previous])


def _similar_text(reach: QuerySet[Case], description: str, *, subtree: bool) -> list[tuple[Case, float]]:
    """``subtree``: the reach spans several units (see ``_text_query_settings``)."""
    text = description.strip()
    if not text:
        return []
    threshold = similarity_threshold()
    if connection.vendor == "postgresql":
        previous = _text_query_settings(threshold, custom_plan=subtree)
        rows = list(
            reach.filter(description__tx_trigram_similar=Value(text))
            .annotate(score=TrigramSimilarity("description", text))
            .order_by(F("score").desc(), "-created_at", "-id")[:LIMIT]
        )
        _plan_mode_restored(previous)
        return [(case, float(case.score)) for case in rows]
    recent = list(reach.order_by("-created_at", "-id")[:CANDIDATES])
    scored = [(case, similarity(text, case.description)) for case in recent]
    scored = [(case, score) for case, score in scored if score >= threshold]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].created_at.timestamp(), -pair[0].pk))
    return scored[:LIMIT]


def duplicates_for_intake(
    *,
    user: User,
    unit: Unit,
    kind: str,
    description: str,
    phone: str = "",
    id_number: str = "",
    credit_code: str = "",
) -> list[PossibleDuplicate]:
    """The possible duplicates of a case about to be registered in ``unit`` by ``user`` (see the module)."""
    with transaction.atomic():  # the similarity threshold is set for the text query's transaction only
        return _duplicates(
            user=user,
            unit=unit,
            kind=kind,
            description=description,
            phone=phone,
            id_number=id_number,
            credit_code=credit_code,
        )


def _duplicates(
    *, user: User, unit: Unit, kind: str, description: str, phone: str, id_number: str, credit_code: str
) -> list[PossibleDuplicate]:
    reach = _reach(user=user, unit=unit, kind=kind)
    found: dict[int, PossibleDuplicate] = {}
    same = _same_party(
        reach, kind=kind, phone=phone_normalised(phone), id_number=id_number, credit_code=credit_code
    )
    for reason, cases in same.items():
        for case in cases:
            found.setdefault(case.pk, PossibleDuplicate(case=case)).reasons.append(reason)
    for case, score in _similar_text(reach, description, subtree=unit.numchild > 0):
        duplicate = found.setdefault(case.pk, PossibleDuplicate(case=case))
        duplicate.reasons.append(Reason.TEXT)
        duplicate.similarity = round(score, 2)
    for duplicate in found.values():
        if not duplicate.similarity:
            duplicate.similarity = round(similarity(description, duplicate.case.description), 2)
    ordered = sorted(
        found.values(),
        key=lambda d: (Reason.TEXT in d.reasons and len(d.reasons) == 1, -d.similarity, -d.case.pk),
    )
    return ordered[:LIMIT]


def duplicates_of_intake_data(*, user: User, unit: Unit, kind: str, data: dict) -> list[PossibleDuplicate]:
    """The same from an intake form's cleaned data."""
    if kind == CaseKind.DISPUTE:
        return duplicates_for_intake(
            user=user,
            unit=unit,
            kind=kind,
            description=data.get("description", ""),
            phone=data.get("applicant_phone", ""),
            id_number=data.get("applicant_id_number", ""),
        )
    return duplicates_for_intake(
        user=user,
        unit=unit,
        kind=kind,
        description=data.get("description", ""),
        phone=data.get("contact_phone", ""),
        credit_code=data.get("credit_code", ""),
    )
