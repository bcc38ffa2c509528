from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key`` header, returned again for a repeat: the
    same caller, path and key, and a body of the same digest (another body is refused, never answered with
    this one). A key is its caller's and its path's: another path or caller may use the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=200)
    body_digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the body's canonical JSON"
    )
    status = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "path", "key"], name="one_answer_per_key_and_path")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.path}:{self.key}"
