"""Staff exports a Japanese desk can trust, on PostgreSQL and SQLite: every export (call-backs,
volunteer registrations, all session sign-ups, one session's, attendance) read back as CSV with
Python's csv module and as a workbook with openpyxl. Times are the ward's wall clock with the
zone named in the header, codes are the screens' words in the staff member's language (the code
in a column of its own), each kind has its own columns, dates and numbers are real cells in the
workbook, and nothing a visitor or staff typed becomes a formula in either file."""
import csv
import datetime
import io
import zoneinfo

import pytest

from kiosk.hub.intake import ingest
from kiosk.models import AuditLog, Device, Event, HubSignup, Service, Translation
from kiosk.models.catalog import utcnow
from tests.helpers import staff_login
from tests.integration.hub_helpers import hub_app, in_db, xlsx_rows
from tests.records import attendance, ref, signup

DEVICE = "dev-exports"
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
FORMULA = '=HYPERLINK("http://evil.example","x")'
RECEIVED_UTC = datetime.datetime(2026, 11, 22, 7, 40)        # 16:40 in Tokyo
LATE_UTC = datetime.datetime(2026, 11, 22, 15, 30)           # 00:30 the next day in Tokyo
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CALLBACK_COLUMNS = ["Received (Japan Time)", "Reference", "Desk", "Site", "Name", "Reading", "Phone", "Email",
                    "Language for the call", "Language code", "Best time to call", "Best time code", "Note",
                    "State", "State code", "Tries"]
VOLUNTEER_COLUMNS = ["Received (Japan Time)", "Reference", "Desk", "Site", "Name", "Reading", "Phone", "Email",
                     "Age", "Age band code", "Note", "Language at the kiosk", "State", "State code"]
SESSION_COLUMNS = ["Session date", "Starts (Japan Time)", "Ends (Japan Time)", "Venue", "Program", "Reference",
                   "Received (Japan Time)", "Name", "Reading", "Phone", "Email", "Age", "Age band code", "Adults",
                   "Children", "Language at the kiosk", "Status", "Status code", "Reason"]
ATTENDANCE_COLUMNS = ["Month", "Site", "Program", "Sessions", "Head count", "Age 65 and over"]


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    """A hub with the demo catalog published, an administrator and a kiosk at the care café.
    No app context stays pushed: each request has its own, so each reads its own language."""
    with hub_app(request.param, tmp_path) as app:
        app.config.update(STAFF_LOGIN_RATE="1000 per minute")

        def setup():
            from kiosk.demo.loader import load_demo
            from kiosk.hub.desk.staff_auth import set_password
            load_demo(weeks=8)
            ingest.publish_catalog(by="load-demo")
            set_password("admin", "admin-pass-123")
            Device.create(device_id=DEVICE, name="exports", site_slug="cafe-toyotama", secret="s")
        in_db(app, setup)
        yield app


def sessions(n=2):
    """The next ``n`` sessions of the care café (the demo's sessions with seats)."""
    return list(Event.select().join(Service).where((Service.slug == "machikado-care-cafe") & (Event.starts_at > utcnow())
                                                   & (Event.capacity > 5)).order_by(Event.starts_at).limit(n))


def plant(hub):
    """One sign-up of each kind (and one in another session), names that start like formulas,
    and known arrival times; returns ({name: record}, the first session)."""
    return in_db(hub, _plant)


def _plant():
    first, second = sessions()
    made = {
        "callback": signup(kind="callback", event=None, service="gaikokujin-sodan", ref_code=ref(), language="tl",
                           person={"name": FORMULA, "name_kana": "+1", "phone": "080-1234-5678",
                                   "preferred_language": "tl", "preferred_time": "afternoon", "note": "@SUM(A1:A9)"}),
        "late": signup(kind="callback", event=None, service="gaikokujin-sodan", ref_code=ref(), language="ja",
                       person={"name": "夜 の 人", "phone": "080-0000-1111", "preferred_language": "ja",
                               "preferred_time": "any"}),
        "volunteer": signup(kind="volunteer", event=None, service="nerries", ref_code=ref(), language="ko",
                            person={"name": "+1 김민지", "phone": "080-2345-6789", "age_band": "65-74",
                                    "note": "@SUM(A1)"}),
        "session": signup(event=first.uid, service="machikado-care-cafe", ref_code=ref(), language="ja",
                          party={"adults": 2, "children": 1},
                          person={"name": FORMULA, "phone": "090-1111-2222", "age_band": "65-74"}),
        "other_session": signup(event=second.uid, service="machikado-care-cafe", ref_code=ref(),
                                person={"name": "別 の 回", "phone": "090-3333-4444"}),
    }
    answers = ingest.ingest(DEVICE, list(made.values()))
    assert [a["result"] for a in answers] == ["accepted"] * len(made), answers
    HubSignup.update(received_at=RECEIVED_UTC).execute()
    HubSignup.update(received_at=LATE_UTC).where(HubSignup.id == made["late"]["id"]).execute()
    return made, first


