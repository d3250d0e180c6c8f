"""How Japanese reads the numbers the application writes: 12月 じゅうにがつ, 7日 なのか, (月) げつ,
10時30分 じゅうじさんじゅっぷん, 残り8席 のこりはっせき, 1人 ひとり.

A morphological analyser guesses these from the characters and guesses wrong (日 after a digit is
not か, (月) after a date is not がつ), so the date formatter asks here for the reading of what it
wrote, and furigana asks here before the analyser for any digits followed by a counter. Every
reading is hiragana; numbers up to 99,999,999 are read.
"""
import re

_DIGITS = ["", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"]


def _under_10000(n):
    out = []
    thousands, n = divmod(n, 1000)
    if thousands:
        out.append({1: "せん", 3: "さんぜん", 8: "はっせん"}.get(thousands, _DIGITS[thousands] + "せん"))
    hundreds, n = divmod(n, 100)
    if hundreds:
        out.append({1: "ひゃく", 3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}
                   .get(hundreds, _DIGITS[hundreds] + "ひゃく"))
    tens, ones = divmod(n, 10)
    if tens:
        out.append(("" if tens == 1 else _DIGITS[tens]) + "じゅう")
    if ones:
        out.append(_DIGITS[ones])
    return "".join(out)


def number(n):
    """The reading of a whole number as said aloud: 2026 にせんにじゅうろく, 0 ゼロ (れい)."""
    if n == 0:
        return "ぜろ"
    man, rest = divmod(n, 10000)
    head = (_under_10000(man) + "まん") if man else ""
    return head + _under_10000(rest)


# Counters whose sound changes with the number before them: {counter: {last digit or 10: reading
# of that digit with the counter}}; other numbers read their head plainly, then that form.
_TEN_PP = {1: "いっ", 6: "ろっ", 8: "はっ", 10: "じゅっ"}
_FORMS = {
    "分": {1: "いっぷん", 2: "にふん", 3: "さんぷん", 4: "よんぷん", 5: "ごふん", 6: "ろっぷん",
          7: "ななふん", 8: "はっぷん", 9: "きゅうふん", 10: "じゅっぷん"},
    "席": {1: "いっせき", 6: "ろくせき", 8: "はっせき", 10: "じゅっせき"},
    "回": {1: "いっかい", 6: "ろっかい", 8: "はちかい", 10: "じゅっかい"},
    "階": {1: "いっかい", 3: "さんがい", 6: "ろっかい", 8: "はちかい", 10: "じゅっかい"},
    "件": {1: "いっけん", 6: "ろっけん", 8: "はちけん", 10: "じゅっけん"},
    "歳": {1: "いっさい", 8: "はっさい", 10: "じゅっさい", 20: "はたち"},
    "才": {1: "いっさい", 8: "はっさい", 10: "じゅっさい"},
    "週": {1: "いっしゅう", 8: "はっしゅう", 10: "じゅっしゅう"},
    "週間": {1: "いっしゅうかん", 8: "はっしゅうかん", 10: "じゅっしゅうかん"},
    "か月": {1: "いっかげつ", 6: "ろっかげつ", 8: "はちかげつ", 10: "じゅっかげつ"},
    "ヶ月": {1: "いっかげつ", 6: "ろっかげつ", 8: "はちかげつ", 10: "じゅっかげつ"},
    "カ月": {1: "いっかげつ", 6: "ろっかげつ", 8: "はちかげつ", 10: "じゅっかげつ"},
    "丁目": {1: "いっちょうめ", 8: "はっちょうめ", 10: "じゅっちょうめ"},
    "時間": {4: "よじかん", 7: "しちじかん", 9: "くじかん"},
    "時": {4: "よじ", 7: "しちじ", 9: "くじ"},
    "年": {4: "よねん", 7: "ななねん", 9: "きゅうねん"},
    "人": {1: "ひとり", 2: "ふたり", 4: "よにん", 7: "ななにん"},
    "名": {4: "よんめい", 7: "ななめい"},
    "円": {4: "よえん"},
    "番": {},
    "号": {4: "よんごう", 7: "ななごう", 9: "きゅうごう"},
    "日間": {1: "いちにちかん", 2: "ふつかかん", 3: "みっかかん", 4: "よっかかん", 5: "いつかかん",
            6: "むいかかん", 7: "なのかかん", 8: "ようかかん", 9: "ここのかかん", 10: "とおかかん"},
    "度": {},
    "枚": {},
    "台": {},
    "か所": {1: "いっかしょ", 6: "ろっかしょ", 8: "はっかしょ", 10: "じゅっかしょ", 100: "ひゃっかしょ"},
    "カ所": {1: "いっかしょ", 6: "ろっかしょ", 8: "はっかしょ", 10: "じゅっかしょ"},
    "ヶ所": {1: "いっかしょ", 6: "ろっかしょ", 8: "はっかしょ", 10: "じゅっかしょ"},
    "番地": {},
    "つ": {1: "ひとつ", 2: "ふたつ", 3: "みっつ", 4: "よっつ", 5: "いつつ", 6: "むっつ", 7: "ななつ", 8: "やっつ",
          9: "ここのつ", 10: "とお"},
}
# The counter's own reading, where a number has no special form with it.
_PLAIN = {"分": "ふん", "席": "せき", "回": "かい", "階": "かい", "件": "けん", "歳": "さい", "才": "さい",
          "週": "しゅう", "週間": "しゅうかん", "か月": "かげつ", "ヶ月": "かげつ", "カ月": "かげつ",
          "丁目": "ちょうめ", "時間": "じかん", "時": "じ", "年": "ねん", "人": "にん", "名": "めい",
          "円": "えん", "番": "ばん", "号": "ごう", "日間": "にちかん", "度": "ど", "枚": "まい", "台": "だい",
          "か所": "かしょ", "カ所": "かしょ", "ヶ所": "かしょ", "番地": "ばんち", "つ": "つ"}

_MONTHS = {4: "しがつ", 7: "しちがつ", 9: "くがつ"}
_DAYS = {1: "ついたち", 2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか", 7: "なのか",
         8: "ようか", 9: "ここのか", 10: "とおか", 14: "じゅうよっか", 20: "はつか", 24: "にじゅうよっか",
         17: "じゅうしちにち", 19: "じゅうくにち", 27: "にじゅうしちにち", 29: "にじゅうくにち"}
WEEKDAYS = ("げつ", "か", "すい", "もく", "きん", "ど", "にち")          # Monday first, as datetime
WEEKDAY_KANJI = "月火水木金土日"
_WEEKDAY_WORDS = {k: r for k, r in zip(WEEKDAY_KANJI, WEEKDAYS)}


def month(n):
    return _MONTHS.get(n, number(n) + "がつ")


def day(n):
    return _DAYS.get(n, number(n) + "にち")


def counted(n, counter):
    """``n`` with ``counter`` as said: (8, "席") はっせき, (1, "人") ひとり, (20, "分") にじゅっぷん."""
    if counter == "月":
        return month(n)
    if counter == "日":
        return day(n)
    forms = _FORMS.get(counter, {})
    plain = _PLAIN[counter]
    if n in forms:
        return forms[n]
    if n < 10 or n % 100 == 0:
        return number(n) + plain
    last = n % 10
    if last == 0:
        # 20分 にじゅっぷん: the tens take the counter's form for ten.
        tens, hundreds = (n % 100) // 10, n - n % 100
        if 10 in forms:
            return (number(hundreds) if hundreds else "") + ("" if tens == 1 else _DIGITS[tens]) + forms[10]
        return number(n) + plain
    # Above ten the head is said plainly and the last digit takes the counter's form, except the
    # native counts (11人 じゅういちにん, not じゅうひとり; 11日間 じゅういちにちかん).
    if (counter == "人" and last in (1, 2)) or counter == "日間":
        return number(n) + plain
    return number(n - last) + forms.get(last, _DIGITS[last] + plain)


# Digits (ASCII or full width) and a counter, the longest counters first. 月 and 日 are read as a
# month and a day only after digits.
_COUNTERS = sorted(["月", "日", *_PLAIN], key=len, reverse=True)
COUNTED = re.compile(r"([0-9０-９][0-9０-９,，]*)("
                     + "|".join("月(?!曜)" if c == "月" else re.escape(c) for c in _COUNTERS) + ")")
# A weekday in brackets after a date, (月) or （月）, and the long forms 月曜日 / 月曜.
WEEKDAY = re.compile(r"(?:^|(?<=[日)）\s]))([(（])([月火水木金土日])([)）])")
WEEKDAY_NAME = re.compile(r"([月火水木金土日])曜(日?)")


def digits(text):
    return int(text.translate(str.maketrans("０１２３４５６７８９", "0123456789", ",，")))


def weekday(kanji):
    return _WEEKDAY_WORDS[kanji]


def weekday_name(kanji, with_day=True):
    return _WEEKDAY_WORDS[kanji] + ("ようび" if with_day else "よう")


def date_parts(dt):
    """[(text, reading)] of a date as the ward writes it, 12月7日(月): the formatter's own words."""
    return [(f"{dt.month}月", month(dt.month)), (f"{dt.day}日", day(dt.day)),
            ("(", None), (WEEKDAY_KANJI[dt.weekday()], WEEKDAYS[dt.weekday()]), (")", None)]


def heading_parts(dt):
    """[(text, reading)] of a day heading, 12月8日火曜日."""
    return [(f"{dt.month}月", month(dt.month)), (f"{dt.day}日", day(dt.day)),
            (WEEKDAY_KANJI[dt.weekday()] + "曜日", WEEKDAYS[dt.weekday()] + "ようび")]
