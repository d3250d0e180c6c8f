"""One word for one thing. A visitor who reads "tablet" on one screen and "terminal" on the next
wonders whether they are two machines; a volunteer told she "withdrew" when the ward turned her
down reads the opposite of what happened. translations/glossary.toml names each language's word
for the kiosk's recurring concepts and the variants it must not use; these tests hold every
catalog to it, and hold Tagalog to one polite way of addressing its reader."""
import functools
import pathlib
import re
import tomllib

import pytest
from babel.messages.pofile import read_po

ROOT = pathlib.Path(__file__).resolve().parents[2]
CATALOGS = {"ja": ("ja", "messages"), "easy": ("ja", "easy"), "zh": ("zh_Hans", "messages"),
            "ko": ("ko", "messages"), "tl": ("fil", "messages")}
GLOSSARY = tomllib.loads((ROOT / "translations" / "glossary.toml").read_text(encoding="utf-8"))
CONCEPTS = {**{f"terms.{k}": v for k, v in GLOSSARY["terms"].items()},
            **{f"states.{k}": v for k, v in GLOSSARY["states"].items()}}


@functools.cache
def translations(lang):
    """{(context, msgid): [its translated strings]} of one catalog, untranslated entries left out
    (the catalog tests report those)."""
    locale, domain = CATALOGS[lang]
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / f"{domain}.po", "rb") as fh:
        catalog = read_po(fh, locale=locale)
    out = {}
    for m in catalog:
        if not m.id:
            continue
        strings = [s for s in (m.string if isinstance(m.string, (tuple, list)) else (m.string,)) if s]
        if strings:
            out[(m.context, m.id if isinstance(m.id, str) else m.id[0])] = strings
    return out


def _pattern(lang, word):
    """Tagalog words match whole words, ignoring case; Japanese, Chinese and Korean match text."""
    if lang == "tl":
        return re.compile(r"(?<![\w'-])" + re.escape(word) + r"(?![\w'-])", re.IGNORECASE)
    return re.compile(re.escape(word))


def variants_used(lang, text, concept):
    """The concept's forbidden variants in ``text``. A variant containing the chosen word is
    looked for as it is; any other after the chosen word and the allowed words are taken out
    (平板 is forbidden in Chinese, 平板电脑 is the chosen word)."""
    chosen = concept[lang]
    # Placeholders are names in code, not words a reader sees: %(site)s is not "site".
    text = re.sub(r"%\([a-z_]+\)[sd]", "\x00", text)
    stripped = text
    for word in [chosen, *concept.get("allowed", {}).get(lang, [])]:
        stripped = _pattern(lang, word).sub("\x00", stripped)
    found = []
    for variant in concept.get("forbidden", {}).get(lang, []):
        where = text if chosen.lower() in variant.lower() else stripped
        if _pattern(lang, variant).search(where):
            found.append(variant)
    return found


def informal_words(text):
    """The informal second-person words (ikaw, ka, mo, iyo...) in a Tagalog string."""
    return [w for w in GLOSSARY["tl_register"]["informal"] if _pattern("tl", w).search(text)]


# --- The glossary itself -------------------------------------------------------------------------

def test_the_glossary_names_a_word_in_every_language_for_every_concept():
    for name, concept in CONCEPTS.items():
        assert concept.get("meaning"), name
        for lang in CATALOGS:
            assert isinstance(concept.get(lang), str) and concept[lang].strip(), (name, lang)
            assert variants_used(lang, concept[lang], concept) == [], (name, lang)
        assert set(concept.get("forbidden", {})) <= set(CATALOGS), name
    assert {"kiosk", "signup", "callback", "session", "venue", "adult", "child",
            "older_person"} <= set(GLOSSARY["terms"])


def test_the_states_are_the_contracts():
    """Every desk state and sign-up status has its word in the glossary, and each label named
    there is the one kiosk/vocab.py shows for it."""
    from kiosk import vocab
    from kiosk.sync import contract
    states = {s for kind in contract.DESK_KINDS for s in contract.DESK_STATES[kind]}
    assert set(GLOSSARY["states"]) == states | set(contract.SIGNUP_STATUSES)
    for state, concept in GLOSSARY["states"].items():
        label = vocab.DESK_STATE_LABELS.get(state) or vocab.SIGNUP_STATUSES[state]
        assert label._args[-1] == concept["label"], state
        assert (label._args[0] if len(label._args) == 2 else None) == concept.get("context"), state


def test_the_check_can_fail():
    """The checks below find a variant where there is one, and not where there is none."""
    kiosk, tablet_zh = GLOSSARY["terms"]["kiosk"], "保存在这台平板电脑上"
    assert variants_used("ja", "この端末に保存しました。", kiosk) == ["端末"]
    assert variants_used("ja", "このタブレットに保存しました。", kiosk) == []
    assert variants_used("zh", "已保存在这台平板上。", kiosk) == ["平板"]
    assert variants_used("zh", tablet_zh, kiosk) == []
    assert variants_used("tl", "Ipinapakita ng mga Kiosk", kiosk) == ["kiosk"]
    assert variants_used("ko", "설치 장소", GLOSSARY["terms"]["venue"]) == ["설치 장소"]
    cancelled = GLOSSARY["states"]["cancelled"]
    assert variants_used("ja", "キャンセル待ち", cancelled) == []
    assert variants_used("ja", "キャンセルしました", cancelled) == ["キャンセル"]
    assert informal_words("Ginagamit mo pa ba ang screen na ito?") == ["mo"]
    assert informal_words("Ginagamit pa po ba ninyo ang screen na ito?") == []
    assert informal_words("Kasama kayo sa ka-partner") == []


# --- The catalogs --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", CATALOGS)
def test_no_string_uses_a_forbidden_variant(lang):
    problems = []
    for (context, msgid), strings in translations(lang).items():
        for name, concept in CONCEPTS.items():
            for text in strings:
                for variant in variants_used(lang, text, concept):
                    problems.append(f"{name}: {variant!r} in {text!r} ({msgid!r})")
    assert problems == []


@pytest.mark.parametrize("lang", CATALOGS)
def test_each_chosen_word_is_the_one_the_catalog_uses(lang):
    """A state's label reads as its chosen word, and every chosen term occurs in the catalog
    (a glossary word no string uses is a misspelling or a choice not carried out)."""
    catalog = translations(lang)
    for state, concept in GLOSSARY["states"].items():
        assert catalog.get((concept.get("context"), concept["label"])) == [concept[lang]], (state, lang)
    for name, concept in GLOSSARY["terms"].items():
        pattern = _pattern(lang, concept[lang])
        assert any(pattern.search(s) for strings in catalog.values() for s in strings), (name, lang)


def test_tagalog_addresses_its_reader_politely():
    """One register throughout: kayo/ninyo/inyo (with po), never ikaw/ka/mo/iyo, so no form
    switches from one to the other between its lines."""
    problems = [f"{informal_words(s)} in {s!r}" for strings in translations("tl").values()
                for s in strings if informal_words(s)]
    assert problems == []
