"""Merge translations written by hand into the catalogs: a JSON list of
{"msgid", "msgctxt", "msgid_plural"?, "ja", "easy", "zh", "ko", "tl"} entries, applied after
`kiosk translations extract` has added the new msgids (English is filled by fill_english.py).

    python tools/merge_strings.py strings.json [more.json ...]
"""
import json
import pathlib
import sys

from babel.messages.pofile import read_po, write_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOGS = {"ja": "ja/LC_MESSAGES/messages.po", "easy": "ja/LC_MESSAGES/easy.po",
            "zh": "zh_Hans/LC_MESSAGES/messages.po", "ko": "ko/LC_MESSAGES/messages.po",
            "tl": "fil/LC_MESSAGES/messages.po"}


def merge(entries):
    missing = []
    for key, rel in CATALOGS.items():
        path = ROOT / "translations" / rel
        with open(path, "rb") as fh:
            catalog = read_po(fh)
        for entry in entries:
            msgid = (entry["msgid"], entry["msgid_plural"]) if entry.get("msgid_plural") else entry["msgid"]
            message = catalog.get(msgid, context=entry.get("msgctxt"))
            if message is None:
                missing.append((rel, entry["msgid"]))
                continue
            text = entry[key]
            if message.pluralizable:
                forms = text if isinstance(text, list) else [text] * catalog.num_plurals
                message.string = tuple(forms[:catalog.num_plurals])
            else:
                message.string = text
            message.flags.discard("fuzzy")
        with open(path, "wb") as fh:
            write_po(fh, catalog, width=76)
    return missing


if __name__ == "__main__":
    all_entries = [e for name in sys.argv[1:] for e in json.loads(pathlib.Path(name).read_text())]
    for rel, msgid in merge(all_entries):
        print(f"not in {rel}: {msgid!r}")
