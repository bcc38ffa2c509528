"""OpenAPI descriptions of the API's answers (drf-spectacular). Only used to document and check the contract;
the views build their answers in ``api.representations``."""

from rest_framework import serializers as s


class Error(s.Serializer):
    class Body(s.Serializer):
        code = s.CharField()
        message = s.CharField()
        fields = s.DictField(child=s.ListField(child=s.CharField()))

    error = Body()


class UnitRef(s.Serializer):
    id = s.IntegerField()
    name = s.CharField()


class CaseSummary(s.Serializer):
    reference = s.CharField()
    kind = s.ChoiceField(["dispute", "help_request"])
    state = s.CharField()
    unit = UnitRef()
    brand = s.CharField()
    channel = s.CharField()
    priority = s.IntegerField()
    description = s.CharField()
    created_at = s.DateTimeField()
    due_at = s.DateTimeField(allow_null=True)


class Task(s.Serializer):
    id = s.IntegerField()
    reference = s.CharField()
    step = s.CharField()
    title = s.CharField()
    status = s.CharField()
    owner = s.CharField(allow_null=True)
    created = s.DateTimeField()


class AuditRow(s.Serializer):
    id = s.IntegerField()
    at = s.DateTimeField()
    action = s.CharField()
    name = s.CharField()
    to = s.CharField(allow_blank=True)
    actor = s.CharField(allow_null=True)
    subject = s.CharField(allow_null=True)
    reason = s.CharField(allow_blank=True)


AuditRow._declared_fields["from"] = s.CharField(allow_blank=True)


class CaseDetail(CaseSummary):
    fields = s.DictField(
        help_text="Kind-specific data; phone and ID numbers masked unless you work the case."
    )
    timeline = AuditRow(many=True)
    open_tasks = Task(many=True)
    actions = s.ListField(child=s.CharField())


class CasePage(s.Serializer):
    next = s.URLField(allow_null=True, help_text="The next page (its `after` cursor set); null on the last.")
    results = CaseSummary(many=True)


class TaskPage(s.Serializer):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = Task(many=True)


class BoardCase(s.Serializer):
    reference = s.CharField()
    kind = s.ChoiceField(["dispute", "help_request"])
    state = s.CharField()
    unit_id = s.IntegerField()
    unit_path = s.CharField()
    priority = s.IntegerField()
    due_at = s.DateTimeField(allow_null=True)
    created_at = s.DateTimeField()


class BoardUnit(s.Serializer):
    unit_id = s.IntegerField()
    name = s.CharField()
    path = s.CharField()


class BoardChild(BoardUnit):
    open = s.IntegerField()


class BoardSnapshot(s.Serializer):
    type = s.ChoiceField(["snapshot"])
    seq = s.IntegerField(help_text="The last audit row id of the subtree: resume ws/board/ after it.")
    unit = BoardUnit()
    by_state = s.DictField(child=s.IntegerField(), help_text="Cases of the subtree per state.")
    children = BoardChild(many=True)
    newest = BoardCase(many=True)
    overdue = BoardCase(many=True)
    open = s.IntegerField()


class Notification(s.Serializer):
    id = s.IntegerField()
    type = s.CharField()
    text = s.CharField()
    case = s.CharField(allow_null=True)
    url = s.CharField(allow_null=True)
    created = s.DateTimeField()
    read = s.BooleanField()


class NotificationList(s.Serializer):
    results = Notification(many=True)


class Unread(s.Serializer):
    unread = s.IntegerField()


class Released(s.Serializer):
    id = s.IntegerField()
    status = s.CharField()


class DisputeIn(s.Serializer):
    category = s.ChoiceField(["neighbour", "property", "labour", "consumer", "family", "other"])
    description = s.CharField()
    channel = s.ChoiceField(["visit", "phone", "online", "grid"])
    applicant_name = s.CharField()
    applicant_phone = s.CharField()
    applicant_id_number = s.CharField(required=False)
    respondent_name = s.CharField(required=False)
    respondent_phone = s.CharField(required=False)
    grid = s.CharField(required=False)
    may_escalate = s.BooleanField(required=False)
    unit = s.IntegerField(required=False)


class HelpRequestIn(s.Serializer):
    enterprise_name = s.CharField()
    credit_code = s.CharField()
    contact_name = s.CharField()
    contact_phone = s.CharField()
    specialties = s.ListField(child=s.ChoiceField(["legal", "accounting", "tax"]))
    description = s.CharField()
    channel = s.ChoiceField(["visit", "phone", "online"])
    priority = s.IntegerField(required=False)
    card_code = s.CharField(required=False)
    unit = s.IntegerField(required=False)


class ReasonIn(s.Serializer):
    reason = s.CharField()
    to = s.CharField(required=False)
    task = s.IntegerField(required=False)
    to_user = s.CharField(required=False)


class ReadIn(s.Serializer):
    ids = s.ListField(child=s.IntegerField(), required=False)
    up_to = s.IntegerField(required=False)


class TokenOut(s.Serializer):
    token = s.CharField()


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 405: Error, 409: Error, 415: Error, 429: Error}
