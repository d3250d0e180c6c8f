"""Fill translations/ja/LC_MESSAGES/easy.po (やさしい日本語) from a Python file of translations:
`python tools/apply_easy.py FILE...`. Each FILE defines E = {msgid: text}; a plural msgid is a
(singular, plural) tuple and its text a 1-tuple (Japanese has one form). Only empty entries
are filled."""
import pathlib
import runpy
import sys

from babel.messages.pofile import read_po, write_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
PATH = ROOT / "translations" / "ja" / "LC_MESSAGES" / "easy.po"

table = {}
for name in sys.argv[1:]:
    table.update(runpy.run_path(name)["E"])
with open(PATH, "rb") as fh:
    catalog = read_po(fh, locale="ja", domain="easy")
filled = 0
for message in catalog:
    if message.id in table:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            message.string = table[message.id]
            message.flags.discard("fuzzy")
            filled += 1
with open(PATH, "wb") as fh:
    write_po(fh, catalog, sort_output=True, omit_header=False)
print("easy filled", filled)
