"""Attendance reports on the hub: by site, program and month; chart and CSV for Japanese Excel.

Figures are sums of what hosts recorded, corrections (-1 records) included, so they are the same
whatever order the records arrived in.
"""
import collections
import datetime

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from jinja2.filters import do_truncate
from peewee import fn

from ... import clock, vocab
from ...db import database
from ...models import HubAttendance
from ...web import exports
from ...web.exports import NUMBER, Column, Table
from . import requests as desk
from .staff_auth import staff_required
from .words import page_words

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")


def attendance_rows(start, end=None):
    """[(site_slug, service_slug, {group: n}, sessions)] for sessions from ``start`` to ``end``
    (ISO dates, inclusive); a "YYYY-MM" start alone means that month. The dates are compared
    as a range, so the session_date index is used (a LIKE on the month could not)."""
    if end is None:
        start, end = month_range(start)
    base = HubAttendance.select().where((HubAttendance.session_date >= start) & (HubAttendance.session_date <= end))
    sums = {}
    # Read from the cursor as the driver gives them (text and numbers): a month holds thousands
    # of these sums, and peewee's conversion of each value would cost more than the query.
    for site, service, kind, grp, total in database.execute(
            base.select(HubAttendance.site_slug, HubAttendance.service_slug, HubAttendance.kind,
                        HubAttendance.grp, fn.SUM(HubAttendance.delta))
            .where(HubAttendance.kind.in_(["count", "checkin"]))
            .group_by(HubAttendance.site_slug, HubAttendance.service_slug, HubAttendance.kind,
                      HubAttendance.grp)):
        group = "checked_in" if kind == "checkin" else grp
        bucket = sums.setdefault((site, service), {})
        bucket[group] = bucket.get(group, 0) + int(total or 0)
    sessions = dict(((site, service), n) for site, service, n in
                    base.select(HubAttendance.site_slug, HubAttendance.service_slug,
                                fn.COUNT(HubAttendance.session_key.distinct()))
                    .group_by(HubAttendance.site_slug, HubAttendance.service_slug).tuples())
    keys = sorted(set(sums) | set(sessions))
    return [(site, service, sums.get((site, service), {}), sessions.get((site, service), 0))
            for site, service in keys]


def headcount(groups):
    return sum(groups.get(g, 0) for g in vocab.HEADCOUNT_GROUPS)


def _names(rows):
    """({program slug: name}, {site slug: name}) of the programs and places in ``rows``: one
    query each, whatever the catalog holds."""
    services = desk.service_names([r[1] for r in rows])
    sites = desk.site_names([r[0] for r in rows])
    return ({slug: str(name or slug) for slug, name in services.items()},
            {slug: str(name or slug) for slug, name in sites.items()})


def month_range(month):
    first = datetime.date.fromisoformat(month + "-01")
    last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return first.isoformat(), last.isoformat()


def asked_month():
    """The month the request asks for (YYYY-MM), else this month in the ward."""
    month = request.args.get("month", "")
    try:
        datetime.datetime.strptime(month, "%Y-%m")
    except ValueError:
        # The ward's month (not UTC's), by the clock every other "today" reads.
        month = clock.ward_today(current_app.config["TIMEZONE"]).strftime("%Y-%m")
    return month


def _range():
    """(label, start, end): a date range asked for (from/to), else a month."""
    start, end = request.args.get("from", ""), request.args.get("to", "")
    try:
        a, b = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
        if a <= b and (b - a).days <= 3660:
            return f"{a.isoformat()}–{b.isoformat()}", a.isoformat(), b.isoformat()
    except ValueError:
        pass
    month = asked_month()
    return (month, *month_range(month))


def _months(current):
    """The months between the first and the last recorded session (two indexed lookups)."""
    first, last = (HubAttendance.select(fn.MIN(HubAttendance.session_date), fn.MAX(HubAttendance.session_date))
                   .tuples().first() or (None, None))
    months = {current}
    if first and last:
        y, m = int(first[:4]), int(first[5:7])
        while f"{y:04d}-{m:02d}" <= last[:7] and len(months) < 120:
            months.add(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return sorted(months, reverse=True)


def _report():
    """The range asked for, its rows, the groups that occur, and display names."""
    label, start, end = _range()
    rows = attendance_rows(start, end)
    groups = [g for g in vocab.ATTENDANCE_GROUPS if any(g in r[2] for r in rows)]
    return label, rows, groups, *_names(rows)


@bp.get("/")
@staff_required
def attendance():
    """Attendance by site and program for a month, with a bar chart and a CSV link."""
    month, rows, groups, service_names, site_names = _report()
    months = _months(month if len(month) == 7 else asked_month())
    return render_template("hub/reports.html", month=month, months=months, groups=groups,
                           rows=_shown(rows, groups, service_names, site_names), bar_height=BAR_HEIGHT,
                           date_from=request.args.get("from", ""), date_to=request.args.get("to", ""),
                           export_args=_export_args())


BAR_HEIGHT, BAR_GAP, BAR_WIDTH, LABEL_WIDTH = 28, 8, 500, 42
ShownRow = collections.namedtuple("ShownRow", "site service label y bar sessions headcount groups")


def _shown(rows, groups, service_names, site_names):
    """What the chart and the table show of each row, worked out here rather than in the
    template: a month's report has a row for each site and program (hundreds), and each call a
    template makes costs more than the arithmetic it asks for."""
    words = page_words()
    heads = [headcount(sums) for _site, _service, sums, _sessions in rows]
    peak = max(heads + [1])
    shown = []
    for i, ((site, service, sums, sessions), n) in enumerate(zip(rows, heads)):
        site_name, service_name = site_names.get(site, site), service_names.get(service, service)
        shown.append(ShownRow(
            site_name, service_name,
            do_truncate(current_app.jinja_env, f"{site_name} · {service_name}", LABEL_WIDTH, True, "…"),
            i * (BAR_HEIGHT + BAR_GAP) + 4, round(BAR_WIDTH * n / peak, 1),
            words.ngettext("%(num)d session", "%(num)d sessions", sessions), n,
            [(g, words.people(sums.get(g, 0))) for g in groups]))
    return shown


def _export_args():
    """The arguments the export links carry: the period asked for, nothing else (an unknown
    argument such as fmt or _external must not reach url_for)."""
    return {k: v for k, v in request.args.items() if k in ("month", "from", "to")}


# The rule registered first (the lower decorator) is the one url_for builds without fmt: the CSV.
@bp.get("/attendance.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/attendance.csv", defaults={"fmt": "csv"})
@staff_required
def attendance_csv(fmt):
    """The same figures as CSV or an Excel workbook, through the one export writer (site and
    program names are text staff publish, so they are written as text, never as formulas).
    Session dates are already the ward's days; counts are number cells."""
    month, rows, groups, service_names, site_names = _report()
    columns = ([Column(_("Month"), lambda r: month, width=12),
                Column(_("Site"), lambda r: site_names.get(r[0], r[0]), width=20),
                Column(_("Program"), lambda r: service_names.get(r[1], r[1]), width=24),
                Column(_("Sessions"), lambda r: r[3], NUMBER, 9),
                Column(_("Head count"), lambda r: headcount(r[2]), NUMBER, 9)]
               + [Column(str(vocab.ATTENDANCE_GROUPS[g]), lambda r, g=g: r[2].get(g, 0), NUMBER, 9) for g in groups])
    return exports.response(Table(str(_("Attendance")), columns, rows), f'attendance-{month.replace("–", "_")}', fmt)
