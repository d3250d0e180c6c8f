"""Reading an uploaded datapackage without trusting it (kiosk.hub.catalog.tabular): the zip's
limits from its directory alone, bounded reads, strict CSV with every problem placed by file,
row and column, the text boundary on every cell, duplicate ids; and the language of a text
that does not say its own (kiosk.hub.catalog.hsds_import.detect_language)."""
import io
import struct
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import boundary
from kiosk.hub.catalog import tabular
from kiosk.hub.catalog.hsds_import import detect_language
from kiosk.web.errors import megabytes

HEADER = "id,name,description\n"


def reasons(problems):
    return [(p["reason"], p["file"], p["row"], p["column"]) for p in problems]


def csv_problems(text):
    return tabular.read_csv("services.csv", text.encode("utf-8"))[3]


def make_zip(files, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def package(**csvs):
    resources = ",".join(f'{{"name": "{name}", "path": "{name}s.csv"}}' for name in csvs)
    files = {"datapackage.json": f'{{"resources": [{resources}]}}'}
    files.update({f"{name}s.csv": text for name, text in csvs.items()})
    return make_zip(files)


def refusal(fn, *args, **kwargs):
    with pytest.raises(tabular.PackageRefused) as info:
        fn(*args, **kwargs)
    return info.value.problems


# --- CSV ------------------------------------------------------------------------------------

def test_a_quote_that_is_never_closed_is_placed_by_row_and_column():
    text = HEADER + "a1,Café,plain\n" + 'a2,Kids,"opens here, and\n' + "a3,Talk,never closes\n"
    assert reasons(csv_problems(text)) == [("quote", "services.csv", 3, "description")]


def test_a_quote_followed_by_more_text_is_placed_too():
    text = HEADER + 'a1,"Café" corner,x\n'
    assert reasons(csv_problems(text)) == [("quote", "services.csv", 2, "name")]


def test_a_row_with_another_number_of_fields_is_refused():
    assert reasons(csv_problems(HEADER + "a1,x,y\na2,x,y,z\na3,x\n")) == [
        ("field_count", "services.csv", 3, None), ("field_count", "services.csv", 4, None)]


def test_a_quote_that_swallows_rows_and_ends_cleanly_is_still_caught():
    """The unclosed quote of row 2 ends at the quote that closes row 4's field: strict CSV reads
    that without complaint, as one row; the rows it swallowed give it away."""
    text = HEADER + 'a1,x,"starts\na2,row two,more\na3,row three,"\na4,fine,fine\n'
    found = reasons(csv_problems(text))
    assert ("quote_swallowed", "services.csv", 2, "description") in found
    # A text with line breaks and an odd comma is fine.
    assert csv_problems(HEADER + 'a1,x,"one line, then\nanother, with a comma"\n') == []


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\u202e", "\u2066", "\x85"])
def test_control_characters_are_refused_where_they_are(char):
    found = csv_problems(HEADER + f"a1,ok,fine\na2,bad{char}name,fine\n")
    assert reasons(found) == [("control_character", "services.csv", 3, "name")]
    assert found[0]["params"]["char"] == f"U+{ord(char):04X}"


def test_line_breaks_of_any_convention_are_kept_as_newlines():
    header, rows, numbers, problems = tabular.read_csv("x.csv", (HEADER + 'a1,x,"one\r\ntwo"\r\n').encode())
    assert problems == [] and rows == [["a1", "x", "one\ntwo"]] and numbers == [2]


def test_rows_are_numbered_as_a_spreadsheet_numbers_them():
    """Header row 1; a blank line is a row too, and a quoted line break does not make one."""
    header, rows, numbers, problems = tabular.read_csv("x.csv", (HEADER + 'a1,x,"a\nb"\n\na2,y,z\n').encode())
    assert problems == [] and numbers == [2, 4]


def test_a_cell_longer_than_the_catalog_keeps_is_refused():
    assert reasons(csv_problems(HEADER + f"a1,x,{'あ' * 4001}\n")) == [("too_long", "services.csv", 2, "description")]


def test_text_that_is_not_utf8_is_refused():
    problems = tabular.read_csv("x.csv", (HEADER + "a1,x,y\n").encode() + "a2,練馬,z\n".encode("shift_jis"))[3]
    assert reasons(problems) == [("encoding", "x.csv", 3, None)]


def test_a_repeated_column_name_is_refused():
    assert reasons(csv_problems("id,name,name\na1,x,y\n")) == [("bad_header", "services.csv", 1, "name")]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text_is_read_or_refused_never_raises(text):
    header, rows, numbers, problems = tabular.read_csv("x.csv", text.encode("utf-8"))
    for row in rows if not problems else []:
        assert len(row) == len(header)
        assert all(tabular.cell_problem(cell, len(header)) is None for cell in row)


# --- the zip --------------------------------------------------------------------------------

def test_our_own_shape_of_package_is_read():
    p = tabular.read_package(package(service=HEADER + "a1,x,y\na2,z,w\n"))
    assert p.tables == {"service": [{"id": "a1", "name": "x", "description": "y"},
                                    {"id": "a2", "name": "z", "description": "w"}]}
    assert p.where("service", 1) == ("services.csv", 3)


def test_files_in_one_folder_are_read_and_desktop_leftovers_ignored():
    data = make_zip({"hsds/datapackage.json": '{"resources": [{"name": "service", "path": "services.csv"}]}',
                     "hsds/services.csv": HEADER + "a1,x,y\n", "__MACOSX/hsds/._services.csv": "\x00\x01",
                     "hsds/.DS_Store": "junk"})
    assert tabular.read_package(data).tables["service"][0]["id"] == "a1"


def test_what_is_not_a_zip_is_refused():
    assert reasons(refusal(tabular.read_package, b"not a zip")) == [("not_zip", None, None, None)]
    assert reasons(refusal(tabular.read_package, b"PK\x05\x06" + b"\x00" * 10)) == [("not_zip", None, None, None)]


def test_too_many_files_are_refused_from_the_directory():
    data = make_zip({f"f{i}.csv": "id\n" for i in range(51)})
    assert [p["reason"] for p in refusal(tabular.zip_members, data)] == ["zip_files"]


def test_a_directory_larger_than_its_file_count_needs_is_refused():
    """The end record's count can lie; zipfile follows the directory's size, so that is bounded too."""
    data = bytearray(make_zip({f"{'f' * 200}{i}.csv": "id\n" for i in range(40)}))
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 1, 1)   # "1 file"
    count, size = tabular._directory(bytes(data))
    assert count == 1 and size > 4 * 1024   # the count passes; the directory's size does not
    assert [p["reason"] for p in refusal(tabular.zip_members, bytes(data), max_files=1)] == ["zip_files"]


