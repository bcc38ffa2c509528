"""A real browser: headless Chromium (Debian's, driven by Playwright) opens the supervisor's board; a case
registered through another session appears on it without a reload."""

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from demo import org as demo
from demo.lifecycles import dispute_to
from tests.live import asgi_server
from tests.test_live_servers import live  # noqa: F401  (the fixture)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(function, *args):
    def run():
        try:
            return function(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result(timeout=60)


def test_the_board_shows_a_new_case_without_a_reload(live):  # noqa: F811
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is needed (.ci/run installs it)")
    # The server process checks passwords with the production hashers, not the tests' fast one.
    supervisor = live["supervisor"]
    hasher = PBKDF2PasswordHasher()
    supervisor.password = hasher.encode(demo.DEMO_PASSWORD, hasher.salt())
    supervisor.save(update_fields=["password"])
    with asgi_server(redis_url=settings.REDIS_URL) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            sent_frames: list[str] = []
            page.on(
                "websocket",
                lambda socket: socket.on("framesent", lambda payload: sent_frames.append(payload)),
            )
            page.goto(f"http://{server}/accounts/login/?next=/board/")
            page.fill("input[name=username]", "supervisor")
            page.fill("input[name=password]", demo.DEMO_PASSWORD)
            page.click("button.primary")
            page.wait_for_url(f"http://{server}/board/")
            status = page.locator("#board-status")
            expect(status).to_have_text("实时", timeout=10_000)
            page.evaluate("window.__notReloaded = true")

            # another session registers a case (in a thread: Playwright's loop runs in this one)
            case = in_thread(dispute_to, "registered", live)

            newest = page.locator("#board-newest li").first
            expect(newest).to_contain_text(case.reference, timeout=10_000)
            # the counts come with the snapshot the server pushes for all boards: the page never asks for one
            expect(page.locator("#board-open")).to_have_text("1", timeout=10_000)
            assert page.evaluate("window.__notReloaded") is True
            assert [frame for frame in sent_frames if "snapshot" in str(frame)] == []
        finally:
            browser.close()
