"""An HSDS import that says what it found, on PostgreSQL and SQLite: a package with any problem
is refused whole, with each reason by file, row and column on the page, and changes nothing; a
zip bomb is refused from the zip's directory and leaves a real hub process small; the upload
limit is one setting, stated on the staff error page; the preview names what would appear,
change and disappear, and hiding a service takes a choice; Open Referral's own example lands in
the English fields; and every draft is published with one confirmation, or none is."""
import csv
import io
import json
import pathlib
import re
import zipfile

import pytest

from kiosk import catalog_docs
from kiosk.hub.catalog import hsds
from kiosk.models import CatalogDraft, CatalogVersion, Feed
from tests.conftest import Server
from tests.helpers import csrf_token, staff_client
from tests.integration.hub_helpers import editor_client as staff, apply_import, demo_hub, form_fields, upload_package

SHARED_HSDS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "hsds"
COPIED_HSDS = pathlib.Path(__file__).resolve().parents[1] / "data" / "hsds"
HSDS = SHARED_HSDS if SHARED_HSDS.is_dir() else COPIED_HSDS
MB = 1024 * 1024


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with demo_hub(request.param, tmp_path, "editor", "editor-pass-123") as app:
        yield app




def catalog_state():
    """Everything an import or a publish could change: drafts, published records, versions, feed."""
    drafts = sorted((d.kind, d.key, d.data) for d in CatalogDraft.select())
    return drafts, hsds.documents(), CatalogVersion.select().count(), Feed.select().count()


def text(answer):
    """The page as a person reads it: tags dropped, entities and spaces as the browser shows them."""
    page = re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True))
    page = page.replace("&#34;", '"').replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
    return re.sub(r"\s+", " ", page)


# --- packages -------------------------------------------------------------------------------

def files_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def changed(data, name, edit):
    """The package with file ``name`` replaced by ``edit(its text)``."""
    files = files_of(data)
    files[name] = edit(files[name].decode("utf-8")).encode("utf-8")
    return zipped(files)


def rows_of(raw):
    return list(csv.reader(io.StringIO(raw, newline="")))


