"""One's own account: the password (Django's password change views, under django-axes' lockout rules) and
which notifications also pop up as a toast."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications import selectors, services
from web.requests import AuthenticatedHttpRequest


class ToastForm(forms.Form):
    toasts = forms.MultipleChoiceField(
        label=gettext_lazy("Also alert me by a toast for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["toasts"].choices = [  # type: ignore[attr-defined]  # a MultipleChoiceField
            (event_type.value, event_type.text % _PLACEHOLDERS) for event_type in selectors.toast_choices()
        ]
        self.fields["toasts"].error_messages["invalid_choice"] = gettext_lazy(
            "Choose one of the listed options."
        )


class _Placeholders(dict):
    """Fills an event type's text for the preference list: every parameter reads as "…"."""

    def __missing__(self, key: str) -> str:
        return "…"


_PLACEHOLDERS = _Placeholders()


@login_required
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own page: who they are, the password link, and the toast preferences (every type alerts
    by toast until unticked; every notification is stored and on the bell whatever is chosen)."""
    silenced = selectors.toast_silenced(user=request.user)
    every = [choice.value for choice in selectors.toast_choices()]
    form = ToastForm(
        request.POST or None, initial={"toasts": [value for value in every if value not in silenced]}
    )
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "account/account.html", {"form": form}, status=400)
        chosen = set(form.cleaned_data["toasts"])
        services.toast_preference_set(user=request.user, silenced=[v for v in every if v not in chosen])
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("account")
    return render(request, "account/account.html", {"form": form})


class AxesPasswordChangeForm(PasswordChangeForm):
    """A wrong current password counts as a failed login for django-axes (the same limit and cool-off as the
    login page): the page cannot be used to guess a password that the login would lock out."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.user.get_username()},
                request=self.request,
            )
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = AxesPasswordChangeForm
    template_name = "account/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def dispatch(self, request, *args, **kwargs):
        credentials = {"username": request.user.get_username()} if request.user.is_authenticated else None
        if credentials and AxesProxyHandler.is_locked(request, credentials):
            return get_lockout_response(request, None, credentials)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "account/password_change_done.html"