def client(hub, lang):
    """An administrator's test client, its staff screens in ``lang``."""
    c = staff_login(hub.test_client(), "admin", "admin-pass-123")
    assert c.get(f"/language/{lang}", query_string={"next": "/staff/"}).status_code == 303
    return c


def read_csv(r):
    raw = r.get_data()
    assert r.mimetype == "text/csv" and raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    assert r.headers["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def read_xlsx(r):
    assert r.status_code == 200 and r.mimetype == XLSX and r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Disposition"].startswith("attachment") and ".xlsx" in r.headers["Content-Disposition"]
    rows = xlsx_rows(r.get_data())
    # Nothing in a workbook is a formula, whatever the text starts with.
    assert not [c.coordinate for row in rows for c in row if c.data_type == "f"]
    return rows


def both(c, url, **args):
    """(CSV rows, workbook rows) of one export; the two carry the same header and, cell by cell,
    the same content (the CSV's text neutralised with an apostrophe)."""
    base = url.rsplit(".", 1)[0]
    text = read_csv(c.get(f"{base}.csv", query_string=args))
    book = read_xlsx(c.get(f"{base}.xlsx", query_string=args))
    assert [[c.value for c in row] for row in book[:1]] == text[:1]
    assert len(book) == len(text)
    for csv_row, book_row in zip(text[1:], book[1:]):
        assert len(csv_row) == len(book_row)
        for cell, book_cell in zip(csv_row, book_row):
            value = book_cell.value
            if isinstance(value, datetime.datetime):     # a date cell or a date-and-time cell
                expected = value.strftime("%Y-%m-%d" if book_cell.number_format == "yyyy-mm-dd" else "%Y-%m-%d %H:%M")
            elif isinstance(value, datetime.time):
                expected = value.strftime("%H:%M")
            elif value is None:
                expected = ""
            elif isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                expected = "'" + value
            else:
                expected = str(value)
            assert cell == expected, (cell, value)
    return text, book


def column(rows, header):
    """The cells under ``header`` (the header row's exact text)."""
    i = [c.value if hasattr(c, "value") else c for c in rows[0]].index(header)
    return [row[i] for row in rows[1:]]


def row_of(rows, reference):
    """The row of a reference code, as {header: cell}."""
    header = [c.value if hasattr(c, "value") else c for c in rows[0]]
    i = header.index(next(h for h in header if h in ("Reference", "受付番号")))
    (row,) = [r for r in rows[1:] if (r[i].value if hasattr(r[i], "value") else r[i]) == reference]
    return dict(zip(header, row))


def test_each_kind_has_its_own_columns_in_the_wards_time(hub):
    made, first = plant(hub)
    c = client(hub, "en")
    callbacks, callback_book = both(c, "/staff/export/callback.csv")
    assert callbacks[0] == CALLBACK_COLUMNS                      # no adults or children on a call-back
    volunteers, _ = both(c, "/staff/export/volunteer.csv")
    assert volunteers[0] == VOLUNTEER_COLUMNS
    every_session, _ = both(c, "/staff/export/event.csv")
    one_session, one_book = both(c, "/staff/export/event.csv", event=first.uid)
    assert every_session[0] == one_session[0] == SESSION_COLUMNS
    assert set(column(every_session, "Reference")) == {made["session"]["ref_code"], made["other_session"]["ref_code"]}
    assert column(one_session, "Reference") == [made["session"]["ref_code"]]

    # Arrival in the ward's time: 07:40 UTC is 16:40 in Tokyo, in the CSV and as a date cell.
    cb = row_of(callbacks, made["callback"]["ref_code"])
    assert cb["Received (Japan Time)"] == "2026-11-22 16:40"
    cell = row_of(callback_book, made["callback"]["ref_code"])["Received (Japan Time)"]
    assert cell.is_date and cell.value == datetime.datetime(2026, 11, 22, 16, 40)
    # The session: its date, start and end on the ward's clock, its venue as its screen names
    # it, the party as numbers and the age band in words.
    start, end = (t.replace(tzinfo=datetime.timezone.utc).astimezone(TOKYO) for t in (first.starts_at, first.ends_at))
    s = row_of(one_book, made["session"]["ref_code"])
    assert s["Session date"].is_date and s["Session date"].value.date() == start.date()
    assert s["Starts (Japan Time)"].is_date and s["Starts (Japan Time)"].value == start.time().replace(tzinfo=None)
    assert s["Ends (Japan Time)"].value == end.time().replace(tzinfo=None)
    assert s["Received (Japan Time)"].value == datetime.datetime(2026, 11, 22, 16, 40)
    assert (s["Adults"].value, s["Children"].value) == (2, 1) and s["Adults"].data_type == "n"
    assert (s["Age"].value, s["Age band code"].value) == ("65 to 74", "65-74")
    assert (s["Status"].value, s["Status code"].value) == ("Confirmed", "confirmed")
    page = c.get(f"/staff/events/{first.uid}").get_data(as_text=True)
    assert s["Venue"].value and s["Venue"].value in page and s["Program"].value in page
    text_row = row_of(one_session, made["session"]["ref_code"])
    assert (text_row["Session date"], text_row["Starts (Japan Time)"]) == (start.strftime("%Y-%m-%d"), start.strftime("%H:%M"))
    v = row_of(volunteers, made["volunteer"]["ref_code"])
    assert (v["Age"], v["Language at the kiosk"], v["State"], v["State code"]) == ("65 to 74", "한국어 (韓国語)", "New", "new")
    assert v["Site"] and v["Site"] in c.get("/staff/queue/volunteer").get_data(as_text=True)

    # A period of arrival days is the ward's days: 15:30 UTC on the 22nd arrived on the 23rd.
    late, _ = both(c, "/staff/export/callback.csv", **{"from": "2026-11-23", "to": "2026-11-23"})
    assert column(late, "Reference") == [made["late"]["ref_code"]]
    day, _ = both(c, "/staff/export/callback.csv", **{"from": "2026-11-22", "to": "2026-11-22"})
    assert column(day, "Reference") == [made["callback"]["ref_code"]]


def test_codes_are_the_screens_words_in_the_staff_language(hub):
    made, _first = plant(hub)
    ref_code = made["callback"]["ref_code"]
    assert client(hub, "ja").post(f"/staff/requests/{made['callback']['id']}/move", data={"action": "take"}).status_code == 303
    for lang in ("ja", "en"):
        c = client(hub, lang)
        text, book = both(c, "/staff/export/callback.csv")
        header = text[0]
        zone = {"ja": "日本時間", "en": "Japan Time"}[lang]
        assert zone in header[0] and header[0] != "Received"
        words = dict(zip(header, [c for c in text[1:] if ref_code in c][0]))
        state, when = {"ja": ("対応中", "午後（1時〜5時）"), "en": ("Being handled", "Afternoon (13:00–17:00)")}[lang]
        assert state in words.values() and when in words.values(), words
        # The language as the queue shows it, the codes beside the words for a machine.
        assert "Tagalog (タガログ語)" in words.values()
        assert {"tl", "afternoon", "in_progress"} <= set(words.values())
        queue = c.get("/staff/queue/callback").get_data(as_text=True)
        assert state in queue and when in queue and "タガログ語" in queue
        sheet = {h: cell.value for h, cell in zip(header, [r for r in book if r[1].value == ref_code][0])}
        assert state in sheet.values() and "Tagalog (タガログ語)" in sheet.values()
        if lang == "ja":
            session_header = read_csv(c.get("/staff/export/event.csv"))[0]
            assert "年齢" in session_header and "大人" in session_header and "子ども" in session_header
            assert sum("日本時間" in h for h in session_header) == 3      # received, start, end


def test_no_export_carries_a_formula(hub):
    made, first = plant(hub)
    today = datetime.datetime.now(TOKYO).date()

    def formula_program_and_a_count():
        # A formula in a published program name too: it reaches the session export and the report.
        service = Service.get(Service.slug == "machikado-care-cafe")
        (Translation.update(text=FORMULA).where((Translation.owner == "service") & (Translation.field == "name")
                                                & (Translation.owner_id == service.id)).execute())
        return ingest.ingest(DEVICE, [attendance(service="machikado-care-cafe", site="cafe-toyotama",
                                                 date=today.isoformat())])
    assert in_db(hub, formula_program_and_a_count)[0]["result"] == "accepted"
    c = client(hub, "ja")
    exports = {"callback": ("/staff/export/callback.csv", {}), "volunteer": ("/staff/export/volunteer.csv", {}),
               "event": ("/staff/export/event.csv", {}), "one session": ("/staff/export/event.csv", {"event": first.uid}),
               "attendance": ("/staff/reports/attendance.csv", {"month": today.strftime("%Y-%m")})}
    planted = {"callback": FORMULA, "volunteer": "+1 김민지", "event": FORMULA, "one session": FORMULA,
               "attendance": FORMULA}
    for name, (url, args) in exports.items():
        text, book = both(c, url, **args)
        cells = [cell for row in text[1:] for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], name
        assert "'" + planted[name] in cells, name
        values = [cell.value for row in book[1:] for cell in row]
        assert planted[name] in values, name                              # the text itself, not a formula
    callback_values = [cell.value for row in read_xlsx(c.get("/staff/export/callback.xlsx")) for cell in row]
    assert "+1" in callback_values and "@SUM(A1:A9)" in callback_values
    attendance_rows = read_xlsx(c.get("/staff/reports/attendance.xlsx", query_string={"month": today.strftime("%Y-%m")}))
    assert [cell.value for cell in attendance_rows[1]][3:] == [1, 1, 1]     # sessions, head count, 65+: numbers
    assert all(cell.data_type == "n" for cell in attendance_rows[1][3:])


def test_attendance_keeps_its_columns(hub):
    today = datetime.datetime.now(TOKYO).date()
    in_db(hub, lambda: ingest.ingest(DEVICE, [attendance(service="machikado-care-cafe", site="cafe-toyotama",
                                                        date=today.isoformat())]))
    c = client(hub, "en")
    text, book = both(c, "/staff/reports/attendance.csv", month=today.strftime("%Y-%m"))
    assert text[0] == ATTENDANCE_COLUMNS and len(text) == 2
    assert text[1][0] == today.strftime("%Y-%m") and text[1][3:] == ["1", "1", "1"]
    # The site and the program by the names the report's page shows.
    page = c.get("/staff/reports/", query_string={"month": today.strftime("%Y-%m")}).get_data(as_text=True)
    assert text[1][1] in page and text[1][2] in page and text[1][1] != "cafe-toyotama"
    assert [cell.value for cell in book[1]][3:] == [1, 1, 1]


def test_the_links_staff_click_and_what_is_audited(hub):
    made, first = plant(hub)
    c = client(hub, "en")
    for page, href in (("/staff/queue/callback", "/staff/export/callback.xlsx"),
                       (f"/staff/events/{first.uid}", f"/staff/export/event.xlsx?event={first.uid}"),
                       ("/staff/reports/?month=2026-11", "/staff/reports/attendance.xlsx?month=2026-11")):
        html = c.get(page).get_data(as_text=True).replace("&amp;", "&")
        assert f'href="{href}"' in html and "Download Excel (.xlsx)" in html, page
        assert f'href="{href.replace(".xlsx", ".csv")}"' in html, page      # the CSV link beside it
    # Whatever a staff member adds to the report's address, the page still answers.
    assert c.get("/staff/reports/", query_string={"fmt": "x", "_external": "1"}).status_code == 200
    assert c.get("/staff/export/callback.pdf").status_code == 404
    assert c.get("/staff/export/nothing.xlsx").status_code == 404
    exports = lambda: list(AuditLog.select().where(AuditLog.action == "export").order_by(AuditLog.id))  # noqa: E731
    before = in_db(hub, exports)
    read_xlsx(c.get("/staff/export/volunteer.xlsx", query_string={"state": "new"}))
    after = in_db(hub, exports)
    assert len(after) == len(before) + 1
    assert (after[-1].target, after[-1].detail, after[-1].staff_name) == ("volunteer", "xlsx state=new", "admin")
