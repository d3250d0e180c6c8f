"""boundary.json_text_is_clean lets the hub skip the per-text check of a whole batch: it must
never pass a document in which some decoded text (or key) holds a forbidden character."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import boundary

# Any character, with the ones that matter (controls, escapes, C1, a lone surrogate) often.
texts = st.text(alphabet=st.one_of(st.sampled_from("\x00\x08\x0c\r\n\t\x1f\x7f\x85\ud800\\\"/ubfr"),
                                   st.characters(min_codepoint=0, max_codepoint=0x10FFFF)), max_size=12)
values = st.recursive(st.none() | st.booleans() | st.integers() | texts,
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
                      max_leaves=12)


@settings(max_examples=600, deadline=None)
@given(values, st.booleans())
def test_a_clean_document_never_hides_a_bad_text(value, ascii_only):
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    if boundary.json_text_is_clean(raw):
        decoded = json.loads(raw)
        assert boundary.json_problem(decoded) == boundary.json_problem(decoded, texts=False)


def test_what_a_kiosk_sends_is_clean_and_each_escape_that_could_hide_one_is_not():
    good = json.dumps({"name": "山田 花子\nメモ\t\"x\" \\ /"}, ensure_ascii=False).encode()
    assert boundary.json_text_is_clean(good)
    for bad in ("\x00", "\b", "\f", "\r", "\x7f", "\x85", "\ud800"):
        for ascii_only in (True, False):
            raw = json.dumps({"name": bad}, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
            assert not boundary.json_text_is_clean(raw), (bad, ascii_only)
