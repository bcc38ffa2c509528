"""The API's one body parser: JSON, with a size and a depth limit, and text that is valid Unicode. What it
returns is handed to a form (``api.inputs``); what it refuses is a 400 (413 when too large) in the error shape,
never a ``RecursionError`` or a string the database cannot store. Evidence uploads alone take
``multipart/form-data`` (``EvidenceMultiPartParser``), with the attachment size limit."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils import json

from cases.attachments import EvidenceUploadHandler

# The largest body a form takes: a consultation's minutes and decisions (2 × limits.TEXT characters), each
# character escaped as \uXXXX, is about 60 KiB; four times that leaves room and stops a flood.
MAX_BODY_BYTES = 256 * 1024
# A form's body is an object of values and lists of values (depth 2); deeper is no input of ours, and
# Python's JSON reader would recurse until it fails.
MAX_DEPTH = 8

NOT_JSON = _("The body is not valid JSON.")
TOO_DEEP = _("The body is nested too deeply.")
NOT_UNICODE = _("The body holds text that is not valid Unicode.")


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("What you sent is too large.")
    default_code = "too_large"


def checked(data: Any) -> Any:
    """``data`` when no container is nested deeper than ``MAX_DEPTH`` and every string (keys too) is valid
    Unicode (JSON's ``\\ud800`` escapes decode to lone surrogates, which no database stores); a 400 otherwise.
    Walks without recursion."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise exceptions.ParseError(NOT_UNICODE) from None
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise exceptions.ParseError(TOO_DEEP)
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        pending.extend((item, depth + 1) for item in items)
    return data


class JSONBodyParser(parsers.JSONParser):
    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLarge()
        try:
            # JSON between systems is UTF-8 (RFC 8259, 8.1), whatever charset the Content-Type names.
            data = json.loads(raw.decode("utf-8"), parse_constant=json.strict_constant)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None
        except ValueError:  # not JSON, not in the charset, NaN or Infinity, an integer of 4,300 digits
            raise exceptions.ParseError(NOT_JSON) from None
        return checked(data)


UNREADABLE_UPLOAD = _("The upload could not be read; send the file as multipart/form-data.")


class EvidenceMultiPartParser(parsers.MultiPartParser):
    """An evidence upload (``multipart/form-data``): ``cases.attachments.EvidenceUploadHandler`` goes first,
    so a body or a file past ``ATTACHMENT_MAX_BYTES`` is a 413 as it arrives; a malformed body is a 400."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        request = (parser_context or {})["request"]
        if not any(isinstance(handler, EvidenceUploadHandler) for handler in request.upload_handlers):
            request.upload_handlers.insert(0, EvidenceUploadHandler(request))
        try:
            return super().parse(stream, media_type, parser_context)
        except RequestDataTooBig:  # the form fields beside the file, past DATA_UPLOAD_MAX_MEMORY_SIZE
            raise BodyTooLarge() from None
        except (exceptions.ParseError, TooManyFieldsSent, TooManyFilesSent):
            raise exceptions.ParseError(UNREADABLE_UPLOAD) from None
