"""Part 5: what the parties' documents and the 重复件 check cost.

**重复件 at intake.** ``BENCH_DUPLICATE_CASES`` (100,000) cases (disputes and help requests, 60 % of them within
the 90-day window, spread over the demo's units, a quarter of them at 祥泰社区) with varied Chinese descriptions
made of the seed's vocabulary (who, what, since when, what they want), distinct mobiles and the demo enterprises'
credit codes, written in bulk (only what the check reads: the case and its details), then ``VACUUM ANALYZE``.
Timed: ``cases.selectors.duplicates.duplicates_of_intake_data`` — the whole check an intake adds before saving
(the same party's cases by mobile or ID number or credit code, and the similar descriptions by pg_trgm's ``%``
and its GIN index) — for ``BENCH_DUPLICATE_CHECKS`` (300) new intakes each: a mediator of 祥泰社区 registering
a dispute (a tenth of them with a mobile already on file), a supervisor of 泰兴市 registering in 泰兴市 (its
whole subtree), and the liaison officer registering a help request. Then the same mediator's checks with the
trigram index dropped (a sequential scan of the window), to show what the index buys. Target: p95 ≤ 50 ms.

**The agreement's documents.** A dispute taken to its follow-up by the real commands (a two-party agreement with
two terms: three copies), its Word file (docxtpl on the committed template) and its PDF (WeasyPrint, Noto CJK)
made ``BENCH_DOCUMENTS`` (20) times each, after one of each to warm up (fonts, templates).

``python -m bench parties``; ``table(result)`` turns the JSON into Markdown.
"""

import os
import random
import time
from datetime import timedelta

from bench.common import django_on, scaled, summary_ms, vacuum_analyze, write_result

PART = "parties"
DATABASE = "tongxin_bench_parties"
REDIS_DB = 5
CASES = int(os.environ.get("BENCH_DUPLICATE_CASES", scaled("20000", "100000")))
CHECKS = int(os.environ.get("BENCH_DUPLICATE_CHECKS", "300"))
DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "20"))
TARGET_P95_MS = 50
SEED = 20261203

WHO = ["楼上住户", "隔壁邻居", "物业公司", "小区业主", "临街商户", "房东", "用人单位", "装修公司", "快递网点",
       "培训机构", "外卖商家", "停车场管理方", "幼儿园", "菜场摊主", "租户", "施工队"]  # fmt: skip
WHAT = ["装修噪音扰民", "卫生间漏水渗到楼下", "拖欠三个月工资", "占用公共楼道堆放杂物", "油烟直排影响居住",
        "押金迟迟不退", "车位被长期占用", "夜间施工影响休息", "小区电梯多次故障", "宠物狗夜间吠叫",
        "预付卡余额无法退还", "空调外机噪音过大", "高空抛物砸坏车辆", "违规搭建阳光房", "物业费收费标准争议",
        "离婚后子女抚养费未付"]  # fmt: skip
SINCE = ["已持续两周", "多次协商未果", "社区调解过一次", "近一个月反复发生", "昨晚再次发生", "去年起一直存在"]
WANT = ["要求停止侵害", "要求赔偿损失", "要求限期整改", "希望社区出面协调", "要求退还费用", "要求书面道歉"]
PLACES = ["祥泰小区", "银杏苑", "城西花园", "济川新村", "成蹊家园", "鼓楼新城"]


def description(r: random.Random) -> str:
    return (
        f"{r.choice(PLACES)}{r.randint(1, 30)}栋{r.choice(WHO)}{r.choice(WHAT)}，"
        f"{r.choice(SINCE)}，{r.choice(WANT)}。"
    )


def phone(n: int) -> str:
    return f"13{n % 10**9:09d}"


