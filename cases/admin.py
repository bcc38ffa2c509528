"""Administrators manage units, people and experience cards here; cases change only through the services."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from cases.models import AuditEntry, CardBatch, Case, ExperienceCard, Unit, User


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "kind", "brand_name"]


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "display_name", "unit", "specialty", "pool", "is_active"]
    list_filter = ["groups", "specialty", "is_active"]
    list_select_related = ["unit", "pool"]
    fieldsets = [
        *UserAdmin.fieldsets,  # type: ignore[misc]  # optional in django-stubs; UserAdmin has them
        (_("Casework"), {"fields": ["display_name", "phone", "unit", "specialty", "pool"]}),
    ]


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
