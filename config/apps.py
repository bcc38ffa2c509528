"""Third-party applications as this project names them in the admin (the admin lists an application by its
``verbose_name``; django-axes has none, so its section read "Axes", in English on a Chinese page)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginLockoutConfig(AxesAppConfig):
    verbose_name = _("Login lockout")

    def ready(self) -> None:
        super().ready()
        from axes.admin import AccessAttemptAdmin

        # Its lockout column is a method without a title: Django would show the method's name, "Status".
        AccessAttemptAdmin.status.short_description = _("Lockout status")
