"""Administrators manage units, people and experience cards here; cases change only through the services."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from cases.models import AuditEntry, CardBatch, Case, ExperienceCard, Unit, User
from cases.services import people


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "kind", "brand_name"]


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