def as_csv(rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def official_example():
    """Open Referral's tabular example: its CSV files with the datapackage.json they name."""
    files = {"datapackage.json": (HSDS / "datapackage.json").read_bytes()}
    files.update({p.name: p.read_bytes() for p in sorted((HSDS / "examples" / "csv").glob("*.csv"))})
    return zipped(files)


def refused(c, data, *messages):
    """Upload ``data``: refused (422) with each of ``messages`` on the page, nothing changed."""
    before = catalog_state()
    answer = upload_package(c, data)
    page = text(answer)
    assert answer.status_code == 422, page[-2000:]
    assert "This package was not imported" in page and "Nothing was changed" in page
    for message in messages:
        assert message in page, page[-3000:]
    assert 'name="step" value="apply"' not in answer.get_data(as_text=True)   # nothing to apply
    assert catalog_state() == before
    return page


# --- refused whole, with the reason -----------------------------------------------------------

def test_an_unbalanced_quote_is_refused_by_file_row_and_column(hub):
    """The tester's package: one quote opened in services.csv. Before, one service showed as
    changed and 33 silently fell out of the draft."""
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()

    def open_a_quote(raw):
        lines = raw.split("\n")
        row = rows_of(lines[11])[0]
        description = lines[0].split(",").index("description")
        cells = lines[11].split(",")
        assert cells[description] == row[description] and '"' not in lines[11]   # a plain field, as ours are
        cells[description] = '"' + cells[description]
        lines[11] = ",".join(cells)
        return "\n".join(lines)
    refused(c, changed(ours, "services.csv", open_a_quote),
            "services.csv, row 12, column description: a quote is not closed")


def test_a_quote_that_swallows_rows_without_a_csv_error_is_refused_too(hub):
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()

    def swallow(raw):
        lines = raw.split("\n")
        header = lines[0].split(",")
        cells = lines[11].split(",")
        cells[header.index("description")] = '"' + cells[header.index("description")]
        lines[11] = ",".join(cells)
        later = lines[15].split(",")
        later[header.index("name")] += '"'   # the quote that ends it stands before a comma
        lines[15] = ",".join(later)
        return "\n".join(lines)
    page = refused(c, changed(ours, "services.csv", swallow), "services.csv, row 12, column description: this field "
                   "holds what look like further rows: a quote is probably not closed")
    assert "services.csv, row 12: this row has a different number of fields" in page


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\u202e"])
def test_control_characters_are_refused_with_where_they_are(hub, char):
    """Before, they passed the import and publishing then failed with a 500."""
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()

    def spoil(raw):
        rows = rows_of(raw)
        rows[4][rows[0].index("name")] = "子ども" + char + "食堂"
        return as_csv(rows)
    refused(c, changed(ours, "services.csv", spoil),
            f"services.csv, row 5, column name: it contains a control character (U+{ord(char):04X})")


def test_duplicate_ids_and_short_names_are_refused_by_row(hub):
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()

    def repeat(raw):
        rows = rows_of(raw)
        return as_csv(rows + [rows[3]])
    first_id = rows_of(files_of(ours)["services.csv"].decode())[3][0]
    refused(c, changed(ours, "services.csv", repeat),
            f"services.csv, row 36, column id: the id {first_id} is already used in row 4")

    # Two organisations of another system's package whose names give the same short name.
    def twin(raw):
        rows = rows_of(raw)
        other = list(rows[1])
        other[0] = "0f1e2d3c-4b5a-4968-8776-655443322110"
        return as_csv(rows + [other])
    refused(c, changed(official_example(), "organizations.csv", twin),
            "organizations.csv, row 3: the short name “example-organization-inc” is already that of row 2")


def test_a_zip_bomb_is_refused_from_its_directory(hub):
    c = staff(hub)
    ours = files_of(c.get("/staff/catalog/export.zip").get_data())
    honest = zip_bomb(ours)
    assert len(honest) < 1 * MB
    refused(c, honest, "services.csv: this file is packed", "more than 100 to 1")
    refused(c, lying_zip_bomb(ours), "services.csv: this file is damaged, or larger than the zip's directory says")
    refused(c, zipped(dict(ours, **{f"extra{i}.txt": b"x" for i in range(40)})), "The zip holds too many files: at most 50.")
    refused(c, b"PK\x03\x04 not really a zip", "The file is not a zip archive.")


def zip_bomb(files, size=300 * MB):
    """Our package with a services.csv that unpacks to ``size`` bytes (of a few hundred KB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            if name != "services.csv":
                z.writestr(name, data)
        info = zipfile.ZipInfo("services.csv")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as f:
            f.write(files["services.csv"])
            chunk = b"\x00" * MB
            for _ in range(size // MB):
                f.write(chunk)
    return buf.getvalue()


def lying_zip_bomb(files, size=300 * MB):
    """The bomb with both of its headers saying services.csv unpacks to 2,000 bytes."""
    data = bytearray(zip_bomb(files, size))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("services.csv")
    data[info.header_offset + 22:info.header_offset + 26] = (2000).to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + length] == b"services.csv":
            data[central + 24:central + 28] = (2000).to_bytes(4, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_the_zip_bomb_leaves_a_real_hub_process_small(hub, tmp_path):
    """The tester's bomb drove the hub from 96 MB to 1.85 GB. Posted to a real hub process
    (waitress), neither bomb takes its peak memory near 300 MB."""
    ours = files_of(staff(hub).get("/staff/catalog/export.zip").get_data())
    bombs = [zip_bomb(ours), lying_zip_bomb(ours)]
    server = Server(hub.config["DATABASE_URL"], role="hub", log_dir=tmp_path).start()
    try:
        client, status = staff_client(server.url, "editor", "editor-pass-123")
        assert status == 303
        for bomb in bombs:
            token = csrf_token(client.get("/staff/catalog/import").text)
            answer = client.post("/staff/catalog/import", data={"csrf_token": token},
                                 files={"package": ("bomb.zip", bomb, "application/zip")}, timeout=120)
            # The hub speaks its default language (Japanese) to a staff member who chose none.
            assert answer.status_code == 422 and "このパッケージは取り込んでいません" in answer.text
            peak = peak_memory(server.proc.pid)
            assert peak < 300 * MB, f"the hub's peak memory reached {peak // MB} MB"
        client.close()
    finally:
        server.stop()


def peak_memory(pid):
    """The process's peak resident memory (VmHWM), in bytes."""
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) * 1024


# --- one upload limit, stated on the staff page -----------------------------------------------

