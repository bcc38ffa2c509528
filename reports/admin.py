from django.contrib import admin

from reports.models import RankingWeights


@admin.register(RankingWeights)
class RankingWeightsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "on_time", "satisfaction", "bounce", "reopen", "minimum_cases"]

    def has_add_permission(self, request) -> bool:
        # One row: the formula of the 红黑榜 (``RankingWeights.current``).
        return not RankingWeights.objects.exists() and super().has_add_permission(request)
