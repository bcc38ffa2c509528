"""Administrators manage units, people, experience cards, the work calendar and the deadline policies here;
cases change only through the services."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from cases.models import (
    AuditEntry,
    CalendarDay,
    CardBatch,
    Case,
    Clock,
    DeadlinePolicy,
    ExperienceCard,
    SupervisionOrder,
    Unit,
    User,
)
from cases.services import people
from cases.services.calendar import CalendarRefused, calendar_import_csv
from cases.steps import STEPS


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "kind", "brand_name", "organisation_type"]


@admin.register(User)
class PersonAdmin(UserAdmin):
    actions = ["revoke_tokens", "deactivate"]
    list_display = ["username", "display_name", "unit", "specialty", "pool", "is_active"]
    list_filter = ["groups", "specialty", "is_active"]
    list_select_related = ["unit", "pool"]
    fieldsets = [
        *UserAdmin.fieldsets,  # type: ignore[misc]  # optional in django-stubs; UserAdmin has them
        (_("Casework"), {"fields": ["display_name", "phone", "unit", "specialty", "pool"]}),
    ]

    @admin.action(description=_("Revoke their API tokens"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        revoked = people.people_tokens_revoke(people=queryset)
        self.message_user(request, _("%(count)d API tokens revoked.") % {"count": revoked})

    @admin.action(description=_("Deactivate them and revoke their API tokens"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = people.people_deactivate(people=queryset)
        self.message_user(request, _("%(count)d people deactivated.") % {"count": count})

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Unticking "active" revokes the person's tokens too."""
        super().save_model(request, obj, form, change)
        if change and not obj.is_active:
            people.people_tokens_revoke.within(
                people=User.objects.filter(pk=obj.pk)
            )  # the admin's transaction


class CardInline(admin.TabularInline):
    model = ExperienceCard
    extra = 0


@admin.register(CardBatch)
class CardBatchAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "issued_on", "expires_on", "services_per_card"]
    inlines = [CardInline]


@admin.register(ExperienceCard)
class ExperienceCardAdmin(admin.ModelAdmin):
    list_display = ["code", "enterprise_name", "services_left", "expires_on"]
    search_fields = ["code", "enterprise_name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases and the audit trail are read-only here: writes go through the services (and the audit)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "state", "unit", "priority", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["unit"]
    search_fields = ["reference"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "action", "name", "from_state", "to_state", "actor"]
    list_select_related = ["case", "actor"]


# ---- the work calendar -----------------------------------------------------------------------------------


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            (str(day.year), str(day.year)) for day in CalendarDay.objects.dates("date", "year", order="DESC")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class CalendarImportForm(forms.Form):
    MAX_BYTES = 1_000_000

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One day a line: date,kind,name, e.g. 2027-10-01,holiday,国庆节 or 2027-09-26,workday,国庆节 (kind is "
            "holiday or workday; an adjusted working day is a Saturday or Sunday). A header line is allowed. "
            "UTF-8 text."
        ),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is too large for a calendar (1 MB at most)."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from error


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and adjusted working days (调休). Dates without a row follow the week (Saturday and Sunday rest)."""

    list_display = ["date", "weekday", "kind", "name"]
    list_filter = [YearFilter, "kind"]
    search_fields = ["name"]

    @admin.display(description=_("weekday"))
    def weekday(self, day: CalendarDay) -> str:
        return formats.date_format(day.date, "l")

    def get_urls(self) -> list[URLPattern]:
        urls: list[URLPattern] = [
            path("import/", self.admin_site.admin_view(self.import_view), name="cases_calendarday_import")
        ]
        return urls + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Adds the days of a CSV file, all or none: a bad row, or a date the calendar has, refuses the file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        problems: list[str] = []
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                days = calendar_import_csv(text=form.cleaned_data["file"])
            except CalendarRefused as refusal:
                problems = refusal.problems
            else:
                assert request.user.pk is not None  # admin views are for signed-in staff only
                LogEntry.objects.log_actions(request.user.pk, days, ADDITION, change_message=[{"added": {}}])
                self.message_user(
                    request,
                    ngettext("Imported %(count)d day.", "Imported %(count)d days.", len(days))
                    % {"count": len(days)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:cases_calendarday_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import days from a file"),
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/cases/calendarday/import.html", context)


# ---- deadline policies and clocks --------------------------------------------------------------------------


def step_choices() -> list[tuple[str, str]]:
    titles: dict[str, str] = {}
    for step in STEPS:
        titles.setdefault(step.name, f"{step.title} ({step.name})")
    return [("", str(_("The whole case"))), *sorted(titles.items())]


class DeadlinePolicyForm(forms.ModelForm):
    step = forms.TypedChoiceField(label=_("step"), choices=step_choices, required=False)

    class Meta:
        model = DeadlinePolicy
        fields = ["kind", "step", "priority", "counted_from", "amount", "unit"]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """How long each step and each case may take (``cases.models.clocks``). A change applies to steps opened
    afterwards; a running clock keeps the policy it started with."""

    form = DeadlinePolicyForm
    list_display = ["kind", "step", "priority", "counted_from", "amount", "unit"]
    list_filter = ["kind", "priority", "unit"]


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    """The clocks of steps and cases, and their timers: read only, the services keep them."""

    list_display = ["case", "step", "started_at", "due_at", "paused_at", "stopped_at"]
    list_filter = ["step"]
    list_select_related = ["case"]
    search_fields = ["case__reference"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    """Supervision orders (督办单): read only, issued and answered on the case page and through the API, escalated
    by the timer runner."""

    list_display = ["case", "unit", "issued_by", "level", "state", "due_at", "replied_at"]
    list_filter = ["state", "level"]
    list_select_related = ["case", "unit", "issued_by"]
    search_fields = ["case__reference"]


from cases import admin_parties  # noqa: E402, F401  (the SMS outbox's page)
