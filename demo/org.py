"""Demo data from the seed report: the Taizhou unit tree, the people, a batch of 体验卡 and cases in every state.

``load_demo`` is idempotent: the organisation and people are matched by name; cases are only made when the
demo has none yet. Every case is moved by the real services, so flows, states and audit rows agree.
"""

from datetime import date, timedelta
from typing import TypeAlias

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cases.models import CardBatch, Case, ExperienceCard, Role, Unit, UnitKind, User
from cases.validators import credit_code_check_character

DEMO_PASSWORD = "tongxin-demo"

# name, kind, brand, children
UnitSpec: TypeAlias = tuple[str, UnitKind, str, list["UnitSpec"]]
TREE: UnitSpec = (
    "泰州市", UnitKind.CITY, "", [
        ("泰兴市", UnitKind.DISTRICT, "", [
            ("济川街道", UnitKind.STREET, "", [
                ("祥泰社区", UnitKind.COMMUNITY, "泰新青英荟", []),
            ]),
            ("泰兴城区工业园区", UnitKind.PARK, "", [
                ("泰兴城区工业园区三师助企工作站", UnitKind.STATION, "祥泰暖心", []),
            ]),
            ("三师服务分团", UnitKind.STUDIO, "", []),
        ]),
        ("海陵区", UnitKind.DISTRICT, "", [
            ("城西街道", UnitKind.STREET, "", [
                ("成蹊新联之家", UnitKind.STUDIO, "成蹊新联之家", []),
            ]),
            ("海陵区政法综合服务中心", UnitKind.STREET, "", [
                ("e呼百应工作室", UnitKind.STUDIO, "e呼百应", []),
            ]),
        ]),
    ],
)  # fmt: skip

# username, display name, roles, unit, specialty, pool
PEOPLE = [
    ("mediator", "王调解", [Role.MEDIATOR], "祥泰社区", "", None),
    ("mediator2", "李调解", [Role.MEDIATOR], "祥泰社区", "", None),
    ("mediator_street", "赵调解", [Role.MEDIATOR], "济川街道", "", None),
    ("mediator_chengxi", "孙调解", [Role.MEDIATOR], "成蹊新联之家", "", None),
    ("liaison", "陈专员", [Role.LIAISON], "泰兴城区工业园区三师助企工作站", "", None),
    ("lawyer", "周律师", [Role.PROFESSIONAL], "三师服务分团", "legal", "泰兴市"),
    ("lawyer2", "吴律师", [Role.PROFESSIONAL], "三师服务分团", "legal", "泰兴市"),
    ("accountant", "郑会计师", [Role.PROFESSIONAL], "三师服务分团", "accounting", "泰兴市"),
    ("tax_advisor", "冯税务师", [Role.PROFESSIONAL], "三师服务分团", "tax", "泰兴市"),
    ("supervisor", "钱部长", [Role.SUPERVISOR], "泰州市", "", None),
    ("supervisor_taixing", "蒋部长", [Role.SUPERVISOR], "泰兴市", "", None),
    ("supervisor_hailing", "沈部长", [Role.SUPERVISOR], "海陵区", "", None),
    ("admin", "系统管理员", [Role.ADMINISTRATOR], "泰州市", "", None),
]

LOGINS = [
    ("mediator", "社区调解员 · 祥泰社区"),
    ("liaison", "联络专员 · 泰兴城区工业园区三师助企工作站"),
    ("lawyer", "律师 · 三师服务分团（服务泰兴市）"),
    ("accountant", "注册会计师 · 三师服务分团（服务泰兴市）"),
    ("tax_advisor", "税务师 · 三师服务分团（服务泰兴市）"),
    ("supervisor", "统战部 · 泰州市（全市）"),
    ("supervisor_hailing", "统战部 · 海陵区"),
    ("admin", "系统管理员"),
]


def _ensure_units(spec: UnitSpec, parent: Unit | None = None) -> None:
    name, kind, brand, children = spec
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        fields = {"name": name, "kind": kind, "brand_name": brand}
        unit = Unit.objects.add_child(parent, fields) if parent else Unit.objects.add_root(fields)
    for child in children:
        _ensure_units(child, unit)


def build_org() -> dict[str, User]:
    """The unit tree, role groups and demo people (idempotent)."""
    from demo.honours import mark_units

    _ensure_units(TREE)
    mark_units()
    units = {unit.name: unit for unit in Unit.objects.all()}
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    people = {}
    for username, display, roles, unit, specialty, pool in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_password(DEMO_PASSWORD)
        user.display_name = display
        user.unit = units[unit]
        user.specialty = specialty
        user.pool = units[pool] if pool else None
        user.is_staff = user.is_superuser = username == "admin"
        user.save()
        user.groups.set([groups[role] for role in roles])
        people[username] = User.objects.get(pk=user.pk)  # fresh: no cached roles
    return people


def build_cards() -> None:
    station = Unit.objects.get(name="泰兴城区工业园区三师助企工作站")
    today = timezone.localdate()
    batch, _ = CardBatch.objects.get_or_create(
        name="银杏深处是家乡·三师服务体验卡 2026",
        defaults={
            "unit": station,
            "issued_on": today - timedelta(days=30),
            "expires_on": today + timedelta(days=335),
            "services_per_card": 3,
        },
    )
    for number, (enterprise, _code) in enumerate(ENTERPRISES, start=1):
        ExperienceCard.objects.get_or_create(
            code=f"TXK-{number:04d}",
            defaults={
                "batch": batch,
                "enterprise_name": enterprise,
                "services_left": batch.services_per_card,
                "expires_on": batch.expires_on,
            },
        )
    ExperienceCard.objects.get_or_create(
        code="TXK-EXPIRED",
        defaults={
            "batch": batch,
            "enterprise_name": "泰兴市旧卡示例有限公司",
            "services_left": 3,
            "expires_on": date(2024, 12, 31),
        },
    )


def credit_code(prefix16: str) -> str:
    """A valid 统一社会信用代码 from its first 16 characters (the 17th is 0, the 18th the check character)."""
    first17 = prefix16 + "0"
    return first17 + credit_code_check_character(first17)


# Demo enterprises of 泰兴城区工业园区, each with a valid 统一社会信用代码.
ENTERPRISES = [
    (name, credit_code(prefix))
    for name, prefix in (
        ("泰兴市银杏精密机械有限公司", "91321283MA1NABCD"),
        ("泰兴市祥泰新材料科技有限公司", "91321283MA2XYW12"),
        ("江苏泰兴城区电子元件有限公司", "91321283MA1Q7K3P"),
        ("泰兴市济川食品有限公司", "91321283MA20LM45"),
    )
]


def load(*, with_cases: bool = True) -> dict[str, User]:
    with transaction.atomic():
        people = build_org()
        build_cards()
    if with_cases and not Case.objects.exists():
        from demo.lifecycles import build_cases

        # Each case goes through the real commands, each its own transaction (they are durable): a failure
        # half-way leaves the cases made so far, and a rerun keeps them (``make clean`` starts afresh).
        build_cases(people)
    if with_cases:
        from demo.history import history_load
        from reports.figures import figures_refresh

        # A year of closed cases for the reports, copied in bulk from the closed cases just made (once).
        history_load(people)
        figures_refresh()

        from demo.honours import build_honours

        build_honours(people)  # after the cases: the figures count them
    return people