def write_cases(people) -> dict:
    """The cases and their details, in bulk: the rows the check reads, in the engine's shapes."""
    from django.db import connection
    from django.utils import timezone

    from cases.models import Brand, Case, CaseKind, Channel, DisputeDetail, HelpRequestDetail, Unit
    from cases.models.case import DISPUTE_MAIN_LINE, HELP_REQUEST_MAIN_LINE
    from demo.org import ENTERPRISES

    r = random.Random(SEED)
    units = {unit.name: unit for unit in Unit.objects.all()}
    dispute_units = [units["祥泰社区"]] * 5 + [u for u in units.values() if u.name != "祥泰社区"] * 1
    station = units["泰兴城区工业园区三师助企工作站"]
    now = timezone.now()
    written = {"disputes": 0, "help_requests": 0}
    batch = 5000
    for start in range(0, CASES, batch):
        cases, details = [], []
        for n in range(start, min(CASES, start + batch)):
            dispute = n % 5 != 0
            case = Case(
                reference=f"TX-2025-{n + 1:06d}",  # the real intakes below take 2026 numbers
                kind=CaseKind.DISPUTE if dispute else CaseKind.HELP_REQUEST,
                brand=Brand.TONGXIN_JIEFANG if dispute else Brand.XIANGTAI_NUANXIN,
                channel=Channel.VISIT,
                state=r.choice(DISPUTE_MAIN_LINE if dispute else HELP_REQUEST_MAIN_LINE),
                description=description(r),
                created_by=people["mediator"] if dispute else people["liaison"],
                unit=r.choice(dispute_units) if dispute else station,
            )
            cases.append(case)
            details.append((dispute, n))
        Case.objects.bulk_create(cases)
        disputes, requests = [], []
        for case, (dispute, n) in zip(cases, details, strict=True):
            if dispute:
                disputes.append(
                    DisputeDetail(
                        case=case, category="neighbour", applicant_name="张三", applicant_phone=phone(n)
                    )
                )
            else:
                name, code = ENTERPRISES[n % len(ENTERPRISES)]
                requests.append(
                    HelpRequestDetail(
                        case=case,
                        enterprise_name=name,
                        credit_code=code if n % 50 == 0 else f"91321283MA{n:07d}X"[:18],
                        contact_name="刘经理",
                        contact_phone=phone(n),
                        specialties=["tax"],
                    )
                )
        DisputeDetail.objects.bulk_create(disputes)
        HelpRequestDetail.objects.bulk_create(requests)
        written["disputes"] += len(disputes)
        written["help_requests"] += len(requests)
    # registered over the last 150 days: 60 % within the 90-day window
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET created_at = %s - (((id * 7919) %% 150000) / 1000.0) * interval '1 day'",
            [now],
        )
    return written


def time_checks(people, *, who: str, unit_name: str, kind: str, known_every: int = 10) -> dict:
    from cases.models import Unit
    from cases.selectors.duplicates import duplicates_of_intake_data

    r = random.Random(SEED + hash(who) % 1000)
    unit = Unit.objects.get(name=unit_name)
    user = people[who]
    seconds, found = [], []
    for i in range(CHECKS):
        if kind == "dispute":
            data = {
                "description": description(r),
                "applicant_phone": phone(r.randrange(CASES)) if i % known_every == 0 else f"199{i:08d}",
                "applicant_id_number": "",
            }
        else:
            data = {
                "description": description(r),
                "contact_phone": f"199{i:08d}",
                "credit_code": "91321283MA1NABCD0E",
            }
        started = time.perf_counter()
        duplicates = duplicates_of_intake_data(user=user, unit=unit, kind=kind, data=data)
        seconds.append(time.perf_counter() - started)
        found.append(len(duplicates))
    return {**summary_ms(seconds), "found_mean": round(sum(found) / len(found), 2)}


def without_index(people) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX case_description_trgm")
    try:
        global CHECKS
        checks, CHECKS = CHECKS, max(10, CHECKS // 10)
        return time_checks(people, who="mediator", unit_name="祥泰社区", kind="dispute")
    finally:
        CHECKS = checks
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX case_description_trgm ON cases_case USING gin (description gin_trgm_ops)"
            )