def test_an_oversized_upload_gets_the_staff_page_with_the_one_limit(hub):
    c = staff(hub)
    before = catalog_state()
    limit = hub.config["CATALOG_IMPORT_MAX_BYTES"]
    assert limit == 8 * MB
    answer = upload_package(c, b"PK" + b"\x00" * (9 * MB))
    page = text(answer)
    assert answer.status_code == 413
    assert "The file is too large" in page and "The largest file this page takes is 8 MB" in page
    assert "Ward hub" in page and "please ask" not in page.lower()   # the staff page, not the visitors'
    # Just over the limit but within the form's room: the importer's own check, the same limit.
    answer = upload_package(c, b"PK" + b"\x00" * (limit + 10))
    assert answer.status_code == 422 and "The file is larger than 8 MB, the most the import takes." in text(answer)
    assert catalog_state() == before
    # A package over 1 MiB (every other request's limit) is read.
    ours = files_of(c.get("/staff/catalog/export.zip").get_data())
    big = stored_extra(ours, "notes.bin", 2 * MB)
    assert MB < len(big) < limit
    answer = upload_package(c, big)
    assert answer.status_code == 200 and "What would change" in text(answer)


def stored_extra(files, name, size):
    """Our package with a file HSDS does not name, stored unpacked, making the zip ``size`` larger."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in files.items():
            z.writestr(n, data)
        z.writestr(zipfile.ZipInfo(name), bytes(i % 251 for i in range(size)), compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


# --- the preview: what appears, changes and disappears ------------------------------------------

def test_the_preview_names_what_changes_and_what_disappears_and_hiding_takes_a_choice(hub):
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()
    gone, renamed = "kodomo-shokudo", "machikado-care-cafe"
    gone_id, renamed_id = hsds.uid("service", gone), hsds.uid("service", renamed)
    name_term = hsds.uid("term", "text:name:ja")

    def drop(raw):
        rows = rows_of(raw)
        return as_csv([r for r in rows if r[0] != gone_id])

    def rename(raw):
        rows = rows_of(raw)
        head = rows[0]
        for r in rows[1:]:
            if r[head.index("link_id")] == renamed_id and r[head.index("taxonomy_term_id")] == name_term:
                r[head.index("value")] = "街かどケアカフェ（新しい名前）"
        return as_csv(rows)
    package = changed(changed(ours, "services.csv", drop), "attributes.csv", rename)
    before = catalog_state()
    preview = upload_package(c, package)
    page = text(preview)
    assert preview.status_code == 200
    assert "New: 0 · Changed: 1 · Unchanged: 51 · Not in the package: 1" in page
    assert f"({renamed})" in page and "Name (Japanese)" in page
    assert f"Service: Kodomo Shokudo (children's cafeteria) ({gone}) Hidden from kiosks, if you choose so" in page
    assert "It is not deleted: its sign-ups, sessions and history are kept" in page
    # Without a choice about the service that would disappear: asked, nothing kept.
    answer = apply_import(c, preview)
    assert answer.status_code == 422
    assert "Please choose what happens to the services that are not in the package." in text(answer)
    assert catalog_state() == before
    # Hidden: a draft that hides it (published only when staff publish), sign-ups untouched.
    assert apply_import(c, preview, missing="hide").status_code == 303
    drafts = {(d.kind, d.key): d for d in CatalogDraft.select()}
    assert set(drafts) == {("service", gone), ("service", renamed)}
    assert catalog_docs.live_document("service", gone)["active"] is True
    assert json.loads(drafts[("service", gone)].data)["active"] is False
    assert json.loads(drafts[("service", gone)].data)["schedules"] == catalog_docs.live_document("service", gone)["schedules"]


def test_keeping_them_leaves_the_missing_services_alone(hub):
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()
    gone_id = hsds.uid("service", "kodomo-shokudo")
    preview = upload_package(c, changed(ours, "services.csv", lambda raw: as_csv(
        [r for r in rows_of(raw) if r[0] != gone_id])))
    assert apply_import(c, preview, missing="keep").status_code == 303
    assert not CatalogDraft.select().exists()


def test_a_plan_that_changed_since_the_preview_is_shown_again_not_applied(hub):
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()
    gone_id = hsds.uid("service", "kodomo-shokudo")
    preview = upload_package(c, changed(ours, "services.csv", lambda raw: as_csv(
        [r for r in rows_of(raw) if r[0] != gone_id])))
    from kiosk.models import Service
    Service.update(active=False).where(Service.slug == "kodomo-shokudo").execute()   # hidden meanwhile
    before = catalog_state()
    answer = apply_import(c, preview, missing="hide")
    assert answer.status_code == 422 and "The catalog changed since you looked at this preview" in text(answer)
    assert catalog_state() == before


# --- the language of plain texts --------------------------------------------------------------

def test_the_official_example_lands_in_the_english_fields(hub):
    c = staff(hub)
    before = catalog_state()
    preview = upload_package(c, official_example())
    page = text(preview)
    assert preview.status_code == 200, page[-2000:]
    assert "Texts from plain HSDS columns, which do not say which language they are in: 9." in page and "English: 9" in page
    assert catalog_state() == before   # a preview changes nothing
    assert "Service: Community Counselling (community-counselling)" in page
    assert "Name (Japanese): Write this in Japanese." in page   # publishing needs the Japanese name
    assert apply_import(c, preview, missing="keep").status_code == 303
    drafts = {(d.kind, d.key): json.loads(d.data) for d in CatalogDraft.select()}
    assert set(drafts) == {("organization", "example-organization-inc"), ("site", "mycity-civic-center"),
                           ("service", "community-counselling")}
    service = drafts[("service", "community-counselling")]
    assert set(service["text"]) == {"en"}
    assert service["text"]["en"]["name"] == "Community Counselling"
    assert service["text"]["en"]["eligibility"].startswith("This service is intended for all people aged 12")
    assert drafts[("site", "mycity-civic-center")]["text"] == {"en": {
        "name": "MyCity Civic Center", "address": "1-30 Main Street",
        "access": "MyCity Civic Center is serviced by the number 1 Bus and is a short walk from the Main Street "
                  "Metro Station"}}
    assert drafts[("organization", "example-organization-inc")]["text"] == {"en": {"name": "Example Organization Inc."}}


def test_staff_can_pick_the_language_of_the_plain_texts(hub):
    c = staff(hub)
    preview = upload_package(c, official_example())
    fields = dict(form_fields(preview.get_data(as_text=True), "preview"), language="tl")
    again = c.post("/staff/catalog/import", data=fields)
    assert again.status_code == 200 and "Tagalog: 9" in text(again)
    assert apply_import(c, again, missing="keep").status_code == 303
    draft = CatalogDraft.get((CatalogDraft.kind == "service") & (CatalogDraft.key == "community-counselling"))
    assert set(json.loads(draft.data)["text"]) == {"tl"}


# --- publish all --------------------------------------------------------------------------------

def test_publish_all_publishes_every_imported_draft_with_one_confirmation(hub):
    c = staff(hub)
    ours = c.get("/staff/catalog/export.zip").get_data()
    published = hsds.documents()
    from kiosk.demo import loader
    loader.clear_catalog()
    CatalogVersion.delete().execute()
    preview = upload_package(c, ours)
    assert apply_import(c, preview).status_code == 303
    count = CatalogDraft.select().count()
    assert count == 53
    index = text(c.get("/staff/catalog/"))
    assert f"Publish all drafts ({count})" in index
    confirm = c.get("/staff/catalog/publish-all")
    page = text(confirm)
    assert "Drafts to publish: 53 (organisations: 3, places: 16, services: 34)." in page
    assert f"Yes, publish all {count}" in page
    # A confirmation given for other drafts publishes nothing.
    stale = c.post("/staff/catalog/publish-all", data={"drafts": "not-these"})
    assert stale.status_code == 422 and "The drafts changed since this page was shown" in text(stale)
    assert CatalogDraft.select().count() == count
    digest = re.search(r'name="drafts" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    answer = c.post("/staff/catalog/publish-all", data={"drafts": digest})
    assert answer.status_code == 303 and "published_all=53" in answer.headers["Location"]
    assert not CatalogDraft.select().exists()
    assert {k: [{f: v for f, v in d.items()} for d in docs] for k, docs in hsds.documents().items()} == published
    assert "Drafts published: 53." in text(c.get(answer.headers["Location"]))


def test_publish_all_refuses_with_the_list_when_a_draft_has_problems(hub):
    c = staff(hub)
    preview = upload_package(c, official_example())
    assert apply_import(c, preview, missing="keep").status_code == 303
    before = catalog_state()
    confirm = c.get("/staff/catalog/publish-all")
    digest = re.search(r'name="drafts" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    answer = c.post("/staff/catalog/publish-all", data={"drafts": digest})
    page = text(answer)
    assert answer.status_code == 422 and "Nothing was published" in page
    assert re.search(r"Organisation: Example Organization Inc\. \(example-organization-inc\): "
                     r"Name \(Japanese\): Write this in Japanese\.", page)
    assert "Service: Community Counselling (community-counselling)" in page
    assert catalog_state() == before
