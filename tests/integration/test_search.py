"""Search over the demo catalog the way people type, in every language."""
import pytest

from kiosk.models import Service, Translation
from kiosk.search.index import search_ids


def slugs_for(query, lang):
    ids = search_ids(query, lang)
    by_id = {s.id: s.slug for s in Service.select().where(Service.id.in_(ids))} if ids else {}
    return [by_id[i] for i in ids]


def test_every_program_found_by_its_name_in_every_language(db_conn):
    misses = []
    names = Translation.select().where((Translation.owner == "service") & (Translation.field == "name"))
    slug = {s.id: s.slug for s in Service.select()}
    for row in names:
        found = slugs_for(row.text, row.language)
        if slug[row.owner_id] not in found[:3]:
            misses.append((slug[row.owner_id], row.language, row.text, found[:3]))
    assert misses == []


def test_every_program_found_by_each_of_its_keywords(db_conn):
    misses = []
    slug = {s.id: s.slug for s in Service.select()}
    rows = Translation.select().where((Translation.owner == "service") & (Translation.field == "keywords"))
    for row in rows:
        for word in row.text.splitlines():
            if slug[row.owner_id] not in slugs_for(word, row.language)[:10]:
                misses.append((slug[row.owner_id], row.language, word))
    assert misses == []


@pytest.mark.parametrize("query, lang, expected, top", [
    # Japanese as typed: kanji, hiragana, katakana, half-width, romaji; 1-2 character queries
    ("食堂", "ja", "kodomo-shokudo", 1),
    ("こども食堂", "ja", "kodomo-shokudo", 1),
    ("子ども食堂", "ja", "kodomo-shokudo", 1),
    ("しょくどう", "ja", "kodomo-shokudo", 1),
    ("kodomo shokudo", "ja", "kodomo-shokudo", 1),
    ("カフェ", "ja", "machikado-care-cafe", 3),
    ("かふぇ", "ja", "machikado-care-cafe", 3),
    ("ｶﾌｪ", "ja", "machikado-care-cafe", 3),
    ("ケアカフェ", "ja", "machikado-care-cafe", 2),
    ("相談", "ja", "sodan-joho-hiroba", 5),
    ("ひろば", "ja", "sodan-joho-hiroba", 2),
    ("あすは", "ja", "asuha-station", 1),
    ("ネリーズ", "ja", "nerries", 1),
    ("ねりーず", "ja", "nerries", 1),
    ("民生委員", "ja", "minsei-jido-iin", 1),
    ("日本語", "ja", "nihongo-kyoshitsu", 2),
    ("町会", "ja", "chokai-jichikai", 1),
    # Chinese, Korean: two-character queries
    ("食堂", "zh", "kodomo-shokudo", 1),
    ("咖啡", "zh", "machikado-care-cafe", 3),
    ("日语", "zh", "nihongo-kyoshitsu", 1),
    ("咨询", "zh", "gaikokujin-sodan", 5),
    ("카페", "ko", "machikado-care-cafe", 3),
    ("식당", "ko", "kodomo-shokudo", 1),
    ("일본어", "ko", "nihongo-kyoshitsu", 1),
    ("상담", "ko", "gaikokujin-sodan", 5),
    # English and Tagalog words, with prefixes as typed so far
    ("Japanese class", "en", "nihongo-kyoshitsu", 1),
    ("volunteer", "en", "volunteer-center", 5),
    ("festival", "en", "world-festival", 2),
    ("cafeteria", "en", "kodomo-shokudo", 1),
    ("foreign", "en", "gaikokujin-sodan", 3),
    ("Nihongo", "tl", "nihongo-kyoshitsu", 1),
    ("pagkain", "tl", "kodomo-shokudo", 3),
    ("boluntaryo", "tl", "volunteer-center", 5),
])
def test_queries_people_type(db_conn, query, lang, expected, top):
    found = slugs_for(query, lang)
    assert expected in found[:top], found[:top + 2]


def test_nothing_searchable_returns_nothing(db_conn):
    assert search_ids("!!!", "ja") == []
    assert search_ids("zzzzqqq", "en") == []


@pytest.mark.parametrize("query, lang, first, at_most", [
    # Needs as residents name them: the services answering the need, not the catalog
    ("にんちしょう", "ja", {"chiiki-hokatsu", "kenri-yogo"}, 4),
    ("ひとりぼっち", "ja", {"chiiki-fukushi-coordinator"}, 11),
    ("お金がない", "ja", {"seikatsu-konkyu"}, 3),
    ("家賃が払えない", "ja", {"seikatsu-konkyu"}, 3),
    ("walang pera", "tl", {"seikatsu-konkyu", "gaikokujin-sodan"}, 3),
    ("upa", "tl", {"seikatsu-konkyu"}, 3),
    ("没钱", "zh", {"seikatsu-konkyu", "gaikokujin-sodan"}, 3),
    ("房租", "zh", {"seikatsu-konkyu"}, 3),
    ("돈이 없어요", "ko", {"seikatsu-konkyu", "gaikokujin-sodan"}, 3),
    ("월세", "ko", {"seikatsu-konkyu"}, 3),
    ("rent", "en", {"seikatsu-konkyu"}, 3),
    ("dementia", "en", {"chiiki-hokatsu", "kenri-yogo"}, 4),
    # A program's own name: that program, not every text sharing a katakana word
    ("ワールドフェスティバル", "ja", {"world-festival"}, 3),
])
def test_a_need_or_a_name_finds_a_few_services_not_the_catalog(db_conn, query, lang, first, at_most):
    found = slugs_for(query, lang)
    assert found and found[0] in first and len(found) <= at_most, found


def test_no_good_answer_finds_nothing(db_conn):
    """Nothing offers piano lessons: no unrelated services that happen to share a sound."""
    for query, lang in (("ぴあの", "ja"), ("ピアノ", "ja"), ("钢琴", "zh"), ("피아노", "ko"), ("piano", "en"), ("piyano", "tl")):
        assert search_ids(query, lang) == [], (query, lang)


def test_a_need_named_in_a_query_links_to_its_screen(client):
    page = client.get("/en/services?q=rent", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "seikatsu-konkyu" in page and 'href="/en/needs/money"' in page and 'href="/en/needs/housing"' in page


@pytest.mark.parametrize("lang, desk", [("ja", "chiiki-fukushi-coordinator"), ("ja-easy", "chiiki-fukushi-coordinator"),
                                        ("zh", "gaikokujin-sodan"), ("tl", "gaikokujin-sodan")])
def test_no_good_answer_says_so_and_offers_the_needs_screen_and_a_call_back(client, lang, desk):
    """In the visitor's language; the call-back desk is one whose staff speak it."""
    page = client.get(f"/{lang}/services?q=%E3%81%B4%E3%81%82%E3%81%AE").get_data(as_text=True)   # ぴあの
    assert 'class="empty no-answer"' in page and 'class="card"' not in page
    assert f'href="/{lang}/needs"' in page and f'href="/{lang}/signup/callback/{desk}"' in page
