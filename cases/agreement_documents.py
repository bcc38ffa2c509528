"""The mediation agreement (调解协议书) as Word and PDF: one copy per party and one for the committee, each with
room for the signatures and fingerprints, which are made on paper (the signed scan is then attached to the case
as evidence).

Both are made from one context (``agreement_context``). The Word file fills the administrator's template
(``AGREEMENT_DOCX_TEMPLATE``, docxtpl; built by ``scripts/build_agreement_template.py``); the PDF renders
``templates/documents/agreement.html`` through ``cases.documents.pdf_from_html`` (WeasyPrint, Noto CJK: the Chinese
text is text, selectable and searchable). The documents are in the site's language, as the parties' messages are.

Personal numbers: the parties' ID and phone numbers appear in full only for a reader who sees them unmasked
on the case (``shows_personal_data``: the case's workers, who print the copies for the parties to sign, and
administrators); anyone else (a supervisor reading the case) gets them masked as on the case page
(``cases.masking``).

``agreement_download`` is what the page (``web.views.agreements``) and the API (``api.agreements``) answer, for
a case the caller sees (each finds it by its own rule first): the file, or ``NotFound`` with why when the case
has no agreement yet (or no PDF can be made here).
"""

import io
from typing import Any, Literal

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases import documents
from cases.errors import NotFound
from cases.masking import mask_id_number, mask_phone
from cases.models import Case, MediationAgreement, User
from cases.selectors.cases import case_shows_personal_data
from cases.services.agreements import confirmation_last_day

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
Format = Literal["docx", "pdf"]


def _chinese_date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def agreement_context(case: Case, agreement: MediationAgreement, *, show_personal: bool) -> dict[str, Any]:
    parties = [
        {
            "role": party.get_role_display(),
            "name": party.name,
            "id_number": (party.id_number if show_personal else mask_id_number(party.id_number)) or "—",
            "phone": (party.phone if show_personal else mask_phone(party.phone)) or "—",
        }
        for party in agreement.parties.all()
    ]
    copies = [{"label": f"{party['role']}{party['name']}收执"} for party in parties]
    copies.append({"label": f"{agreement.committee}存档"})
    return {
        "reference": case.reference,
        "copies": copies,
        "copies_count": len(copies),
        "parties": parties,
        "facts": agreement.facts,
        "dispute": agreement.dispute,
        "terms": [
            {
                "number": term.number,
                "content": term.content,
                "method": term.method,
                "deadline": _chinese_date(term.deadline),
            }
            for term in agreement.terms.all()
        ],
        "mediators": agreement.mediators,
        "committee": agreement.committee,
        "signed_on": _chinese_date(agreement.signed_on),
        "judicial_confirmation": agreement.judicial_confirmation,
        "confirmation_last_day": _chinese_date(confirmation_last_day(agreement.signed_on)),
    }


def agreement_docx(context: dict[str, Any]) -> bytes:
    """The Word file: the template filled (docxtpl escapes the values: a term's ``<`` stays text)."""
    from docxtpl import DocxTemplate  # imported when used: only this document needs it

    template = DocxTemplate(str(settings.AGREEMENT_DOCX_TEMPLATE))
    with translation.override(settings.LANGUAGE_CODE):
        template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def agreement_html(context: dict[str, Any]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "documents/agreement.html", {**context, "styles": documents.document_styles()}
        )


def agreement_pdf(context: dict[str, Any]) -> bytes | None:
    """The PDF (None without a renderer)."""
    return documents.pdf_from_html(agreement_html(context))


def agreement_download(*, case: Case, user: User, kind: Format) -> HttpResponse:
    """The agreement of ``case`` (which ``user`` sees) as a Word file or a PDF, as a download that no cache
    keeps (it carries the parties' names, and their numbers for its workers)."""
    agreement = MediationAgreement.objects.filter(case=case).first()
    if agreement is None:
        raise NotFound(_("This case has no mediation agreement yet."))
    context = agreement_context(case, agreement, show_personal=case_shows_personal_data(case=case, user=user))
    if kind == "docx":
        content, content_type = agreement_docx(context), DOCX_TYPE
    else:
        pdf = agreement_pdf(context)
        if pdf is None:
            raise NotFound(_("PDF documents cannot be made on this server; download the Word file instead."))
        content, content_type = pdf, PDF_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="agreement-{case.reference}.{kind}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
