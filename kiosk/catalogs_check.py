"""Are the compiled message catalogs there?

Without a language's .mo file Flask-Babel quietly shows English, so a kiosk installed from a
wheel built without its build hook would look fine to whoever tests it in English and greet
Japanese visitors in English. `kiosk serve` checks first and refuses to start instead.
"""
import pathlib


def expected_catalogs(languages, translations_dir):
    """The .mo file each configured language reads: <babel locale>/LC_MESSAGES/<domain>.mo.
    English has one too (translations/en, filled from the msgids by tools/fill_english.py)."""
    root = pathlib.Path(translations_dir)
    paths = []
    for lang in languages:
        path = root / lang["babel"] / "LC_MESSAGES" / f"{lang.get('domain', 'messages')}.mo"
        if path not in paths:
            paths.append(path)
    return paths


def missing_catalogs(languages, translations_dir):
    """The expected .mo files (see expected_catalogs) that do not exist, in LANGUAGES order."""
    return [path for path in expected_catalogs(languages, translations_dir) if not path.is_file()]