def documents(people) -> dict:
    from cases import agreement_documents
    from cases.models import MediationAgreement
    from demo.lifecycles import dispute_to

    case = dispute_to(
        "follow_up", people, respondent_name="李四", respondent_phone="13900001111", description="基准协议"
    )
    agreement = MediationAgreement.objects.get(case=case)
    timings: dict[str, list[float]] = {"docx": [], "pdf": []}
    sizes = {}
    for _ in range(DOCUMENTS + 1):  # the first of each warms up
        context = agreement_documents.agreement_context(case, agreement, show_personal=True)
        for name, make in (
            ("docx", agreement_documents.agreement_docx),
            ("pdf", agreement_documents.agreement_pdf),
        ):
            started = time.perf_counter()
            content = make(context)
            timings[name].append(time.perf_counter() - started)
            sizes[name] = len(content or b"")
    return {
        name: {**summary_ms(values[1:]), "bytes": sizes[name], "copies": 3}
        for name, values in timings.items()
    }


def main() -> None:
    began = time.monotonic()
    django_on(DATABASE, redis_db=REDIS_DB)
    from demo.org import build_org

    people = build_org()
    started = time.monotonic()
    written = write_cases(people)
    generated = round(time.monotonic() - started, 1)
    vacuum_analyze()
    print(f"parties: {CASES} cases written in {generated} s", flush=True)
    checks = {
        "mediator": time_checks(people, who="mediator", unit_name="祥泰社区", kind="dispute"),
        "supervisor": time_checks(people, who="supervisor_taixing", unit_name="泰兴市", kind="dispute"),
        "liaison": time_checks(
            people, who="liaison", unit_name="泰兴城区工业园区三师助企工作站", kind="help_request"
        ),
    }
    no_index = without_index(people)
    result = {
        "cases": CASES,
        "written": written,
        "generated_s": generated,
        "checks": checks,
        "without_index": no_index,
        "target_p95_ms": TARGET_P95_MS,
        "documents": documents(people),
        "window_days": 90,
        "seconds": round(time.monotonic() - began, 1),
    }
    result["window_cases"] = window_count()
    write_result(PART, result)
    print(table(result))


def window_count() -> int:
    from django.utils import timezone

    from cases.models import Case

    return Case.objects.filter(created_at__gte=timezone.now() - timedelta(days=90)).count()


def table(result: dict) -> str:
    checks = result["checks"]
    labels = {
        "mediator": "a mediator of 祥泰社区, a dispute (1 in 10 with a known mobile)",
        "supervisor": "a supervisor of 泰兴市, a dispute (the whole subtree)",
        "liaison": "the liaison officer, a help request (a known credit code)",
    }
    lines = [
        f"### 重复件 at intake ({result['cases']:,} cases, {result.get('window_cases', 0):,} within the 90-day "
        f"window; target p95 ≤ {result['target_p95_ms']} ms)",
        "",
        "| who registers | checks | p50 ms | p95 ms | p99 ms | max ms | duplicates shown (mean) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in labels.items():
        row = checks[key]
        lines.append(
            f"| {label} | {row['n']} | {row['p50_ms']} | **{row['p95_ms']}** | {row['p99_ms']} | {row['max_ms']} "
            f"| {row['found_mean']} |"
        )
    bare = result["without_index"]
    lines.append(
        f"| the mediator again, **without** the trigram index | {bare['n']} | {bare['p50_ms']} | {bare['p95_ms']} "
        f"| {bare['p99_ms']} | {bare['max_ms']} | {bare['found_mean']} |"
    )
    docs = result["documents"]
    lines += [
        "",
        "### The mediation agreement's documents (two parties, two terms: three copies)",
        "",
        "| document | made | p50 ms | p95 ms | max ms | size |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, label in (("docx", "Word (.docx, docxtpl)"), ("pdf", "PDF (WeasyPrint, Noto CJK)")):
        row = docs[name]
        lines.append(
            f"| {label} | {row['n']} | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} | {row['bytes']:,} B |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