def test_folders_and_leftovers_do_not_count_as_files():
    """A Mac's zip of a folder of 30 files has 62 entries (the folders, a "._" file for each)."""
    files = {"hsds/": "", "__MACOSX/": "", "__MACOSX/hsds/": ""}
    files.update({f"hsds/f{i}.csv": "id\n" for i in range(30)})
    files.update({f"__MACOSX/hsds/._f{i}.csv": "x" for i in range(30)})
    assert len(tabular.zip_members(make_zip(files))) == 30


def test_the_total_unpacked_size_is_checked_before_unpacking():
    data = make_zip({"a.csv": "x" * 600, "b.csv": "y" * 600})
    assert [p["reason"] for p in refusal(tabular.zip_members, data, max_unpacked=1000)] == ["zip_size"]


def test_a_file_packed_more_than_100_to_1_is_refused():
    data = make_zip({"services.csv": b"\x00" * (2 * 1024 * 1024)})
    found = refusal(tabular.zip_members, data)
    assert reasons(found) == [("zip_ratio", "services.csv", None, None)] and found[0]["params"]["ratio"] > 100


@pytest.mark.parametrize("name", ["../services.csv", "/etc/services.csv", "a/b/services.csv", "a\\services.csv",
                                  "C:services.csv"])
def test_paths_outside_the_package_are_refused(name):
    assert [p["reason"] for p in refusal(tabular.zip_members, make_zip({name: "id\n"}))] == ["zip_path"]


