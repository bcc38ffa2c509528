"""The SMS outbox in the admin: what was sent (and what waits or failed), read-only. A number is shown only to
whoever may see parties' personal data (``rules.is_administrator``); others see it masked. The secrets a
message carried are never shown."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.masking import mask_phone
from cases.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_filter = ["status", "purpose"]
    list_select_related = ["case"]
    search_fields = ["case__reference"]  # never the number: a search would tell who may not see it
    date_hierarchy = "created_at"

    def _may_see_numbers(self, request: HttpRequest) -> bool:
        return rules.is_administrator(request.user)  # type: ignore[arg-type]  # the admin's users are ours

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        number = "phone" if self._may_see_numbers(request) else "phone_masked"
        return ("created_at", "case", "purpose", number, "status", "attempts", "sent_at", "text")

    def get_fields(self, request: HttpRequest, obj: SmsMessage | None = None) -> tuple[str, ...]:
        number = "phone" if self._may_see_numbers(request) else "phone_masked"
        return (
            "case", "purpose", number, "text", "status", "attempts", "created_at", "last_attempt_at",
            "next_attempt_at", "sent_at", "last_error", "provider_id",
        )  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: SmsMessage | None = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    @admin.display(description=_("mobile"))
    def phone_masked(self, message: SmsMessage) -> str:
        return mask_phone(message.phone)

    @admin.display(description=_("text"))
    def text(self, message: SmsMessage) -> str:
        return message.text_shown

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        return False
