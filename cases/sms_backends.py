"""How an SMS leaves the outbox: the backend ``SMS_BACKEND`` names (a dotted path), asked to send one message
at a time by ``cases.services.sms`` after the change that queued it committed.

- ``ConsoleBackend`` (the default): writes each message to standard output, the number masked. For development:
  the links in it work.
- ``DatabaseBackend``: sends nothing; the outbox row, marked sent, is the record (what the tests assert against,
  and the admin page lists).
- ``ProviderBackend``: **the adapter point for a real provider.** Subclass it, implement ``deliver`` with the
  provider's API (Alibaba Cloud SMS ``SendSms``, Tencent Cloud SMS ``SendSms``, a carrier's gateway…), keep the
  call short (a timeout of a few seconds: ``SMS_TIMEOUT``) and point ``SMS_BACKEND`` at the subclass. Raise on
  any failure: the message stays queued, its attempt counted, and is retried later.

A backend never logs the number, and never puts it in an exception's text (the sender logs only the exception's
class).
"""

import sys
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string

from cases.masking import mask_phone


class SmsBackend:
    def send(self, *, phone: str, text: str) -> str:
        """Send ``text`` to the mainland mobile ``phone``; return the provider's id for it ("" without one).
        Raise on failure."""
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    stream: TextIO | None = (
        None  # standard output when None (read when sending, so that tests can capture it)
    )

    def send(self, *, phone: str, text: str) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"SMS to {mask_phone(phone)}: {text}\n")
        stream.flush()
        return ""


class DatabaseBackend(SmsBackend):
    def send(self, *, phone: str, text: str) -> str:
        return ""


class ProviderBackend(SmsBackend):
    """The one place a real provider plugs in. A subclass implements ``deliver``; the timeout, the signature
    and the credentials come from settings (``SMS_TIMEOUT``, ``SMS_SIGNATURE`` and what the provider needs,
    read from the environment, never from the code). For example::

        class AliyunBackend(ProviderBackend):
            def deliver(self, *, phone, text, timeout):
                answer = client.send_sms(PhoneNumbers=phone, SignName=..., TemplateCode=..., timeout=timeout)
                if answer.code != "OK":
                    raise SmsSendFailed(answer.code)  # the code, never the number
                return answer.biz_id
    """

    def send(self, *, phone: str, text: str) -> str:
        return self.deliver(phone=phone, text=text, timeout=settings.SMS_TIMEOUT)

    def deliver(self, *, phone: str, text: str, timeout: float) -> str:
        raise NotImplementedError("Implement deliver() for your SMS provider (see cases.sms_backends).")


class SmsSendFailed(Exception):
    """A provider refused or failed a message (its text names the provider's code, never the number)."""


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
