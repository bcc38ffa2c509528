"""Turning service refusals into responses: the user's language, a 4xx status, the page shown again."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cases.errors import CaseError, NotFound


def refuse(
    request: HttpRequest, error: CaseError, template: str, context: dict, form: forms.Form | None = None
) -> HttpResponse:
    if isinstance(error, NotFound):
        raise Http404(str(error.message))
    if form is not None and error.field and error.field in form.fields:
        form.add_error(error.field, str(error.message))
    else:
        messages.error(request, str(error.message))
    return render(request, template, context, status=error.status_code)
