"""The work calendar: working days and hours from the project's own table, its coverage warnings, the
``workcalendar`` command, the admin (one row per date, import from a file). Time is frozen with time-machine."""

import logging
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from cases import workdays
from cases.checks import work_calendar_covered, working_hours_valid
from cases.models import CalendarDay, DayKind
from cases.services.calendar import CalendarRefused, calendar_import_csv, calendar_seed, package_days
from cases.workdays import (
    CALENDAR_ZONE,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    calendar_gaps,
    is_working_day,
    share_used,
    working_days_between,
    working_time_between,
)

# The coming 60 days reach 2027, which has no row.
LATE_2026 = datetime(2026, 12, 20, 10, 0, tzinfo=CALENDAR_ZONE)
MISSING_2027_SOON = (
    "The work calendar has no days for 2027, and deadlines within the coming 60 days reach into it: until an "
    "administrator enters that year's holidays and adjusted working days (调休), only weekends count as rest days "
    "there."
)
MISSING_2027_NEXT_YEAR = (
    "The work calendar has no days for next year (2027) yet: enter its holidays and adjusted working days (调休) "
    "once they are published."
)
FALLBACK_2027 = (
    "The work calendar has no days for 2027: only weekends count as rest days in it until an administrator enters "
    "its holidays and adjusted working days (调休)."
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_ZONE)


def table() -> list[tuple[date, str, str]]:
    return list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name"))


@pytest.fixture
def calendar(db):
    """The package's years 2004–2026, as the seeding migration leaves them (seeding again changes nothing)."""
    calendar_seed()
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


# ---- working days ----------------------------------------------------------------------------------------


def test_one_working_day_from_a_saturday_is_the_sunday_worked_for_national_day(calendar):
    assert add_working_days(at("2026-09-19 10:00"), 1) == at("2026-09-20 10:00")


def test_three_working_days_from_the_eve_of_national_day_end_on_the_saturday_worked_after_it(calendar):
    assert add_working_days(at("2026-09-30 10:00"), 3) == at("2026-10-10 10:00")


def test_the_national_day_week_is_rest_and_its_adjusted_days_are_worked(calendar):
    week = [date(2026, 10, 1) + timedelta(days=offset) for offset in range(11)]
    assert [is_working_day(day) for day in week] == [
        False,  # 1 Oct, Thursday: 国庆节
        False,
        False,
        False,
        False,
        False,
        False,  # 7 Oct, Wednesday: still 国庆节
        True,  # 8 Oct, Thursday
        True,  # 9 Oct, Friday
        True,  # 10 Oct, Saturday: worked (调休)
        False,  # 11 Oct, Sunday
    ]
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    # 中秋 takes Friday 25 September: Thursday + 1 is the Monday after it.
    assert add_working_days(at("2026-09-24 15:00"), 1) == at("2026-09-28 15:00")


def test_a_saturday_worked_for_the_spring_festival_counts_and_an_ordinary_saturday_does_not(calendar):
    assert is_working_day(date(2026, 2, 28)) is True  # 调休 for 春节
    assert is_working_day(date(2026, 3, 7)) is False
    assert add_working_days(at("2026-02-27 09:00"), 1) == at("2026-02-28 09:00")
    assert add_working_days(at("2026-03-06 09:00"), 1) == at("2026-03-09 09:00")


def test_zero_working_days_is_the_moment_itself_in_shanghai_time(calendar):
    moment = datetime(2026, 11, 10, 2, 0, tzinfo=workdays.ZoneInfo("UTC"))
    assert add_working_days(moment, 0) == at("2026-11-10 10:00")
    assert add_working_days(moment, 0).tzinfo == CALENDAR_ZONE


def test_a_naive_moment_or_a_negative_count_is_refused(calendar):
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 11, 10, 10, 0), 1)
    with pytest.raises(ValueError):
        add_working_days(at("2026-11-10 10:00"), -1)
    with pytest.raises(ValueError):
        add_working_hours(at("2026-11-10 10:00"), -1)


