"""Fill catalog entries from a Python file of translations: `python tools/apply_translations.py FILE`.

FILE defines T = {msgid: (ja, zh_Hans, ko, fil)}; a plural msgid is a (singular, plural) tuple
and each translation a tuple of its plural forms. Only empty entries are filled."""
import pathlib
import runpy
import sys

from babel.messages.pofile import read_po, write_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCALES = ("ja", "zh_Hans", "ko", "fil")

table = runpy.run_path(sys.argv[1])["T"]
for i, locale in enumerate(LOCALES):
    path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=locale)
    filled = 0
    for message in catalog:
        if message.id in table:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                message.string = table[message.id][i]
                message.flags.discard("fuzzy")
                filled += 1
    with open(path, "wb") as fh:
        write_po(fh, catalog, sort_output=True, omit_header=False)
    print(locale, "filled", filled)
