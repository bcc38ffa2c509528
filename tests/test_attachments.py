"""Evidence attachments through the real URLs (the API and the pages), as each role: what is accepted (by content),
who sees, adds and removes them, how they are served, and every refusal leaving nothing behind: no row, no
audit row, no file in the storage (its folder is listed before and after)."""

import hashlib
import io
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError
from django.test import Client
from PIL import Image
from rest_framework.authtoken.models import Token

from cases.models import Attachment, AuditAction, AuditEntry, Case, CaseParticipant
from cases.services import attachments as attachment_services
from demo.lifecycles import dispute_to, help_request_to
from tests.helpers import open_task, open_tasks
from tests.live import asgi_server
from tests.test_api_schema import Answers
from tests.test_live_servers import live  # noqa: F401  (the fixture)
from workflow import services

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WORD_MAIN = WORD + ".main+xml"


# ---- files, made here -----------------------------------------------------------------------------------------


def picture(format: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (183, 28, 28)).save(buffer, format)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def word(
    main_type: str = WORD_MAIN, *, extra: dict[str, bytes] | None = None, part: str = "word/document.xml"
):
    """A minimal .docx (or, with another ``main_type``, a zip that only looks like one)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<w:document><w:body><w:p>调解协议书</w:p></w:body></w:document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


JPEG, PNG, WEBP = picture("JPEG"), picture("PNG"), picture("WEBP")
DOCX = word()


def upload(data: bytes, name: str = "现场照片.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# ---- fixtures and readers -------------------------------------------------------------------------------------


@pytest.fixture
def evidence(settings, tmp_path) -> Path:
    """The evidence storage in a folder of the test's own."""
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


