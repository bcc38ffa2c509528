"""Evidence attachments (证据材料): photos, scans, PDFs and Word files on a case or one of its steps.

The file itself is kept by the storage named ``evidence`` (``settings.STORAGES``) under a random name that says
nothing and is served by no public URL; the row says what it is (its type as its content showed, never as its
name or the browser claimed), who added it and where it belongs. Who may see, add and remove them:
``cases.rules`` (``sees_attachments``, ``may_attach``, ``may_remove_attachment``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The longest file name kept (a person's own name for the file; the stored name is ``blob``).
NAME_LENGTH = 200


class AttachmentType(models.TextChoices):
    """The types an attachment may have, by content (``cases.attachments`` recognises them)."""

    JPEG = "image/jpeg", _("JPEG photo")
    PNG = "image/png", _("PNG image")
    WEBP = "image/webp", _("WebP image")
    PDF = "application/pdf", _("PDF document")
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _("Word document")


class StoredFile(models.Model):
    """A file checked by ``cases.attachments`` and kept in the ``evidence`` storage under a random name
    (``blob``): what it is, by content, and who added it. A case's attachment and an activity's photo
    (``honours``) are both one."""

    name = models.CharField(_("file name"), max_length=NAME_LENGTH)
    content_type = models.CharField(_("type"), max_length=100, choices=AttachmentType.choices)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    blob = models.CharField(_("stored as"), max_length=100, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Attachment(StoredFile):
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments"
    )
    # The step it belongs to, when it was added to one: its task (a viewflow task's id, as in the audit trail)
    # and the step's name; both empty for the case as a whole.
    task_id = models.BigIntegerField(_("task"), null=True, blank=True)
    step = models.CharField(_("step"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "uploaded_at"], name="attachment_case")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.name}"
