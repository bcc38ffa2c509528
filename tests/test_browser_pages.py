"""Every role's main pages in a real browser (Debian's Chromium, driven by Playwright), at 1280×800 and on a
390×844 phone: no page is wider than the window, no console error (a CSP violation is one), no English word on a
zh-hans page but a short list of real tokens, and on the phone no visible action button under 44 px tall.

One server and one set of demo cases for the module, one browser for all the roles; each role signs in once and
its pages are walked at both sizes in the same tab."""

import re
import shutil

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from playwright.sync_api import sync_playwright

from cases.models import User
from demo import org as demo
from demo.lifecycles import build_cases, dispute_to
from tests.conftest import migrations_seed_again
from tests.live import asgi_server, require_services
from tests.test_browser_board import CHROMIUM, CHROMIUM_ARGS

# A hasher the server knows, with few iterations: a login costs little on a loaded machine.
SERVER_HASH = PBKDF2PasswordHasher().encode(demo.DEMO_PASSWORD, "browserpagessalt", iterations=1000)
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
ROLES = ["mediator", "liaison", "lawyer", "supervisor", "admin"]
# What may be written in Latin letters on a Chinese page: the language's own name in the language menu, file
# kinds and sizes, the API, and the demo's logins (a person's login is their name in the system).
ALLOWED_WORDS = {"English", "API", "PDF", "Word", "JPEG", "PNG", "WebP", "docx", "MB", "IP", "SMS"} | {
    username for username, *_ in demo.PEOPLE
}
# References, card codes and credit codes are identifiers, not words.
IDENTIFIERS = re.compile(r"\b(?:TX|HR)-\d{4}-\d{6}\b|\bTXK-[A-Z0-9]+\b|\b[0-9A-HJ-NPQRTUWXY]{18}\b")
TAP_TARGETS = "button, a.button, .link-button, summary.button, input[type=submit], .menu-button"


# One test, transactional: its mark makes pytest-django set up the test database before the module's fixtures,
# and its flush afterwards empties it for the modules after this one.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The demo organisation and its cases, committed, served by one daphne."""
    require_services()
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is needed (.ci/run installs it)")
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_")  # never a database of real work
        migrations_seed_again()
        people = demo.build_org()
        demo.build_cards()
        build_cases(people)
        # the newest case, first in its unit's lists: 2,000 characters without a break must wrap, not widen
        dispute_to("registered", people, description="8" * 2000, applicant_name="王" * 50)
        User.objects.update(password=SERVER_HASH)
        User.objects.filter(username="admin").update(is_staff=True, is_superuser=True)
    with asgi_server(redis_url=settings.REDIS_URL) as server:
        yield server


def main_pages(page, base: str) -> list[str]:
    """The role's menu, its first case and first task, and its own account pages."""
    paths = [
        link.split(base, 1)[-1]
        for link in page.eval_on_selector_all("#menu nav a", "as => as.map(a => a.href)")
    ]
    for listing, link in (
        ("/cases/", "main a[href^='/cases/TX-']"),
        ("/tasks/inbox/", "main a[href^='/tasks/']"),
    ):
        page.goto(base + listing)
        first = page.locator(link).first
        if first.count():
            paths.append(first.get_attribute("href"))
    return [*dict.fromkeys([*paths, "/notifications/", "/account/", "/account/password/"])]


def problems_of(page, size: str) -> list[str]:
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    if width > inner:
        found.append(f"{width}px wide in a {inner}px window")
    text = IDENTIFIERS.sub(" ", page.evaluate("document.body.innerText"))
    english = sorted(set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_WORDS)
    if english:
        found.append(f"English words: {english}")
    if size == "phone":
        small = page.eval_on_selector_all(
            TAP_TARGETS,
            """els => els.filter(e => e.offsetParent !== null && e.getClientRects().length)
                       .map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height])
                       .filter(([, h]) => h > 0 && h < 44)""",
        )
        if small:
            found.append(f"tap targets under 44px: {small}")
    return found


def walk(browser, base: str, username: str) -> dict[str, list[str]]:
    """Sign in as ``username`` and walk its main pages at both sizes in one tab: the problems found, by page."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: dict[str, list[str]] = {}
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", demo.DEMO_PASSWORD)
        page.click("main button.primary")
        page.wait_for_load_state()
        if "/accounts/login/" in page.url:
            return {f"{username} login": ["not signed in"]}
        paths = main_pages(page, base)
        if len(paths) < 7:
            problems[f"{username} pages"] = [f"only {paths}"]
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            for path in paths:
                response = page.goto(base + path)
                found = problems_of(page, size) + errors
                if response is None or response.status != 200:
                    found.append(f"status {response and response.status}")
                errors.clear()
                if found:
                    problems[f"{username} {size} {path}"] = found
    finally:
        context.close()
    return problems


def test_each_roles_main_pages_fit_speak_chinese_and_have_big_enough_buttons(site):
    problems: dict[str, list[str]] = {}
    # One browser for every role; closed inside the test, before pytest-django empties the database (Playwright's
    # event loop must be gone by then: Django refuses database calls from a thread running one).
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for username in ROLES:
                problems |= walk(browser, f"http://{site}", username)
        finally:
            browser.close()
    assert problems == {}
