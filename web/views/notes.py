"""Page: a note on a case (备注), posted from the case page's notes section."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import forms as case_forms
from cases.errors import CaseError
from web.notes import NOTE_IDS
from web.refusals import refuse
from web.requests import AuthenticatedHttpRequest
from web.views.cases import _case_context, _get_case
from workflow import services


@login_required
@require_POST
def case_note_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """A refused note shows the case page again with the message beside the field (400), nothing written; a
    case the writer may not see is a 404."""
    case = _get_case(request, reference)
    form = case_forms.NoteForm(request.POST, auto_id=NOTE_IDS)
    if not form.is_valid():
        return render(request, "cases/detail.html", _case_context(request, case, note_form=form), status=400)
    try:
        note = services.case_note_add(reference=reference, user=request.user, text=form.cleaned_data["note"])
    except CaseError as error:
        return refuse(request, error, "cases/detail.html", _case_context(request, case, note_form=form), form)
    messages.success(request, _("Your note is on the case."))
    return redirect(f"{reverse('case', args=[reference])}#note-{note.pk}")
