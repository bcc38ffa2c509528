"""What an evidence file may be, judged by its content, and how one goes over HTTP.

A file is what its bytes are, never what its name or the browser says: ``filetype`` recognises the type from
the first bytes, and each allowed type is then checked for what it claims to be (``evidence_read``):
- a photo (JPEG, PNG, WebP) must decode as one (Pillow), and holds no markup a browser could run as a page
  (``<script``, ``<iframe``, … anywhere; an HTML or SVG start where browsers sniff): a script disguised as a
  photo is refused;
- a PDF starts with its header and ends with ``%%EOF``;
- a Word file (.docx) is a zip whose ``[Content_Types].xml`` names a Word main document that the archive holds,
  with no macros (a .docm, a template, a spreadsheet or any other zip is refused).
Anything else (an SVG, HTML, a script, an executable, a legacy .doc) is refused. The size limit is the setting
``ATTACHMENT_MAX_BYTES``; ``EvidenceUploadHandler`` enforces it while the upload arrives (413).

A download (``attachment_response``) carries the stored type, ``X-Content-Type-Options: nosniff``, a sandboxing
policy, and ``Content-Disposition: attachment`` for anything but a photo.
"""

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from cases.errors import InvalidInput, TooLarge
from cases.models.attachments import NAME_LENGTH, Attachment, AttachmentType

EXTENSIONS = {
    AttachmentType.JPEG: "jpg",
    AttachmentType.PNG: "png",
    AttachmentType.WEBP: "webp",
    AttachmentType.PDF: "pdf",
    AttachmentType.DOCX: "docx",
}
# Shown in the browser; every other type is downloaded.
INLINE = frozenset({AttachmentType.JPEG, AttachmentType.PNG, AttachmentType.WEBP})
# What the file pickers offer (a phone offers its camera for ``image/*``); the server decides by content.
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf,.docx," + AttachmentType.DOCX.value
PILLOW_FORMATS = {AttachmentType.JPEG: "JPEG", AttachmentType.PNG: "PNG", AttachmentType.WEBP: "WEBP"}

# A multipart body holds the file and a few small fields: a body longer than the limit by more than this is
# refused from its Content-Length, before it is read.
MULTIPART_OVERHEAD = 64 * 1024

NOT_ALLOWED = _("Only photos (JPEG, PNG, WebP), PDF and Word (.docx) files may be attached.")
NOT_WHAT_IT_SEEMS = _("This file is not a valid %(type)s; it cannot be attached.")
EMPTY = _("The file is empty.")

