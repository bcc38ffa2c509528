"""Fill or fix msgstrs in a .po file from a small dict (for a handful of new strings; stdlib only).

python scripts/fill_po.py locale/zh_Hans/LC_MESSAGES/django.po 'msgid=译文' ...
"""

import re
import sys


def _msgid(block: str) -> str | None:
    match = re.search(r'^msgid ("(?:.*)"(?:\n".*")*)', block, re.M)
    if not match:
        return None
    return "".join(re.findall(r'"(.*)"', match.group(1)))


def fill(path: str, fills: dict[str, str]) -> None:
    with open(path, encoding="utf-8") as source:
        blocks = source.read().split("\n\n")
    for index, block in enumerate(blocks):
        msgid = _msgid(block)
        if msgid is None or msgid not in fills:
            continue
        block = re.sub(r"^#, fuzzy\n", "", block, flags=re.M)
        block = re.sub(r"^#, fuzzy, ", "#, ", block, flags=re.M)
        block = re.sub(r"^(#,.*?), fuzzy", r"\1", block, flags=re.M)
        block = re.sub(r"^#\| .*\n?", "", block, flags=re.M)
        translation = fills[msgid]
        block = re.sub(r'^msgstr ".*"(\n".*")*', lambda _m, t=translation: f'msgstr "{t}"', block, flags=re.M)
        blocks[index] = block.rstrip("\n")
    with open(path, "w", encoding="utf-8") as target:
        target.write("\n\n".join(blocks).rstrip("\n") + "\n")


if __name__ == "__main__":
    fill(sys.argv[1], dict(arg.split("=", 1) for arg in sys.argv[2:]))
