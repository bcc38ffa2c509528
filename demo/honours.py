"""Demo honours: the organisation types of the demo units, a few nominations (approved, refused, pending),
the 六个一 targets and activities of the service team and the associations, and one 五强 and one 六好 sheet.
Made through the real commands, once: nothing is added when the demo has nominations already."""

from datetime import date, timedelta

from django.utils import timezone

from cases.models import OrganisationType, Unit, User
from honours import services
from honours.models import AnnualTask, HonourKind, Nomination

ORGANISATION_TYPES = {
    "三师服务分团": OrganisationType.SERVICE_TEAM,
    "祥泰社区": OrganisationType.NEW_UNION,  # its 社区新联会 "泰新青英荟"
    "成蹊新联之家": OrganisationType.NEW_UNION,
    "e呼百应工作室": OrganisationType.STUDIO,
}


def mark_units() -> None:
    for name, organisation_type in ORGANISATION_TYPES.items():
        Unit.objects.filter(name=name).exclude(organisation_type=organisation_type).update(
            organisation_type=organisation_type
        )


def _day(days_ago: int) -> date:
    today = timezone.localdate()
    return max(date(today.year, 1, 1), today - timedelta(days=days_ago))


def build_honours(people: dict[str, User]) -> None:
    mark_units()
    if Nomination.objects.exists():
        return
    units = {unit.name: unit for unit in Unit.objects.filter(name__in=ORGANISATION_TYPES)}
    year = timezone.localdate().year
    taixing, hailing, city = people["supervisor_taixing"], people["supervisor_hailing"], people["supervisor"]

    approved = services.nomination_create(
        actor=taixing,
        person=people["lawyer"],
        kind=HonourKind.PIONEER,
        year=year,
        citation="全年认领并办结企业法律咨询，按时办结、企业满意，带头开展入园普法。",
    )
    services.nomination_decide(nomination_id=approved.pk, actor=city, approve=True)
    refused = services.nomination_create(
        actor=taixing,
        person=people["tax_advisor"],
        kind=HonourKind.COMMENDATION,
        year=year,
        citation="为园区企业代办税务申报。",
    )
    services.nomination_decide(
        nomination_id=refused.pk, actor=city, approve=False, reason="事迹材料不足，请补充后再报。"
    )
    services.nomination_create(
        actor=hailing,
        person=people["mediator_chengxi"],
        kind=HonourKind.COMMENDATION,
        year=year,
        citation="化解邻里矛盾多起，回访满意。",
    )

    team, xiangtai, chengxi = units["三师服务分团"], units["祥泰社区"], units["成蹊新联之家"]
    services.targets_set(
        actor=taixing,
        unit=team,
        year=year,
        targets={
            AnnualTask.VISIT: 1,
            AnnualTask.PROBLEMS: 20,
            AnnualTask.PROXY: 5,
            AnnualTask.KNOWLEDGE: 4,
            AnnualTask.PIONEERS: 2,
            AnnualTask.BRANDS: 1,
        },
    )
    services.targets_set(
        actor=taixing, unit=xiangtai, year=year, targets={AnnualTask.PROBLEMS: 10, AnnualTask.KNOWLEDGE: 2}
    )
    services.targets_set(
        actor=hailing, unit=chengxi, year=year, targets={AnnualTask.PROBLEMS: 5, AnnualTask.BRANDS: 1}
    )
    for actor, unit, task, days_ago, place, topic, reached in (
        (people["liaison"], team, AnnualTask.VISIT, 60, "泰兴城区工业园区", "三师入园“心贴心”服务日", 45),
        (people["liaison"], team, AnnualTask.KNOWLEDGE, 30, "三师助企工作站", "民营企业税收优惠政策解读", 60),
        (people["liaison"], team, AnnualTask.KNOWLEDGE, 10, "三师助企工作站", "劳动用工法律风险防范", 38),
        (people["mediator"], xiangtai, AnnualTask.KNOWLEDGE, 20, "泰新青英荟", "邻里纠纷调解知识讲座", 25),
        (people["mediator_chengxi"], chengxi, AnnualTask.BRANDS, 15, "成蹊新联之家", "直播助农品牌活动", 120),
    ):
        services.activity_log(
            actor=actor,
            unit=unit,
            task=task,
            held_on=_day(days_ago),
            place=place,
            topic=topic,
            people_reached=reached,
        )

    five = {
        c: (s, "")
        for c, s in (
            ("political", 92),
            ("development", 85),
            ("cohesion", 88),
            ("example", 80),
            ("influence", 86),
        )
    }
    services.sheet_submit(actor=taixing, unit=xiangtai, year=year, scores=five, note="组织健全，活动经常。")
    six = {
        c: (s, "")
        for c, s in (
            ("party", 90),
            ("rules", 82),
            ("venue", 95),
            ("activities", 88),
            ("team", 76),
            ("support", 80),
        )
    }
    services.sheet_submit(actor=hailing, unit=units["e呼百应工作室"], year=year, scores=six, note="")