def stored(root: Path) -> list[str]:
    """Every file in the storage's folder."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def api(user, language: str = "en") -> Client:
    token = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)


def page(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def unchanged(root: Path):
    """What a refusal leaves as it was: attachments, audit rows, stored files."""
    return (Attachment.objects.count(), AuditEntry.objects.count(), stored(root))


def attach(user, case: Case, data: bytes = JPEG, name: str = "现场照片.jpg", **fields):
    return api(user).post(
        f"/api/v1/cases/{case.reference}/attachments/", {"file": upload(data, name), **fields}
    )


def error(response) -> tuple[int, str, str, dict]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"], body["fields"]


@pytest.fixture
def dispute(people):
    return dispute_to("triaged", people)


# ---- adding, listing, downloading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "sent_as", "name", "content_type", "disposition"),
    [
        (JPEG, "现场照片.jpg", "现场照片.jpg", "image/jpeg", "inline"),
        (PNG, "截图.PNG", "截图.png", "image/png", "inline"),
        (WEBP, "photo.webp", "photo.webp", "image/webp", "inline"),
        (PDF, "扫描件.pdf", "扫描件.pdf", "application/pdf", "attachment"),
        (DOCX, "调解协议书.docx", "调解协议书.docx", WORD, "attachment"),
    ],
)
def test_a_worker_attaches_each_allowed_type_and_downloads_it_as_stored(
    people, dispute, evidence, data, sent_as, name, content_type, disposition
):
    mediator = people["mediator"]
    response = attach(mediator, dispute, data, sent_as)
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert response.json() == {
        "id": attachment.pk,
        "reference": dispute.reference,
        "step": "",
        "task": None,
        "name": name,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "uploaded_by": "mediator",
        "uploaded_at": attachment.uploaded_at.isoformat(),
        "url": f"/api/v1/attachments/{attachment.pk}/",
        "removable": True,
    }
    # stored under a random name that says nothing, with the exact bytes
    assert stored(evidence) == [attachment.blob]
    assert len(Path(attachment.blob).name) == 32 and name.split(".")[0] not in attachment.blob
    assert (evidence / attachment.blob).read_bytes() == data
    # one audit row names the file
    entry = AuditEntry.objects.filter(case=dispute).latest("id")
    assert (entry.action, entry.name, entry.reason, entry.actor, entry.task_id) == (
        AuditAction.ATTACHMENT_ADDED,
        "attachment",
        name,
        mediator,
        None,
    )
    # the download: the stored type, nothing to sniff, a photo inline and anything else as a file
    for client in (api(mediator), page(mediator)):
        url = "/api/v1/attachments/%d/" if client.defaults.get("HTTP_AUTHORIZATION") else "/attachments/%d/"
        download = client.get(url % attachment.pk, HTTP_ACCEPT="image/*")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == data
        assert download["Content-Type"] == content_type
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith(disposition + "; filename")
        assert download["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        assert download["Cache-Control"] == "private, no-store"


def test_a_file_on_a_step_is_listed_with_its_step_and_on_the_timeline(people, dispute, evidence):
    mediator = people["mediator"]
    convene = open_task(dispute, "convene")
    response = attach(mediator, dispute, PDF, "约谈通知.pdf", task=convene.pk)
    assert response.status_code == 201
    attach(mediator, dispute, JPEG, "现场.jpg")
    listed = api(mediator).get(f"/api/v1/cases/{dispute.reference}/attachments/").json()["results"]
    assert [(row["name"], row["step"], row["task"]) for row in listed] == [
        ("约谈通知.pdf", "convene", convene.pk),
        ("现场.jpg", "", None),
    ]
    entries = AuditEntry.objects.filter(case=dispute, action=AuditAction.ATTACHMENT_ADDED).order_by("id")
    assert [(e.name, e.reason, e.task_id) for e in entries] == [
        ("convene", "约谈通知.pdf", convene.pk),
        ("attachment", "现场.jpg", None),
    ]
    # the case page lists each with its step, the timeline names each file
    html = page(mediator).get(f"/cases/{dispute.reference}/").content.decode()
    section = html.split('id="attachments"')[1].split("</section>")[0]
    assert (
        "约谈通知.pdf" in section
        and "Schedule the consultation" in section
        and "the case as a whole" in section
    )
    timeline = html.split("Timeline")[1]
    assert "Attachment added" in timeline and "约谈通知.pdf" in timeline and "现场.jpg" in timeline


def test_the_api_timeline_names_the_files_only_to_whoever_sees_them(people, evidence):
    case = help_request_to("dispatched", people, specialties=["legal"])
    attach(people["liaison"], case, PDF, "营业执照.pdf")

    def reason(user) -> str:
        timeline = api(user).get(f"/api/v1/cases/{case.reference}/").json()["timeline"]
        return next(row["reason"] for row in timeline if row["action"] == "attachment_added")

    assert reason(people["liaison"]) == reason(people["supervisor"]) == "营业执照.pdf"
    assert reason(people["lawyer"]) == ""  # sees the case in the queue, not its attachments
    html = page(people["lawyer"]).get(f"/cases/{case.reference}/").content.decode()
    assert "营业执照.pdf" not in html
    assert "claim one of its steps to see them" in html


def test_a_name_is_kept_without_folders_or_invisible_characters_and_with_the_types_extension(
    people, dispute, evidence
):
    response = attach(people["mediator"], dispute, PNG, "..\\..\\合同\u202egnp.html")
    assert response.status_code == 201
    assert response.json()["name"] == "合同gnp.png"
    response = attach(people["mediator"], dispute, PDF, ".pdf")
    assert response.json()["name"] == "attachment.pdf"


# ---- who sees, adds and removes ----------------------------------------------------------------------------------


def test_a_professional_sees_the_attachments_only_after_claiming(people, evidence):
    case = help_request_to("dispatched", people, specialties=["legal"])
    attach(people["liaison"], case, PDF, "营业执照.pdf")
    attachment = Attachment.objects.get()
    lawyer = people["lawyer"]
    before = unchanged(evidence)
    # before claiming: the case is in the queue (its page opens), its attachments are not shown
    assert api(lawyer).get(f"/api/v1/cases/{case.reference}/").status_code == 200
    refused = "Attachments are shown to the people working the case; claim one of its steps to see them."
    assert error(api(lawyer).get(f"/api/v1/cases/{case.reference}/attachments/")) == (
        403,
        "forbidden",
        refused,
        {},
    )
    assert error(api(lawyer).get(f"/api/v1/attachments/{attachment.pk}/")) == (403, "forbidden", refused, {})
    assert error(attach(lawyer, case, JPEG)) == (403, "forbidden", refused, {})
    assert page(lawyer).get(f"/attachments/{attachment.pk}/").status_code == 403
    task = open_tasks(case)["advise_legal"]
    response = page(lawyer).post(f"/tasks/{task.pk}/attachments/", {"file": upload(JPEG)})
    assert response.status_code == 403 and refused in response.content.decode()
    assert unchanged(evidence) == before
    # after claiming: all of it
    services.task_claim(task_id=task.pk, user=lawyer)
    assert [
        row["name"]
        for row in api(lawyer).get(f"/api/v1/cases/{case.reference}/attachments/").json()["results"]
    ] == ["营业执照.pdf"]
    assert api(lawyer).get(f"/api/v1/attachments/{attachment.pk}/").status_code == 200
    assert attach(lawyer, case, JPEG, task=task.pk).status_code == 201


@pytest.mark.parametrize(
    ("username", "list_status", "upload_status"),
    [
        ("mediator", 200, 201),  # works the case
        ("mediator2", 200, 201),  # another mediator of its unit
        ("supervisor_taixing", 200, 201),
        ("supervisor_hailing", 404, 404),  # another district: the case does not exist for them
        ("mediator_chengxi", 404, 404),
        ("liaison", 404, 404),  # a worker of another unit
        ("lawyer", 404, 404),
        ("admin", 200, 201),
    ],
)
def test_each_role_lists_and_attaches_as_the_rule_says(
    people, dispute, evidence, username, list_status, upload_status
):
    user = people[username]
    listed = api(user).get(f"/api/v1/cases/{dispute.reference}/attachments/")
    assert listed.status_code == list_status
    before = unchanged(evidence)
    response = attach(user, dispute)
    assert response.status_code == upload_status
    if upload_status != 201:
        assert unchanged(evidence) == before


def test_the_uploader_and_a_supervisor_remove_a_file_and_the_audit_keeps_it(
    people, dispute, evidence, django_capture_on_commit_callbacks
):
    attach(people["mediator"], dispute, PDF, "证据一.pdf")
    attach(people["mediator"], dispute, PDF, "证据二.pdf")
    first, second = Attachment.objects.order_by("id")
    # another mediator of the unit sees them and may not remove them; another district does not see them
    before = unchanged(evidence)
    assert error(api(people["mediator2"]).delete(f"/api/v1/attachments/{first.pk}/")) == (
        403,
        "forbidden",
        "Only whoever added an attachment or a supervisor of the case may remove it.",
        {},
    )
    assert api(people["supervisor_hailing"]).delete(f"/api/v1/attachments/{first.pk}/").status_code == 404
    assert unchanged(evidence) == before
    # the uploader, through the API
    with django_capture_on_commit_callbacks(execute=True):
        response = api(people["mediator"]).delete(f"/api/v1/attachments/{first.pk}/")
    assert response.status_code == 204 and response.content == b""
    assert stored(evidence) == [second.blob]
    # a supervisor of the case, through the page
    with django_capture_on_commit_callbacks(execute=True):
        response = page(people["supervisor_taixing"]).post(f"/attachments/{second.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{dispute.reference}/#attachments"
    assert stored(evidence) == [] and not Attachment.objects.exists()
    removed = AuditEntry.objects.filter(case=dispute, action=AuditAction.ATTACHMENT_REMOVED).order_by("id")
    assert [(e.actor.username, e.name, e.reason) for e in removed] == [
        ("mediator", "attachment", "证据一.pdf"),
        ("supervisor_taixing", "attachment", "证据二.pdf"),
    ]
    assert api(people["mediator"]).get(f"/api/v1/attachments/{first.pk}/").status_code == 404


def test_a_closed_case_keeps_its_attachments_as_they_are(people, evidence):
    case = dispute_to("registered", people)
    attach(people["mediator"], case, PDF, "材料.pdf")
    attachment = Attachment.objects.get()
    services.case_side_exit(
        reference=case.reference, user=people["mediator"], action="withdraw", reason="当事人撤回"
    )
    before = unchanged(evidence)
    closed = "The case is closed: its attachments can no longer change."
    assert error(attach(people["mediator"], case)) == (409, "conflict", closed, {})
    assert error(api(people["supervisor"]).delete(f"/api/v1/attachments/{attachment.pk}/")) == (
        409,
        "conflict",
        closed,
        {},
    )
    assert unchanged(evidence) == before
    listed = api(people["mediator"]).get(f"/api/v1/cases/{case.reference}/attachments/").json()["results"]
    assert [(row["name"], row["removable"]) for row in listed] == [("材料.pdf", False)]
    assert api(people["mediator"]).get(f"/api/v1/attachments/{attachment.pk}/").status_code == 200


# ---- refusals of the file, each leaving nothing behind --------------------------------------------------------


NOT_ALLOWED = "Only photos (JPEG, PNG, WebP), PDF and Word (.docx) files may be attached."


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        # a script disguised as a photo, by name and by the type the browser claims
        (b"<script>alert(document.cookie)</script>", "photo.jpg", NOT_ALLOWED),
        (b"#!/bin/sh\nrm -rf /\n", "photo.png", NOT_ALLOWED),
        # a photo's first bytes, then a script
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<script>alert(1)</script>", "photo.jpg", "This file is not a valid JPEG photo; it cannot be attached."),
        (PNG[:40] + b"<script>alert(1)</script>", "photo.png", "This file is not a valid PNG image; it cannot be attached."),
        # a real photo carrying a script, or an HTML start where browsers sniff
        (PNG + b"<script>alert(1)</script>", "photo.png", "This file is not a valid PNG image; it cannot be attached."),
        (JPEG[:20] + b"<html><body>hi" + JPEG[20:], "photo.jpg", "This file is not a valid JPEG photo; it cannot be attached."),
        # never SVG or HTML, whatever they are called
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "图.svg", NOT_ALLOWED),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "图.png", NOT_ALLOWED),
        (b"<!DOCTYPE html><html><body>x</body></html>", "page.pdf", NOT_ALLOWED),
        # other types
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "动图.gif", NOT_ALLOWED),
        (b"MZ\x90\x00" + b"\x00" * 200, "setup.exe", NOT_ALLOWED),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧合同.doc", NOT_ALLOWED),
        (b"just text", "说明.txt", NOT_ALLOWED),
        # a PDF that ends before its end
        (b"%PDF-1.7\n1 0 obj\n<<>>\n", "scan.pdf", "This file is not a valid PDF document; it cannot be attached."),
        # zips that are not Word documents
        (word("application/vnd.ms-word.document.macroEnabled.main+xml"), "宏.docx", "This file is not a valid Word document; it cannot be attached."),
        (word(extra={"word/vbaProject.bin": b"\x00"}), "宏.docx", "This file is not a valid Word document; it cannot be attached."),
        (word("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"), "表.docx", "This file is not a valid Word document; it cannot be attached."),
        (word(part="word/other.xml"), "缺页.docx", "This file is not a valid Word document; it cannot be attached."),
        (b"PK\x03\x04" + b"\x00" * 100, "破损.docx", "This file is not a valid Word document; it cannot be attached."),
    ],
)  # fmt: skip
def test_a_file_whose_content_is_no_allowed_type_is_refused_and_nothing_is_kept(
    people, dispute, evidence, data, name, message
):
    before = unchanged(evidence)
    response = attach(people["mediator"], dispute, data, name)
    assert error(response) == (400, "invalid", message, {"file": [message]})
    assert unchanged(evidence) == before


def test_an_empty_file_none_or_two_are_refused(people, dispute, evidence):
    url = f"/api/v1/cases/{dispute.reference}/attachments/"
    client = api(people["mediator"])
    before = unchanged(evidence)
    assert error(client.post(url, {"file": upload(b"")})) == (
        400,
        "invalid",
        "The submitted file is empty.",
        {"file": ["The submitted file is empty."]},
    )
    assert error(client.post(url, {"task": "1"}))[:2] == (400, "invalid")
    two = client.post(url, {"file": [upload(JPEG, "a.jpg"), upload(PNG, "b.png")]})
    assert error(two) == (
        400,
        "invalid",
        "Attach one file at a time.",
        {"file": ["Attach one file at a time."]},
    )
    as_json = client.post(url, json.dumps({"file": "x"}), content_type="application/json")
    assert as_json.status_code == 415
    broken = client.post(url, b"--nothing", content_type="multipart/form-data; boundary=zzz")
    assert broken.status_code == 400
    assert unchanged(evidence) == before


def test_a_task_of_another_case_is_refused(people, dispute, evidence):
    other = open_task(dispute_to("triaged", people), "convene")
    before = unchanged(evidence)
    response = attach(people["mediator"], dispute, task=other.pk)
    message = "This case has no step with this task id."
    assert error(response) == (400, "invalid", message, {"task": [message]})
    assert unchanged(evidence) == before


def test_a_file_past_the_limit_is_a_413_as_it_arrives_and_nothing_is_kept(
    people, dispute, evidence, settings
):
    settings.ATTACHMENT_MAX_BYTES = 2000
    mediator = people["mediator"]
    before = unchanged(evidence)
    limit = "A file may be at most 2.0 KB."
    # a little past the limit: refused while the file arrives; far past it: refused from the Content-Length
    for size in (2001, 200_000):
        response = attach(mediator, dispute, JPEG + b"\x00" * (size - len(JPEG)))
        assert error(response) == (413, "too_large", limit, {"file": [limit]}), size
        response = page(mediator).post(
            f"/cases/{dispute.reference}/attachments/", {"file": upload(b"\x00" * size)}
        )
        assert response.status_code == 413 and limit in response.content.decode()
        task = open_task(dispute, "convene")
        response = page(mediator).post(f"/tasks/{task.pk}/attachments/", {"file": upload(b"\x00" * size)})
        assert response.status_code == 413 and limit in response.content.decode()
    assert unchanged(evidence) == before
    # exactly the limit passes
    assert attach(mediator, dispute, JPEG + b"\x00" * (2000 - len(JPEG))).status_code == 201


def test_an_upload_to_a_case_one_may_not_see_is_a_404(people, dispute, evidence):
    before = unchanged(evidence)
    assert error(attach(people["mediator_chengxi"], dispute))[:2] == (404, "not_found")
    response = page(people["mediator_chengxi"]).post(
        f"/cases/{dispute.reference}/attachments/", {"file": upload(JPEG)}
    )
    assert response.status_code == 404
    assert unchanged(evidence) == before


# ---- a failure after the file was written: the file goes with the transaction ------------------------------


def test_when_the_row_cannot_be_written_the_file_is_removed(people, dispute, evidence, monkeypatch):
    written = []

    def fail(*args, **kwargs):
        written.append(stored(evidence))  # the file is there when the row's write fails
        raise DatabaseError("disk full")

    monkeypatch.setattr(Attachment, "save", fail)
    before = unchanged(evidence)
    with pytest.raises(DatabaseError):
        attachment_services.attachment_add(
            case=dispute, actor=people["mediator"], upload=io.BytesIO(JPEG), name="a.jpg"
        )
    assert len(written) == 1 and len(written[0]) == 1
    assert unchanged(evidence) == before


def test_when_the_audit_row_fails_after_the_row_the_file_is_removed_through_the_api(
    people, dispute, evidence, monkeypatch
):
    written = []
    real_save = Attachment.save

    def save_then_note(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        written.append(stored(evidence))  # the file is there while the transaction runs

    def fail(**kwargs):
        raise DatabaseError("audit table locked")

    monkeypatch.setattr(Attachment, "save", save_then_note)
    monkeypatch.setattr(attachment_services, "audit_write", fail)
    before = unchanged(evidence)
    with pytest.raises(DatabaseError):
        attach(people["mediator"], dispute)
    assert len(written) == 1 and len(written[0]) == 1
    assert unchanged(evidence) == before


def test_on_commit_the_file_stays_and_on_a_failed_commit_it_goes(committed_people, evidence, monkeypatch):
    # given real transactions (committed, not a test's savepoints)
    people = committed_people
    case = dispute_to("triaged", people)
    # when an upload commits, its file stays
    attachment = attachment_services.attachment_add(
        case=case, actor=people["mediator"], upload=io.BytesIO(PDF), name="a.pdf"
    )
    assert stored(evidence) == [attachment.blob]
    # when the COMMIT itself fails (a deferred foreign key checked there), the file goes with the transaction
    real_audit_write = attachment_services.audit_write
    inserted = []

    def audit_then_break_the_commit(**kwargs):
        real_audit_write(**kwargs)
        CaseParticipant.objects.create(case=kwargs["case"], person_id=10**12)  # no such person
        inserted.append(stored(evidence))  # accepted for now: the key is checked at COMMIT

    monkeypatch.setattr(attachment_services, "audit_write", audit_then_break_the_commit)
    with pytest.raises(IntegrityError):
        attachment_services.attachment_add(
            case=case, actor=people["mediator"], upload=io.BytesIO(JPEG), name="b.jpg"
        )
    assert len(inserted) == 1 and len(inserted[0]) == 2  # both files were there before the COMMIT
    assert stored(evidence) == [attachment.blob]
    assert list(Attachment.objects.values_list("name", flat=True)) == ["a.pdf"]
    assert AuditEntry.objects.filter(action=AuditAction.ATTACHMENT_ADDED).count() == 1


# ---- the pages ----------------------------------------------------------------------------------------------------


def test_the_case_page_and_the_task_page_take_a_photo_from_the_camera_or_a_file(people, dispute, evidence):
    mediator = people["mediator"]
    client = page(mediator)
    html = client.get(f"/cases/{dispute.reference}/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="file" accept="image/*" capture="environment"' in html
    assert 'accept="image/jpeg,image/png,image/webp,application/pdf,.docx,' + WORD + '"' in html
    response = client.post(f"/cases/{dispute.reference}/attachments/", {"file": upload(JPEG, "门口.jpg")})
    assert response.status_code == 302 and response["Location"] == f"/cases/{dispute.reference}/#attachments"
    task = open_task(dispute, "convene")
    response = client.post(f"/tasks/{task.pk}/attachments/", {"file": upload(DOCX, "通知.docx")})
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert list(Attachment.objects.order_by("id").values_list("name", "step", "task_id")) == [
        ("门口.jpg", "", None),
        ("通知.docx", "convene", task.pk),
    ]
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "门口.jpg" in html and "通知.docx" in html


def test_a_page_refusal_shows_the_reason_and_keeps_nothing(people, dispute, evidence):
    client = page(people["mediator"])
    before = unchanged(evidence)
    response = client.post(
        f"/cases/{dispute.reference}/attachments/", {"file": upload(b"<script>x</script>", "a.jpg")}
    )
    assert response.status_code == 400 and NOT_ALLOWED in response.content.decode()
    response = client.post(f"/cases/{dispute.reference}/attachments/", {})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert client.get(f"/cases/{dispute.reference}/attachments/").status_code == 405
    assert unchanged(evidence) == before


def test_the_page_upload_checks_its_csrf_token(people, dispute, evidence):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["mediator"])
    before = unchanged(evidence)
    response = client.post(f"/cases/{dispute.reference}/attachments/", {"file": upload(JPEG)})
    assert response.status_code == 403
    assert unchanged(evidence) == before


def test_the_messages_are_in_chinese_by_default(people, dispute, evidence):
    response = api(people["mediator"], language="zh-hans").post(
        f"/api/v1/cases/{dispute.reference}/attachments/", {"file": upload(b"<svg/>", "a.svg")}
    )
    assert response.status_code == 400
    assert (
        response.json()["error"]["message"] == "只能附加照片（JPEG、PNG、WebP）、PDF 和 Word（.docx）文件。"
    )


# ---- the answers are the schema's ------------------------------------------------------------------------------


def test_every_attachment_answer_is_what_the_schema_says(client, people, dispute, evidence):
    answers = Answers(client)
    collection, one = "/api/v1/cases/{reference}/attachments/", "/api/v1/attachments/{attachment_id}/"
    url = f"/api/v1/cases/{dispute.reference}/attachments/"
    mediator = api(people["mediator"])
    created = answers.check(mediator.post(url, {"file": upload(PDF, "a.pdf")}), collection, "post")
    answers.check(mediator.post(url, {"file": upload(b"x", "a.pdf")}), collection, "post")
    answers.check(mediator.get(url), collection)
    lawyer = api(people["lawyer"])
    answers.check(lawyer.get(url), collection)
    answers.check(lawyer.get(f"/api/v1/attachments/{created['id']}/"), one)
    answers.check(api(people["mediator2"]).delete(f"/api/v1/attachments/{created['id']}/"), one, "delete")
    assert len(answers.checked) == 6


# ---- through a real server ---------------------------------------------------------------------------------------


def test_on_daphne_an_upload_and_a_malformed_body_reach_the_api(live, tmp_path, monkeypatch):  # noqa: F811
    # Twisted under daphne parses multipart bodies itself and answered a malformed one with a bare 400 (no body,
    # no Content-Type) before Django saw it: config/daphne.py leaves them to Django.
    evidence = tmp_path / "evidence"
    monkeypatch.setenv("EVIDENCE_ROOT", str(evidence))
    case = dispute_to("triaged", live)
    token = Token.objects.get_or_create(user=live["mediator"])[0].key

    def post(body: bytes, content_type: str) -> tuple[int, str, bytes]:
        request = urllib.request.Request(
            f"http://{server}/api/v1/cases/{case.reference}/attachments/",
            data=body,
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": content_type,
                "Accept-Language": "en",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.headers["Content-Type"], refused.read()

    with asgi_server(redis_url=settings.REDIS_URL) as server:
        status, content_type, body = post(b"--zzz--\r\n", "multipart/form-data; boundary=zzz")
        assert (status, content_type) == (400, "application/json")
        assert json.loads(body)["error"]["fields"] == {"file": ["This field is required."]}
        part = (
            b'--zzz\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--zzz--\r\n"
        )
        status, content_type, body = post(part, "multipart/form-data; boundary=zzz")
        assert (status, content_type) == (201, "application/json")
    attachment = Attachment.objects.get()
    assert json.loads(body)["id"] == attachment.pk
    assert stored(evidence) == [attachment.blob]