def test_a_computation_reads_the_table_once(calendar, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert add_working_days(at("2026-09-30 10:00"), 20) == at("2026-11-03 10:00")
    calendar_ = WorkCalendar()
    with django_assert_num_queries(1):
        calendar_.add_working_days(at("2026-09-30 10:00"), 3)
        calendar_.add_working_hours(at("2026-09-30 10:00"), 30)
        calendar_.working_time_between(at("2026-01-01 10:00"), at("2026-12-31 10:00"))


# ---- working hours ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2026-11-10 09:00", 2, "2026-11-10 11:00"),  # Tuesday morning
        ("2026-11-10 11:00", 2, "2026-11-10 14:30"),  # across lunch (12:00–13:30)
        ("2026-11-10 12:30", 1, "2026-11-10 14:30"),  # asked at lunch: counts from 13:30
        ("2026-11-10 16:30", 1, "2026-11-10 17:30"),  # ends at closing: that day, not the next morning
        ("2026-11-10 07:00", 1.5, "2026-11-10 10:00"),  # before opening
        ("2026-11-13 17:00", 1, "2026-11-16 09:00"),  # Friday evening, across the weekend
        ("2026-11-14 10:00", 1, "2026-11-16 09:30"),  # on a Saturday
        ("2026-11-10 09:00", 15, "2026-11-12 09:00"),  # two full working days
        ("2026-09-30 17:00", 1, "2026-10-08 09:00"),  # across 国庆节
        ("2026-10-09 17:00", 1, "2026-10-10 09:00"),  # into the Saturday worked for it
    ],
)
def test_working_hours_count_only_the_working_periods_of_working_days(calendar, start, hours, due):
    assert add_working_hours(at(start), hours) == at(due)
    assert working_time_between(at(start), at(due)) == timedelta(hours=hours)


def test_working_hours_follow_the_setting(calendar, settings):
    settings.WORKING_HOURS = [("08:00", "12:00"), ("14:00", "18:00")]  # summer hours
    assert add_working_hours(at("2026-11-10 11:00"), 2) == at("2026-11-10 15:00")
    assert working_hours_valid() == []


def test_malformed_working_hours_fail_the_check(settings):
    settings.WORKING_HOURS = [("13:30", "17:30"), ("08:30", "12:00")]
    [error] = working_hours_valid()
    assert error.id == "cases.E001"
    assert error.msg == "WORKING_HOURS: ('08:30', '12:00') starts before the previous period ends."


def test_working_time_between_gives_the_share_of_a_deadline_used(calendar):
    start = at("2026-11-09 10:00")  # Monday
    due = add_working_days(start, 4)
    assert due == at("2026-11-13 10:00")
    assert working_time_between(start, due) == timedelta(hours=4 * 7.5)
    assert share_used(start=start, due=due, now=start) == 0
    assert share_used(start=start, due=due, now=at("2026-11-12 10:00")) == 0.75  # the yellow light
    assert share_used(start=start, due=due, now=due) == 1
    assert share_used(start=start, due=due, now=at("2026-11-16 10:00")) == 1.25


# ---- a year without rows: weekends only, and warnings ----------------------------------------------------


def test_a_year_without_rows_counts_weekends_only_and_says_so(calendar, time_machine, caplog, monkeypatch):
    time_machine.move_to(LATE_2026, tick=False)
    monkeypatch.setattr(workdays, "_fallbacks_logged", set())
    calendar_ = WorkCalendar()

    with caplog.at_level(logging.WARNING, logger="cases.workdays"):
        # 1 January 2027 has no row: a Friday, so a working day until the administrators enter 元旦.
        assert calendar_.add_working_days(at("2026-12-31 10:00"), 1) == at("2027-01-01 10:00")
        assert calendar_.add_working_days(at("2026-12-31 10:00"), 2) == at("2027-01-04 10:00")
    assert calendar_.fallback_years == {2027}
    assert [record.getMessage() for record in caplog.records] == [
        "The work calendar has no rows for 2027: only weekends count as rest days in it until an administrator "
        "enters its holidays and adjusted working days."
    ]
    assert [(gap.year, gap.soon) for gap in calendar_gaps()] == [(2027, True)]

    calendar_import_csv(text="2027-01-01,holiday,元旦\n")
    calendar_ = WorkCalendar()
    assert calendar_.add_working_days(at("2026-12-31 10:00"), 1) == at("2027-01-04 10:00")
    assert calendar_.fallback_years == set()
    assert calendar_gaps() == []


@pytest.mark.parametrize(
    ("today", "gaps"),
    [
        (date(2026, 6, 1), [(2027, False)]),  # next year is missing; the coming 60 days are covered
        (date(2026, 11, 1), [(2027, False)]),  # the 60 days end on 31 December
        (date(2026, 11, 2), [(2027, True)]),  # the 60 days reach 1 January 2027
        (date(2025, 3, 1), []),
    ],
)
def test_the_coming_60_days_and_next_year_must_have_rows(calendar, today, gaps):
    assert [(gap.year, gap.soon) for gap in calendar_gaps(today=today)] == gaps


