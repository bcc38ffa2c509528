"""Reports at scale: the unit report and the people's ranking at 10k, 100k (and 1M) closed cases, and the XLSX
of the case list at 100k with its peak memory.

Cases are history cases (``demo.history``: copies, field by field, of a dispute and a help request the engine
closed itself, spread over a year) written in bulk, the first ``GENERATED_AT_MOST`` one by one and the rest as
copies of those in SQL (``clone_history``: every row of each case, its ids moved on, a reference of its own);
the reports' counters then catch up once with the audit trail (``reports.figures.figures_refresh``, timed: what
a bulk load costs). A real daphne serves the project
(``SERVER_TIMING=1``): each endpoint gets a warm-up and a bounded number of requests, its query count from the
``Server-Timing`` header. Targets: the query count constant across sizes, p95 at the largest size ≤ 1.5 × p95
at the smallest. The XLSX is streamed in a process of its own (Django's test client, the real view, the
supervisor's whole case list) whose peak RSS (``ru_maxrss``) is the figure: ≤ 200 MB at 100k cases.

``python -m bench reports`` (``BENCH_REPORT_SIZES=2000,10000`` for a short run; ``BENCH_SCALE=1m`` adds
1,000,000); ``table(result)`` turns the JSON into Markdown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import ROOT, asgi_server, django_on, scaled, vacuum_analyze, write_result
from bench.queues import GENERATED_AT_MOST, REQUESTS, SERVER_ENV, WARMUP, kept_rows, measure, triggers_off

DEFAULT_SIZES = scaled("2000,10000", "10000,100000", "10000,100000,1000000")
SIZES = tuple(int(n) for n in os.environ.get("BENCH_REPORT_SIZES", DEFAULT_SIZES).split(","))
XLSX_AT = int(os.environ.get("BENCH_XLSX_AT", scaled("10000", "100000")))
DATABASE = "tongxin_bench_reports"
REDIS_DB = 5
YEAR = "from=2025-12-01&to=2026-12-31"

ENDPOINTS = [
    ("unit report API (city, a year)", "supervisor", f"/api/v1/reports/units/?{YEAR}"),
    ("unit report page (city, a year)", "supervisor", f"/reports/?{YEAR}"),
    ("unit report API (district)", "supervisor_taixing", f"/api/v1/reports/units/?{YEAR}"),
    ("people ranking API (city)", "supervisor", f"/api/v1/reports/people/?{YEAR}"),
    ("people ranking page (city)", "supervisor", f"/reports/people/?{YEAR}"),
]

# The XLSX of the supervisor's whole case list, streamed in a process of its own: its peak RSS.
XLSX_SCRIPT = """
import os, resource, sys, time
import django
django.setup()
from django.test import Client
from cases.models import User
client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="localhost")
client.force_login(User.objects.get(username="supervisor"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
began = time.monotonic()
response = client.get("/cases/?format=xlsx")
size = sum(len(chunk) for chunk in response.streaming_content)
print(response.status_code, size, round(time.monotonic() - began, 1), before // 1024,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def templates(people):
    from demo.history import templates as found
    from demo.lifecycles import dispute_to, help_request_to

    dispute_to("closed", people)
    help_request_to("closed", people)
    return found()


def xlsx_memory() -> dict:
    env = {**os.environ, **SERVER_ENV}
    done = subprocess.run(
        [sys.executable, "-c", XLSX_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"XLSX: {done.stderr[-2000:]}")
    status, size, seconds, baseline_mb, peak_mb = done.stdout.split()[-5:]
    if status != "200":
        raise RuntimeError(f"XLSX: {status}")
    return {
        "bytes": int(size),
        "seconds": float(seconds),
        "baseline_mb": int(baseline_mb),
        "peak_mb": int(peak_mb),
    }


# The tables ``demo.history`` writes for a case: the link of each row to its case, and the copies' ids moved on
# (``id``, and a link to a row of a table copied here, by that table's offset).
IN_HISTORY = "BETWEEN %(first)s AND %(last)s"
HISTORY_ROWS = {
    "Case": f"row.id {IN_HISTORY}",
    **{
        name: f"row.case_id {IN_HISTORY}"
        for name in (
            "DisputeDetail", "HelpRequestDetail", "Clock", "AuditEntry", "CaseParticipant", "CaseReturn",
            "Assessment",
        )
    },
    "PointAward": f"row.assessment_id IN (SELECT id FROM cases_assessment WHERE case_id {IN_HISTORY})",
}  # fmt: skip
# A copy's reference: its own case id, seven digits (history's own are ``8xxxxx``, six), in its year.
CLONE_REFERENCE = (
    "'TX-' || split_part(row.reference, '-', 2) || '-' || lpad((row.id + {offset})::text, 7, '0')"
)


def clone_history(copies: int) -> int:
    """``copies`` copies of every history case (the cases from the first history case on), each with every row
    ``demo.history`` wrote for it (``HISTORY_ROWS``), in one transaction with the row triggers off and what they
    keep counted again (``kept_rows``); returns how many cases it added. The copies keep their moments: the
    counters they make are the originals' times ``copies + 1``, as a city of that size would make them."""
    from django.apps import apps
    from django.db import connection, transaction

    from demo.history import history_first_case

    first = history_first_case()
    if first is None or copies < 1:
        return 0
    models = {name: apps.get_model("cases", name) for name in HISTORY_ROWS}
    tables = {model: model._meta.db_table for model in models.values()}
    with transaction.atomic(), connection.cursor() as cursor:
        spans = {}
        for model, table in tables.items():
            if model._meta.pk.column == "id":
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                spans[model] = cursor.fetchone()[0]
        last = spans[models["Case"]]
        cursor.execute("SELECT MAX(id) FROM viewflow_task")
        first_task = (cursor.fetchone()[0] or 0) + 1
        with triggers_off(cursor):
            for name, source in HISTORY_ROWS.items():
                model = models[name]
                values = []
                for field in model._meta.concrete_fields:
                    moved = model if field.column == "id" else field.related_model
                    offset = f"(k * {spans[moved]})" if moved in spans else None
                    if field.column == "reference":
                        values.append(CLONE_REFERENCE.format(offset=f"(k * {last})"))
                    else:
                        values.append(f"row.{field.column}" + (f" + {offset}" if offset else ""))
                columns = ", ".join(field.column for field in model._meta.concrete_fields)
                cursor.execute(
                    f"INSERT INTO {tables[model]} ({columns}) SELECT {', '.join(values)} "
                    f"FROM {tables[model]} AS row, generate_series(1, {copies:d}) AS k "
                    f"WHERE {source % {'first': first, 'last': last}}"
                )
                if name == "Case":
                    # the rows it wrote, not (last - first + 1) × copies: earlier copies left gaps in the ids
                    added = cursor.rowcount
            kept_rows(cursor, first_task=first_task)
        for model, table in tables.items():
            if model in spans:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
    return added


def grow(history, to: int) -> None:
    """Up to ``to`` cases: history cases one by one up to ``GENERATED_AT_MOST``, then copies of all history
    cases in SQL (``clone_history``), and the rest one by one."""
    from cases.models import Case
    from demo.history import history_first_case

    have = Case.objects.count()
    if have < GENERATED_AT_MOST:
        history.add(min(to, GENERATED_AT_MOST) - have)
        have = Case.objects.count()
    first = history_first_case()
    if first is not None:
        have += clone_history((to - have) // Case.objects.filter(pk__gte=first).count())
    if have < to:
        history.add(to - have)


def main() -> None:
    started = time.monotonic()
    django_on(DATABASE, redis_db=REDIS_DB)
    from demo.history import History
    from demo.org import build_org
    from reports.figures import figures_refresh

    people = build_org()
    history = History(people, templates(people))
    headers = credentials_for(people)
    sizes = {}
    for size in SIZES:
        began = time.monotonic()
        grow(history, size)
        generated = round(time.monotonic() - began, 1)
        began = time.monotonic()
        while figures_refresh():
            pass
        refreshed = round(time.monotonic() - began, 1)
        vacuum_analyze()
        print(f"  {size} cases generated in {generated} s, figures caught up in {refreshed} s", flush=True)
        endpoints = {}
        with asgi_server(SERVER_ENV) as server:
            for name, who, path in ENDPOINTS:
                kind = "api" if path.startswith("/api/") else "page"
                endpoints[name] = measure(server, path, headers[who][kind])
                e = endpoints[name]
                print(
                    f"    {name:34} p50 {e['p50_ms']:7.2f}  p95 {e['p95_ms']:7.2f}  q {e['queries']}",
                    flush=True,
                )
        entry = {"generated_s": generated, "refresh_s": refreshed, "endpoints": endpoints}
        if size == XLSX_AT:
            entry["xlsx"] = xlsx_memory()
            print(f"    case list XLSX: {json.dumps(entry['xlsx'])}", flush=True)
        sizes[str(size)] = entry
    write_result(
        "reports",
        {
            "requests_per_endpoint": REQUESTS,
            "warmup": WARMUP,
            "sizes": sizes,
            "seconds": round(time.monotonic() - started, 1),
        },
    )


def credentials_for(people) -> dict[str, dict]:
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    headers = {}
    for username in {who for _, who, _ in ENDPOINTS}:
        user = people[username]
        client = Client()
        client.force_login(user)
        headers[username] = {
            "api": {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"},
            "page": {
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
            },
        }
    return headers


def table(result: dict) -> str:
    """Markdown: endpoint × size → p50 / p95 / queries; the p95 ratio of the largest size to the smallest."""
    sizes = list(result["sizes"])
    first, last = sizes[0], sizes[-1]
    names = list(result["sizes"][first]["endpoints"])
    lines = [
        "\n### Reports\n",
        "| endpoint | "
        + " | ".join(f"{int(s):,} cases p50 / p95 ms (queries)" for s in sizes)
        + f" | p95 {last}/{first} |",
        "|---|" + "---|" * (len(sizes) + 1),
    ]
    for name in names:
        cells = []
        for size in sizes:
            e = result["sizes"][size]["endpoints"][name]
            cells.append(f"{e['p50_ms']} / {e['p95_ms']} ({', '.join(map(str, e['queries']))})")
        ratio = (
            result["sizes"][last]["endpoints"][name]["p95_ms"]
            / result["sizes"][first]["endpoints"][name]["p95_ms"]
        )
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    lines.append("")
    for size in sizes:
        entry = result["sizes"][size]
        lines.append(
            f"- {int(size):,} cases: generated in {entry['generated_s']} s, figures caught up in {entry['refresh_s']} s"
        )
        if "xlsx" in entry:
            x = entry["xlsx"]
            lines.append(
                f"- case list XLSX at {int(size):,} cases: {x['bytes']:,} bytes in {x['seconds']} s, peak RSS "
                f"{x['peak_mb']} MB (the process before the request: {x['baseline_mb']} MB)"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
