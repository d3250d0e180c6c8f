"""Fill the English catalog from the msgids (the UI's source language is English)."""
import pathlib

from babel.messages.pofile import read_po, write_po

path = pathlib.Path(__file__).resolve().parent.parent / "translations/en/LC_MESSAGES/messages.po"
with open(path, "rb") as fh:
    catalog = read_po(fh, locale="en")
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, tuple):
        message.string = tuple(message.id)
    else:
        message.string = message.id
    message.flags.discard("fuzzy")
with open(path, "wb") as fh:
    write_po(fh, catalog, sort_output=True, omit_header=False)
