"""The parties' part of the API: the public tracking lookup (no login) and, for the workers, a new tracking
code and public progress notes. The same forms, services and selectors as the pages (``web.views.parties``)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as s
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs
from api.request_bodies import form_serializer
from api.serializers import BODY_ERRORS, Timestamp
from api.throttles import TrackThrottle
from api.views import caller
from cases.errors import NotFound
from cases.models import CaseKind, PublicNote, PublicStage
from cases.party_forms import PublicNoteForm, TrackForm
from cases.selectors.tracking import PublicStatus, case_public_status, case_tracked
from workflow.services import parties

NO_MATCH = _("No case matches this reference and tracking code.")

# ---- what they take (for the schema; the views validate with the forms) ---------------------------------------

TrackIn = form_serializer(
    TrackForm(),
    name="TrackIn",
    doc="The reference and the tracking code from the party's receipt.",
    help={"code": "As printed (`ABCD-EFGH-JKLM`); case, spaces and dashes do not matter."},
)
PublicNoteIn = form_serializer(PublicNoteForm(), name="PublicNoteIn", doc="A note the party will read.")

# ---- what they answer ----------------------------------------------------------------------------------------


class StageOut(s.Serializer[Any]):
    stage = s.ChoiceField(choices=PublicStage.choices)
    stage_label = s.SerializerMethodField()
    since = Timestamp()

    class Meta:
        ref_name = "PublicStageEntry"

    def get_stage_label(self, entry: Any) -> str:
        """The stage in the request's language."""
        return str(PublicStage(entry.stage).label)


class NoteOut(s.Serializer[Any]):
    at = Timestamp()
    text = s.CharField()

    class Meta:
        ref_name = "PublicNote"


class PublicStatusOut(s.Serializer[PublicStatus]):
    """The case as its party may read it: its stage (the public wording of its state), when each stage began,
    the due moment while one is due, and the notes the office made public. No names, phone or ID numbers,
    minutes or who worked it."""

    reference = s.CharField()
    kind = s.ChoiceField(choices=CaseKind.choices)
    unit = s.CharField(help_text="The office that has the case.")
    stage = s.ChoiceField(choices=PublicStage.choices)
    stage_label = s.SerializerMethodField()
    since = Timestamp(help_text="When the current stage began.")
    registered_at = Timestamp()
    due_at = Timestamp(allow_null=True, help_text="Null once the case is concluded, or without a limit.")
    waiting_for_party = s.BooleanField(help_text="The office waits for a party; the time limit stands still.")
    referred_to = s.CharField(allow_blank=True, help_text="The office a referred case went to.")
    stages = StageOut(many=True)
    notes = NoteOut(many=True)

    def get_stage_label(self, status: PublicStatus) -> str:
        return str(status.stage.label)


class TrackingCodeOut(s.Serializer[dict[str, Any]]):
    """The new code, shown this once: only its hash is kept."""

    reference = s.CharField()
    tracking_code = s.CharField()


# ---- the views ---------------------------------------------------------------------------------------------------


@extend_schema(
    request=TrackIn,
    responses={200: PublicStatusOut, **BODY_ERRORS},
    auth=[],
    description="For the parties, without a login: the case's public status. A wrong code and an unknown "
    "reference get the same 404. Lookups are limited per client address (`TRACK_RATE`, with the tracking "
    "page's): past it, a 429 with `Retry-After`.",
    operation_id="v1_track",
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([TrackThrottle])
def track(request: Request) -> Response:
    values = inputs.cleaned(TrackForm(inputs.body(request)))
    case = case_tracked(reference=values["reference"], code=values["code"])
    if case is None:
        raise NotFound(NO_MATCH)
    return Response(PublicStatusOut(case_public_status(case=case)).data)


@extend_schema(
    request=None,
    responses={200: TrackingCodeOut, **BODY_ERRORS},
    description="A new tracking code for the case's party (a worker or supervisor of the case): the old code "
    "stops working, the party gets the new one by SMS, and the answer shows it this once.",
)
@api_view(["POST"])
def tracking_code(request: Request, reference: str) -> Response:
    case, code = parties.tracking_code_reissue(reference=reference, user=caller(request))
    return Response(TrackingCodeOut({"reference": case.reference, "tracking_code": code}).data)


@extend_schema(
    request=PublicNoteIn,
    responses={201: NoteOut, **BODY_ERRORS},
    description="A progress note the party reads on the tracking page, without its author (a worker or "
    "supervisor of the case).",
)
@api_view(["POST"])
def public_notes(request: Request, reference: str) -> Response:
    values = inputs.cleaned(PublicNoteForm(inputs.body(request)))
    note: PublicNote = parties.public_note_add(reference=reference, user=caller(request), text=values["note"])
    return Response(NoteOut({"at": note.created_at, "text": note.text}).data, status=201)
