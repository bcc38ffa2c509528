"""Check a gettext .po catalogue: every message translated, none fuzzy, placeholders kept.

Usage: python scripts/check_translations.py [PATH.po ...]
(default: locale/zh_Hans/LC_MESSAGES/django.po next to this script's parent folder)

Exits 1 and lists the offending msgids when an entry (other than the header) has an empty msgstr
(for plural entries: any empty msgstr[n]), carries a "fuzzy" flag, or drops / adds a printf-style
placeholder such as %(reference)s, or when the compiled .mo beside it is not what msgfmt makes of it now.
Obsolete entries ("#~") are ignored. Standard library (and gettext's msgfmt) only.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


class Entry:
    def __init__(self, line: int):
        self.line = line
        self.flags: set[str] = set()
        self.msgctxt: str | None = None
        self.msgid = ""
        self.msgid_plural: str | None = None
        self.msgstr: dict[int, str] = {}


def _unquote(text: str, path: Path, line: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise ValueError(f"{path}:{line}: expected a quoted string, got {text!r}")
    # PO strings use C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(text)


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry: Entry | None = None
    field: tuple[str, int] | None = None  # ("msgid" | "msgid_plural" | "msgctxt" | "msgstr", index)
    flags_pending: set[str] = set()

    def start(line_no: int) -> Entry:
        nonlocal entry, flags_pending
        entry = Entry(line_no)
        entry.flags = flags_pending
        flags_pending = set()
        entries.append(entry)
        return entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue  # obsolete
        if line.startswith("#,"):
            flags_pending |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if entry is None or field is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            value = _unquote(line, path, number)
            name, index = field
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        if keyword == "msgctxt":
            current = start(number)
            current.msgctxt = _unquote(rest, path, number)
            field = ("msgctxt", 0)
        elif keyword == "msgid":
            if entry is None or field is None or field[0] != "msgctxt":
                start(number)
            assert entry is not None
            entry.msgid = _unquote(rest, path, number)
            field = ("msgid", 0)
        elif keyword == "msgid_plural":
            if entry is None:
                raise ValueError(f"{path}:{number}: msgid_plural without msgid")
            entry.msgid_plural = _unquote(rest, path, number)
            field = ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            if entry is None:
                raise ValueError(f"{path}:{number}: msgstr without msgid")
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if not match:
                raise ValueError(f"{path}:{number}: cannot read {keyword!r}")
            index = int(match.group(1) or 0)
            entry.msgstr[index] = _unquote(rest, path, number)
            field = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: cannot read {line!r}")
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def problems(path: Path) -> list[str]:
    found = []
    for entry in parse(path):
        if entry.msgid == "" and entry.msgctxt is None:
            continue  # the header
        label = repr(entry.msgid) + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")
        where = f"{path}:{entry.line}"
        if "fuzzy" in entry.flags:
            found.append(f"{where}: fuzzy: {label}")
        if not entry.msgstr or any(not text for text in entry.msgstr.values()):
            found.append(f"{where}: untranslated: {label}")
            continue
        if "python-format" in entry.flags or "python-brace-format" in entry.flags:
            if entry.msgid_plural is not None:
                # a plural form may stand for the singular and the plural (nplurals=1) and may leave out
                # the count, but must not invent or rename placeholders
                allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
                for index, text in sorted(entry.msgstr.items()):
                    if not set(placeholders(text)) <= allowed:
                        found.append(f"{where}: unknown placeholder in msgstr[{index}]: {label}")
            elif placeholders(entry.msgstr[0]) != placeholders(entry.msgid):
                found.append(f"{where}: placeholders differ: {label}")
    return found


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [DEFAULT]
    failed = False
    for path in paths:
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            failed = True
            continue
        try:
            found = problems(path)
        except ValueError as error:
            print(error, file=sys.stderr)
            failed = True
            continue
        if found:
            failed = True
            print(f"{path}: {len(found)} problem(s)")
            for problem in found:
                print("  " + problem)
        else:
            print(f"{path}: all messages translated")
        if not compiled_up_to_date(path):
            failed = True
    return 1 if failed else 0


def compiled_up_to_date(path: Path) -> bool:
    """The committed .mo beside the .po is what msgfmt makes of it now (a merge once kept an old one: every new
    message showed in English). Without msgfmt (gettext) the check is skipped, with a note."""
    compiled = path.with_suffix(".mo")
    msgfmt = shutil.which("msgfmt")
    if not compiled.is_file():
        return True
    if msgfmt is None:
        print(f"{compiled}: not checked (no msgfmt)")
        return True
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder) / "fresh.mo"
        subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(path)], check=True)
        if fresh.read_bytes() != compiled.read_bytes():
            print(f"{compiled}: older than {path.name}: run compilemessages")
            return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
