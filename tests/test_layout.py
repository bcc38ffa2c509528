"""The frame of every page and the board, as served: a one-line header whose menu folds into a button, an SVG
bell and a favicon; the board's sections fold, and its open cases are counted by open states in workflow order."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import CaseState
from cases.models.case import TERMINAL_STATES


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_the_header_folds_its_menu_into_a_button_with_an_svg_bell_and_a_favicon(client, people):
    client.force_login(people["supervisor"])
    page = client.get(reverse("cases")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert re.search(r'<a class="bell"[^>]*>\s*<svg class="icon"', page)
    assert "🔔" not in page
    toggle, button, menu = (
        page.index('<input type="checkbox" id="menu-toggle"'),
        page.index('<label for="menu-toggle" class="menu-button"'),
        page.index('<div class="menu" id="menu">'),
    )
    assert toggle < button < menu  # the CSS opens the menu from the checked toggle: ``:checked ~ .menu``
    assert "<span>菜单</span>" in page
    # the person's name leads to their account
    assert f'<a class="person" href="{reverse("account")}"' in page


def test_the_board_counts_open_states_only_in_workflow_order_in_folding_sections(client, people):
    client.force_login(people["supervisor"])
    page = client.get(reverse("board")).content.decode()
    states = re.search(r'data-open-states="([^"]+)"', page).group(1).split("|")
    assert states == [
        "registered",
        "submitted",
        "escalated",
        "triaged",
        "dispatched",
        "claimed",
        "consulting",
        "resolving",
        "follow_up",
        "feedback",
        "commending",
    ]
    assert set(states) == set(CaseState.values) - set(TERMINAL_STATES)
    assert page.count('<details class="section" open>') == 6