# Markup that would run if a browser took the bytes for a page. Anywhere in a photo: long enough that photo data
# holds it by chance about once in 10^8 files of 10 MB. At the start (the first 1445 bytes, where browsers sniff
# for HTML): the beginnings of an HTML or SVG document.
# Plain lower-case byte searches: a case-insensitive regular expression takes most of a second over 10 MB.
ACTIVE_ANYWHERE = (b"<script", b"<iframe", b"<object", b"<embed", b"javascript:")
ACTIVE_AT_START = (b"<html", b"<svg", b"<!doctype", b"<head", b"<body")
SNIFFED_BYTES = 1445

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES_LIMIT = 1024 * 1024  # the [Content_Types].xml of a real document is a few kilobytes
ZIP_ENTRIES_LIMIT = 10_000
OVERRIDE = re.compile(rb"<Override\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(rb'(\w+)\s*=\s*"([^"]*)"')


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def max_size() -> str:
    """The limit for people: "10.0 MB" (with a plain space: the text goes into JSON too)."""
    return filesizeformat(max_bytes()).replace("\xa0", " ")


def too_large() -> TooLarge:
    return TooLarge(gettext("A file may be at most %(size)s.") % {"size": max_size()}, field="file")


@dataclass(frozen=True)
class Evidence:
    """A file that passed: its bytes, what they are, and the name people see (its extension the type's)."""

    data: bytes
    content_type: AttachmentType
    name: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def evidence_read(upload: IO[bytes], *, name: str) -> Evidence:
    """The file's bytes and type, or a refusal: ``TooLarge`` past the limit, ``InvalidInput`` for an empty
    file or one whose content is no allowed type."""
    limit = max_bytes()
    if (getattr(upload, "size", None) or 0) > limit:
        raise too_large()
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large()
    if not data:
        raise InvalidInput(EMPTY, field="file")
    content_type = evidence_type(data)
    return Evidence(data=data, content_type=content_type, name=display_name(name, content_type))


def evidence_type(data: bytes) -> AttachmentType:
    """The allowed type the bytes are, checked through; ``InvalidInput`` otherwise."""
    if data.startswith(b"PK\x03\x04"):
        kind = AttachmentType.DOCX
        valid = _is_word_document(data)
    else:
        guessed = filetype.guess_mime(data)
        if guessed not in AttachmentType.values or guessed == AttachmentType.DOCX:
            raise InvalidInput(NOT_ALLOWED, field="file")
        kind = AttachmentType(guessed)
        valid = _is_pdf(data) if kind == AttachmentType.PDF else _is_photo(data, kind)
    if not valid:
        raise InvalidInput(NOT_WHAT_IT_SEEMS % {"type": kind.label}, field="file")
    return kind


def _is_photo(data: bytes, kind: AttachmentType) -> bool:
    lowered = data.lower()
    if any(marker in lowered for marker in ACTIVE_ANYWHERE):
        return False
    if any(marker in lowered[:SNIFFED_BYTES] for marker in ACTIVE_AT_START):
        return False
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as image:
            if image.width * image.height > (Image.MAX_IMAGE_PIXELS or 0):
                return False
            image.verify()
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as image:
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))  # JPEG: decode at 1/8
            image.load()  # the whole picture decodes: no script behind a valid header
    except Exception:  # whatever Pillow raises on bytes that are no picture: OSError, SyntaxError, …
        return False
    return True


def _is_pdf(data: bytes) -> bool:
    return re.match(rb"%PDF-[12]\.[0-9]", data) is not None and b"%%EOF" in data[-1024:]


def _is_word_document(data: bytes) -> bool:
    """A .docx: a zip whose content types name a Word main document (not a macro-enabled one, not a template)
    at a part the archive holds, and no VBA project. The XML is matched, never parsed (no entity expansion)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_ENTRIES_LIMIT:
                return False
            names = {entry.filename for entry in entries}
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return False
            types = archive.getinfo("[Content_Types].xml")
            if types.file_size > CONTENT_TYPES_LIMIT:
                return False
            with archive.open(types) as member:
                xml = member.read(CONTENT_TYPES_LIMIT + 1)
    except Exception:  # not a zip, no [Content_Types].xml, encrypted, an unknown compression: not a .docx
        return False
    if len(xml) > CONTENT_TYPES_LIMIT or b"macroenabled" in xml.lower():
        return False
    for override in OVERRIDE.finditer(xml):
        attributes = {key.lower(): value for key, value in ATTRIBUTE.findall(override[1])}
        if attributes.get(b"contenttype") == WORD_MAIN.encode():
            part = attributes.get(b"partname", b"").decode("utf-8", "replace").lstrip("/")
            return part in names
    return False


def display_name(name: str, content_type: AttachmentType) -> str:
    """The name people see and download: the uploaded name without folders, control or invisible characters
    (a right-to-left mark can disguise an extension), its extension replaced by the type's own."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" .") or gettext("attachment")
    extension = EXTENSIONS[content_type]
    return f"{stem[: NAME_LENGTH - len(extension) - 1]}.{extension}"


class EvidenceUploadHandler(FileUploadHandler):
    """The first of a request's upload handlers where evidence is uploaded: a body whose Content-Length is
    past the limit is refused before it is read, and a file past it as soon as it is (413). The files are
    then kept where Django keeps uploads (memory or a temporary file), never in the evidence storage."""

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding=None):
        if content_length > max_bytes() + MULTIPART_OVERHEAD:
            raise too_large()
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > max_bytes():
            raise too_large()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


# Served files run nothing and load nothing, even when a browser shows them (GitHub's policy for user content).
SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def attachment_response(attachment: Attachment, content: IO[bytes]) -> FileResponse:
    """The file as a download (a photo shown inline), with its stored type and nothing for a browser to
    sniff or run; never cached outside the browser that asked."""
    response = FileResponse(
        content,
        as_attachment=attachment.content_type not in INLINE,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    return response