def test_files_with_the_same_name_or_in_several_folders_are_refused():
    found = [p["reason"] for p in refusal(tabular.zip_members, make_zip({"a/x.csv": "1", "b/x.csv": "2"}))]
    assert found == ["zip_duplicate", "zip_folders"]


def test_an_encrypted_or_unusually_packed_file_is_refused():
    data = bytearray(make_zip({"x.csv": "id\n"}))
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 1)   # the "encrypted" flag in the directory
    assert [p["reason"] for p in refusal(tabular.zip_members, bytes(data))] == ["zip_encrypted"]
    data = make_zip({"x.csv": "id\n"}, method=zipfile.ZIP_BZIP2)
    assert [p["reason"] for p in refusal(tabular.zip_members, data)] == ["zip_method"]


def lie_about_size(data, name, size):
    """The zip with ``name``'s unpacked size said to be ``size`` in both of its headers."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    struct.pack_into("<L", data, info.header_offset + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + length].decode() == name:
            struct.pack_into("<L", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_a_directory_that_understates_a_size_cannot_make_a_read_unbounded():
    data = lie_about_size(make_zip({"services.csv": b"a,b\n" * 1_000_000}), "services.csv", 100)
    info = tabular.zip_members(data)["services.csv"]
    assert info.file_size == 100   # the ratio looks innocent: the check has to be the read
    assert reasons(refusal(tabular.read_member, data, info)) == [("zip_damaged", "services.csv", None, None)]


def test_datapackage_json_must_be_there_and_list_its_resources():
    assert [p["reason"] for p in refusal(tabular.read_package, make_zip({"x.csv": "id\n"}))] == ["no_datapackage"]
    for text in ("{", "[]", '{"resources": {}}', '{"resources": [{"name": 1}]}', "[" * 60_000):
        data = make_zip({"datapackage.json": text})
        assert [p["reason"] for p in refusal(tabular.read_package, data)] == ["datapackage_json"], text[:20]


def test_duplicate_and_missing_ids_are_refused_by_row():
    found = refusal(tabular.read_package, package(service=HEADER + "a1,x,y\na2,z,w\na1,again,v\n,none,u\n"))
    assert reasons(found) == [("duplicate_id", "services.csv", 4, "id"), ("missing_id", "services.csv", 5, "id")]
    assert found[0]["params"] == {"id": "a1", "other": 2}


def test_every_problem_of_every_file_is_listed_at_once():
    found = refusal(tabular.read_package, package(service=HEADER + "a1,x\n", organization=HEADER + "o1,\x00,y\n"))
    assert reasons(found) == [("field_count", "services.csv", 2, None),
                              ("control_character", "organizations.csv", 2, "name")]


# --- the boundary, the limit as staff read it, the language of a plain text ----------------------

def test_published_text_refuses_direction_overrides_but_keeps_line_ends():
    assert boundary.published_text_problem("a\r\nb\rc\td") is None
    assert boundary.published_text_problem("price \u202e0001") == "bidi_control"
    assert boundary.published_text_problem("a\x00") == "control_character"
    assert boundary.published_text_problem("\u200f\u200dok") is None   # marks and joiners are text


def test_sizes_are_stated_in_megabytes():
    assert (megabytes(8 * 1024 * 1024), megabytes(1024 * 1024), megabytes(512 * 1024)) == ("8", "1", "0.5")


@pytest.mark.parametrize("text, lang", [
    ("Community Counselling", "en"), ("練馬区役所", "ja"), ("子ども食堂", "ja"), ("지역 상담 창구", "ko"),
    ("社区咨询服务", "zh"), ("Para sa mga bata at magulang", "tl"), ("1-30 Main Street", "en"), ("03-1234", "ja"),
])
def test_the_language_of_a_plain_text_is_detected(text, lang):
    assert detect_language(text) == lang
