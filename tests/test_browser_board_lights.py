"""A real browser (Debian's Chromium, driven by Playwright) on the supervisor's board: the red and yellow counts
are shown, in all and per child unit, and change without a reload when the timer runner turns a step red."""

import shutil
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from cases.models import Case, Clock, Timer, TimerKind
from demo import org as demo
from demo.lifecycles import dispute_to
from tests.live import asgi_server
from tests.test_browser_board import CHROMIUM, CHROMIUM_ARGS, in_thread
from tests.test_live_servers import live  # noqa: F401  (the fixture)
from workflow import services

pytestmark = pytest.mark.django_db(transaction=True)


def overdue(case: Case, *, timers_due: bool) -> None:
    """Move the case's triage an hour past its due moment (its yellow moment two hours back), as time would; its
    reminders due now, or already fired."""
    now = timezone.now()
    due, yellow = now - timedelta(hours=1), now - timedelta(hours=2)
    Clock.objects.filter(case=case).update(due_at=due, yellow_at=yellow)
    Case.objects.filter(pk=case.pk).update(due_at=due, yellow_at=yellow)
    timers = Timer.objects.filter(clock__case=case, kind__in=[TimerKind.YELLOW, TimerKind.RED])
    timers.update(due_at=due, fired_at=None if timers_due else now)


def test_the_board_shows_the_red_and_yellow_counts_and_a_red_step_changes_them_live(live):  # noqa: F811
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is needed (.ci/run installs it)")
    supervisor = live["supervisor"]
    hasher = PBKDF2PasswordHasher()
    supervisor.password = hasher.encode(demo.DEMO_PASSWORD, hasher.salt())
    supervisor.save(update_fields=["password"])
    overdue(dispute_to("registered", live), timers_due=False)  # in 泰兴市, red already
    waiting = dispute_to("registered", live, actor=live["mediator_chengxi"])  # in 海陵区, green for now

    with asgi_server(redis_url=settings.REDIS_URL) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"http://{server}/accounts/login/?next=/board/")
            page.fill("input[name=username]", "supervisor")
            page.fill("input[name=password]", demo.DEMO_PASSWORD)
            page.click("button.primary")
            page.wait_for_url(f"http://{server}/board/")
            expect(page.locator("#board-status")).to_have_text("实时", timeout=10_000)
            expect(page.locator("#board-red")).to_have_text("1", timeout=10_000)
            expect(page.locator("#board-yellow")).to_have_text("0")
            rows = page.locator("#board-lights-children tr")
            expect(rows).to_have_text(["泰兴市10", "海陵区00"])
            page.evaluate("window.__notReloaded = true")

            # when the 海陵区 triage is overdue and the runner fires its reminders (in a thread: Playwright's loop
            # runs in this one)
            in_thread(lambda: overdue(waiting, timers_due=True))
            assert in_thread(services.timers_run) == 2

            # then the board shows two red cases, one of them 海陵区's, without a reload
            expect(page.locator("#board-red")).to_have_text("2", timeout=10_000)
            expect(rows).to_have_text(["泰兴市10", "海陵区10"])
            expect(page.locator("#board-newest li").first).to_contain_text(waiting.reference)
            assert page.evaluate("window.__notReloaded") is True
        finally:
            browser.close()
