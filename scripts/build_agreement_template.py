"""Builds the Word template of the mediation agreement (调解协议书), ``templates/documents/mediation_agreement.docx``.

    .venv/bin/python scripts/build_agreement_template.py [OUT]

The file is committed; this script says how it was made and makes it again. An administrator may replace it with
a Word file of their own (``AGREEMENT_DOCX_TEMPLATE``) that uses the same docxtpl tags (Jinja2 in Word: ``{{ }}``
for a value, ``{%p %}`` for a paragraph loop, ``{%tr %}`` for a table-row loop). The variables:

- ``copies``: one per party and one for the committee, each ``{"label"}`` (e.g. 申请人张三收执); the whole
  agreement repeats per copy, each copy on a page of its own;
- ``reference``, ``committee``, ``mediators``, ``signed_on`` (2026年12月3日), ``copies_count``;
- ``parties``: ``{"role", "name", "id_number", "phone"}`` (numbers masked unless the reader works the case);
- ``facts``, ``dispute``; ``terms``: ``{"number", "content", "method", "deadline"}``;
- ``judicial_confirmation`` (whether the parties want it) and ``confirmation_last_day``.
"""

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "templates" / "documents" / "mediation_agreement.docx"
FONT = "Noto Serif CJK SC"


def paragraph(
    document, text: str, *, bold: bool = False, size: int = 12, align=None, page_break: bool = False
):
    p = document.add_paragraph()
    if align is not None:
        p.alignment = align
    if page_break:
        p.paragraph_format.page_break_before = True
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    return p


def build(out: Path) -> None:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # Chinese text takes the East Asian font
    style.font.size = Pt(12)

    paragraph(document, "{%p for copy in copies %}")
    paragraph(
        document, "人民调解协议书", bold=True, size=20, align=WD_ALIGN_PARAGRAPH.CENTER, page_break=True
    )
    paragraph(document, "编号：{{ reference }}　　（{{ copy.label }}）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(document, "当事人", bold=True)
    paragraph(document, "{%p for party in parties %}")
    paragraph(
        document,
        "{{ party.role }}：{{ party.name }}　身份证号码：{{ party.id_number }}　联系电话：{{ party.phone }}",
    )
    paragraph(document, "{%p endfor %}")
    paragraph(document, "纠纷主要事实", bold=True)
    paragraph(document, "{{ facts }}")
    paragraph(document, "争议事项", bold=True)
    paragraph(document, "{{ dispute }}")
    paragraph(document, "经{{ committee }}调解，双方当事人自愿达成如下协议：", bold=True)

    table = document.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("序号", "协议内容", "履行方式", "履行期限"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for term in terms %}"
    row = table.rows[2].cells
    row[0].text, row[1].text, row[2].text, row[3].text = (
        "{{ term.number }}",
        "{{ term.content }}",
        "{{ term.method }}",
        "{{ term.deadline }}前",
    )
    table.add_row().cells[0].text = "{%tr endfor %}"

    paragraph(document, "")
    paragraph(
        document,
        "本协议经双方当事人签名（按指印）、人民调解员签名并加盖人民调解委员会印章后生效，当事人应当按照约定履行。"
        "本协议一式{{ copies_count }}份，当事人各执一份，人民调解委员会留存一份。",
    )
    paragraph(document, "{%p if judicial_confirmation %}")
    paragraph(
        document,
        "双方当事人同意自本协议生效之日起三十日内（{{ confirmation_last_day }}前）共同向有管辖权的人民法院申请司法确认。",
    )
    paragraph(document, "{%p endif %}")
    paragraph(document, "")
    paragraph(document, "{%p for party in parties %}")
    paragraph(document, "{{ party.role }}（签名、按指印）：____________　　　　年　　月　　日")
    paragraph(document, "{%p endfor %}")
    paragraph(document, "人民调解员（签名）：{{ mediators }}　____________")
    paragraph(document, "{{ committee }}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(document, "{{ signed_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(document, "{%p endfor %}")
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"written {sys.argv[1] if len(sys.argv) > 1 else OUT}")
