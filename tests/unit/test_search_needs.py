"""The needs a query names (kiosk/search/needs_synonyms.toml): what residents type when something
is wrong, in every language, and nothing that only sounds like it."""
import tomllib

import pytest

from kiosk import vocab
from kiosk.search import needs


def test_every_need_of_the_vocabulary_has_phrases_in_every_language_and_no_other_need():
    with open(needs.SYNONYMS, "rb") as fh:
        data = tomllib.load(fh)
    assert set(data) == set(vocab.NEEDS)
    for need, by_language in data.items():
        assert set(by_language) == {"ja", "en", "zh", "ko", "tl"}, need
        assert all(by_language.values()), need


@pytest.mark.parametrize("query, need", [
    ("お金がない", "money"), ("家賃が払えない", "money"), ("家賃", "housing"), ("食べ物", "food"),
    ("ひとりぼっち", "loneliness"), ("独りぼっち", "loneliness"), ("認知症", "dementia"), ("にんちしょう", "dementia"),
    ("にんちしよう", "dementia"),          # the small ょ missed
    ("ninchisho", "dementia"), ("kaigo", "elder-care"),
    ("walang pera", "money"), ("upa", "housing"), ("nagugutom kami", "food"),
    ("没钱", "money"), ("房租", "money"), ("交不起房租怎么办", "housing"),
    ("돈이 없어요", "money"), ("월세를 못 내요", "housing"), ("외로워요", "loneliness"),
    ("rent", "money"), ("lonely", "loneliness"), ("im so lonley", "loneliness"), ("dementa", "dementia"),
])
def test_a_need_is_found_however_it_is_put(query, need):
    assert need in needs.match(query)


@pytest.mark.parametrize("query, named", [
    ("相談", ()), ("ワールドフェスティバル", ()), ("ぴあの", ()),
    ("会合", ()),                                  # かいごう: かいご (介護) is not a word of it
    # Who it is for is not what is wrong: exercise, phones and Japanese are.
    ("お年寄り 体操", ()), ("老人学手机", ()), ("japanese class for kids", ("japanese",)),
    ("hindi lumalabas ng bahay", ("loneliness",)),   # the house she stays in, not housing
])
def test_words_that_only_look_like_a_need_do_not_name_it(query, named):
    assert needs.match(query) == named


def test_one_letter_off_is_not_another_phrase_word():
    assert needs.match("need food") == ("food",)          # not flood (disaster)
    assert "housing" in needs.match("アパート") and "work" not in needs.match("アパート")   # パート