def test_the_system_check_warns_of_the_missing_year(calendar, time_machine, english):
    time_machine.move_to(LATE_2026, tick=False)
    [warning] = work_calendar_covered()
    assert (warning.id, warning.msg) == ("cases.W001", MISSING_2027_SOON)

    time_machine.move_to(datetime(2026, 6, 1, 10, 0, tzinfo=CALENDAR_ZONE), tick=False)
    [warning] = work_calendar_covered()
    assert (warning.id, warning.msg) == ("cases.W002", MISSING_2027_NEXT_YEAR)

    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)
    assert f"cases.CalendarDay: (cases.W002) {MISSING_2027_NEXT_YEAR}" in err.getvalue()

    calendar_import_csv(text="2027-01-01,holiday,元旦\n")
    assert work_calendar_covered() == []


# ---- the command -----------------------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workcalendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_computes_due_moments(calendar, english):
    assert run("due", "--from", "2026-09-19 10:00", "--days", "1") == ("2026-09-20T10:00:00+08:00\n", "")
    assert run("due", "--from", "2026-09-30 10:00", "--days", "3") == ("2026-10-10T10:00:00+08:00\n", "")
    assert run("due", "--from", "2026-11-10 11:00", "--hours", "2") == ("2026-11-10T14:30:00+08:00\n", "")
    assert run("due", "--from", "2026-11-13 17:00", "--hours", "1") == ("2026-11-16T09:00:00+08:00\n", "")


def test_the_command_warns_when_it_counts_weekends_only(calendar, english, time_machine):
    time_machine.move_to(LATE_2026, tick=False)
    assert run("due", "--from", "2026-12-31 10:00", "--days", "1") == (
        "2027-01-01T10:00:00+08:00\n",
        FALLBACK_2027 + "\n",
    )


def test_the_command_refuses_a_malformed_moment(calendar, english):
    from django.core.management.base import CommandError

    with pytest.raises(
        CommandError, match="--from must be a moment like “2026-09-30 10:00”, not “30/09/2026”."
    ):
        run("due", "--from", "30/09/2026", "--days", "1")


def test_the_command_shows_a_year(calendar, english):
    out, err = run("show", "2026")
    lines = out.splitlines()
    assert len(lines) == 40 and err == ""
    assert lines[:5] == [
        "2026-01-01 Thu Holiday                   元旦",
        "2026-01-02 Fri Holiday                   元旦",
        "2026-01-03 Sat Holiday                   元旦",
        "2026-01-04 Sun Adjusted working day (调休) 元旦",
        "2026-02-14 Sat Adjusted working day (调休) 春节",
    ]
    assert lines[-3:] == [
        "2026-10-07 Wed Holiday                   国庆节",
        "2026-10-10 Sat Adjusted working day (调休) 国庆节",
        "2026: 33 holidays, 6 adjusted working days (调休).",
    ]
    assert run("show", "2027") == (FALLBACK_2027 + "\n", "")


def test_seeding_fills_only_years_without_rows_and_keeps_the_administrators_edits(calendar, english):
    CalendarDay.objects.filter(date=date(2026, 10, 7)).update(name="国庆节（调整）")
    CalendarDay.objects.filter(date=date(2026, 10, 10)).delete()  # the administrators cancelled it
    CalendarDay.objects.filter(date__year=2025).delete()
    before_2026 = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name"))

    out, err = run("seed", "--years", "2025", "2026", "2027")

    assert out == (
        f"2025: {len(package_days()[2025])} days added.\n"
        "2026: kept as it is (the work calendar has days for it already).\n"
        "2027: the chinesecalendar package has no data for this year.\n"
    )
    assert (
        list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name")) == before_2026
    )
    assert CalendarDay.objects.filter(date__year=2025).count() == 33
    before = table()
    run("seed")
    assert table() == before  # idempotent


# ---- one row per date ------------------------------------------------------------------------------------


