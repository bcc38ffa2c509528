"""Fill or fix msgstrs in a .po file from a small dict (for a handful of new strings; stdlib only).

python scripts/fill_po.py locale/zh_Hans/LC_MESSAGES/django.po 'msgid=译文' ...
"""

import re
import sys


def fill(path: str, fills: dict[str, str]) -> None:
    with open(path, encoding="utf-8") as source:
        text = source.read()
    blocks = text.split("\n\n")
    for index, block in enumerate(blocks):
        match = re.search(r'^msgid "(.*)"$', block, re.M)
        if not match or match.group(1) not in fills:
            continue
        block = re.sub(r"^#, fuzzy\n", "", block, flags=re.M)
        block = re.sub(r"^(#,.*?), fuzzy", r"\1", block, flags=re.M)
        block = re.sub(r"^#\| .*\n", "", block, flags=re.M)
        translation = fills[match.group(1)]
        block = re.sub(r'msgstr ".*"(\n".*")*', lambda _m, t=translation: f'msgstr "{t}"', block)
        blocks[index] = block
    with open(path, "w", encoding="utf-8") as target:
        target.write("\n\n".join(blocks))


if __name__ == "__main__":
    fill(sys.argv[1], dict(arg.split("=", 1) for arg in sys.argv[2:]))
