"""The API's notes on a case (备注): the thread and a new note. They call what the pages call
(``cases.selectors.notes``, ``workflow.services.case_note_add``): a case you may not see is a 404; a case you
see without its notes (a professional before claiming one of its steps) a 403; an empty or too long note, or
a mention of someone unknown or who may not see the case, a 400 with nothing written."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs
from api import request_bodies as bodies
from api import serializers as answers
from api.views import caller
from cases import forms as case_forms
from cases.selectors.notes import note_list
from workflow import services
from workflow.selectors import case_get_for_user


@extend_schema(
    methods=["GET"],
    operation_id="v1_case_notes_list",
    description="The case's notes, oldest first. 403 for someone who sees the case without its notes (a "
    "professional before claiming one of its steps), 404 for a case you may not see.",
    responses={200: answers.NoteList, **answers.ERRORS},
)
@extend_schema(
    methods=["POST"],
    operation_id="v1_case_notes_create",
    description="Add a note (`note`, its text, at most 1,000 characters). `@login` mentions someone, who is notified "
    "(`note.mentioned`); each person mentioned must see the case's notes, or the note is refused (400) and "
    "nothing is written.",
    request=bodies.NoteIn,
    responses={201: answers.NoteOut, **answers.BODY_ERRORS},
)
@api_view(["GET", "POST"])
def case_notes(request: Request, reference: str) -> Response:
    user = caller(request)
    case = case_get_for_user(reference=reference, user=user)  # a case you may not see: 404 before all else
    if request.method == "GET":
        return Response(answers.NoteList({"results": note_list(case=case, user=user)}).data)
    note_list(case=case, user=user)  # 403 before the input for someone who may not see them
    values = inputs.cleaned(case_forms.NoteForm(inputs.body(request)))
    note = services.case_note_add(reference=reference, user=user, text=values["note"])
    return Response(answers.NoteOut(note).data, status=201)
