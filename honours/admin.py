from django.contrib import admin

from honours.models import AssessmentSheet, CriterionWeight, HonourAuditEntry, Nomination


@admin.register(CriterionWeight)
class CriterionWeightAdmin(admin.ModelAdmin):
    """The weights of the 五强 / 六好 criteria on new sheets (a submitted sheet keeps its own)."""

    list_display = ["criterion", "weight"]
    list_editable = ["weight"]

    def has_add_permission(self, request):  # one row per criterion, seeded
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdmin):
    list_display = ["year", "kind", "person", "unit", "state", "nominated_by", "decided_by"]
    list_filter = ["year", "kind", "state"]


@admin.register(AssessmentSheet)
class AssessmentSheetAdmin(ReadOnlyAdmin):
    list_display = ["year", "unit", "scheme", "total", "grade", "assessed_by", "submitted_at"]
    list_filter = ["year", "scheme", "grade"]


@admin.register(HonourAuditEntry)
class HonourAuditAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "unit", "year", "target_id", "detail"]
    list_filter = ["action"]