def test_a_second_row_for_a_date_is_refused_in_the_admin_and_nothing_changes(
    calendar, client, people, english
):
    client.force_login(people["admin"])
    client.cookies["django_language"] = "en"  # the admin speaks the request's language, not the override
    before = table()

    response = client.post(
        reverse("admin:cases_calendarday_add"), {"date": "2026-10-01", "kind": "holiday", "name": "重复"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "date": ["The work calendar already has a row for this date; change that row instead."]
    }
    assert table() == before


def test_a_second_row_for_a_date_is_refused_by_the_database(calendar):
    before = table()
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(date=date(2026, 10, 1), kind=DayKind.HOLIDAY, name="重复")
    assert table() == before


def test_an_import_with_a_date_the_calendar_has_or_a_date_twice_imports_nothing(calendar, english):
    before = table()
    with pytest.raises(CalendarRefused) as refused:
        calendar_import_csv(
            text="date,kind,name\n2027-01-01,holiday,元旦\n2026-10-01,holiday,国庆节\n2027-01-01,holiday,元旦\n"
        )
    assert refused.value.problems == [
        "Line 3: the work calendar already has a row for 2026-10-01 (Holiday 国庆节); change that row instead.",
        "Line 4: 2027-01-01 is on line 2 already; a date has one row.",
    ]
    assert table() == before


# ---- the admin -------------------------------------------------------------------------------------------


def upload(client, text: str):
    file = StringIO(text)
    file.name = "2027.csv"
    return client.post(reverse("admin:cases_calendarday_import"), {"file": file})


def test_an_administrator_imports_next_years_calendar_from_a_file(calendar, client, people, english):
    client.force_login(people["admin"])
    client.cookies["django_language"] = "en"  # the admin speaks the request's language, not the override
    text = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n\n2027-01-03,holiday,元旦\n2027-02-20,workday,春节\n"

    response = upload(client, text)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cases_calendarday_changelist")
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind", "name")) == [
        (date(2027, 1, 1), "holiday", "元旦"),
        (date(2027, 1, 2), "holiday", "元旦"),
        (date(2027, 1, 3), "holiday", "元旦"),
        (date(2027, 2, 20), "workday", "春节"),
    ]
    assert LogEntry.objects.filter(user=people["admin"]).count() == 4
    page = client.get(response["Location"]).content.decode()
    assert "Imported 4 days." in page
    assert is_working_day(date(2027, 1, 1)) is False and is_working_day(date(2027, 2, 20)) is True


def test_a_file_with_a_bad_row_imports_nothing_and_says_what_is_wrong(calendar, client, people, english):
    client.force_login(people["admin"])
    client.cookies["django_language"] = "en"  # the admin speaks the request's language, not the override
    before = table()
    text = (
        "2027-01-01,holiday,元旦\n"
        "2027-13-01,holiday,元旦\n"
        "2027-01-04,rest,元旦\n"
        "2027-02-15,workday,春节\n"
        "2027-02-16\n"
        "2026-10-01,holiday,国庆节\n"
    )

    response = upload(client, text)

    assert response.status_code == 200
    assert response.context["problems"] == [
        "Line 2: “2027-13-01” is not a date like 2027-10-01.",
        "Line 3: the kind is holiday or workday, not “rest”.",
        "Line 4: An adjusted working day (调休) must be a Saturday or a Sunday: weekdays are worked anyway.",
        "Line 5: expected date,kind,name, not “2027-02-16”.",
        "Line 6: the work calendar already has a row for 2026-10-01 (Holiday 国庆节); change that row instead.",
    ]
    assert "Nothing was imported. Correct these rows and import the file again:" in response.content.decode()
    assert table() == before
    assert not LogEntry.objects.exists()


def test_only_who_may_add_days_may_import(calendar, client, people):
    client.force_login(people["supervisor"])
    assert upload(client, "2027-01-01,holiday,元旦\n").status_code == 302  # to the admin's login: not staff
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_the_admin_lists_a_year(calendar, client, people, english):
    client.force_login(people["admin"])
    response = client.get(reverse("admin:cases_calendarday_changelist"), {"year": "2026", "kind": "workday"})
    assert [day.date for day in response.context["cl"].result_list] == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_administrators_see_the_warning_on_the_admin_and_their_pages(calendar, client, people, time_machine):
    time_machine.move_to(LATE_2026, tick=False)
    client.cookies["django_language"] = "en"
    client.force_login(people["admin"])
    warning = escape(MISSING_2027_SOON)
    assert warning in client.get(reverse("admin:index")).content.decode()
    assert warning in client.get(reverse("admin:cases_calendarday_changelist")).content.decode()
    assert warning in client.get(reverse("inbox")).content.decode()

    client.force_login(people["supervisor"])
    assert warning not in client.get(reverse("inbox")).content.decode()

    client.force_login(people["admin"])
    calendar_import_csv(text="2027-01-01,holiday,元旦\n")
    assert "work calendar has no days" not in client.get(reverse("admin:index")).content.decode()
