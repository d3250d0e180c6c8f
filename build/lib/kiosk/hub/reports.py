"""Attendance reports on the hub: by site, program and month; chart and CSV for Japanese Excel.

Figures are sums of what hosts recorded, corrections (-1 records) included, so they are the same
whatever order the records arrived in.
"""
import csv
import datetime
import io
import zoneinfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from peewee import fn

from .. import catalog, vocab
from ..models import HubAttendance, Service, Site
from ..web.i18n import current_language
from .staff_auth import staff_required

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")


def attendance_rows(month):
    """[(site_slug, service_slug, {group: n}, sessions)] for a YYYY-MM month."""
    base = HubAttendance.select().where(HubAttendance.session_date.startswith(month))
    sums = {}
    for site, service, kind, grp, total in (
            base.select(HubAttendance.site_slug, HubAttendance.service_slug, HubAttendance.kind,
                        HubAttendance.grp, fn.SUM(HubAttendance.delta))
            .where(HubAttendance.kind.in_(["count", "checkin"]))
            .group_by(HubAttendance.site_slug, HubAttendance.service_slug, HubAttendance.kind,
                      HubAttendance.grp).tuples()):
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


def _names(lang):
    services = {s.slug: s.id for s in Service.select(Service.slug, Service.id)}
    sites = {s.slug: s.id for s in Site.select(Site.slug, Site.id)}
    st = catalog.texts("service", list(services.values()), lang, ("name",))
    si = catalog.texts("site", list(sites.values()), lang, ("name",))
    return ({slug: str(st[i].get("name") or slug) for slug, i in services.items()},
            {slug: str(si[i].get("name") or slug) for slug, i in sites.items()})


def _month():
    month = request.args.get("month", "")
    try:
        datetime.datetime.strptime(month, "%Y-%m")
    except ValueError:
        zone = zoneinfo.ZoneInfo(current_app.config["TIMEZONE"])   # the ward's month, not UTC's
        month = datetime.datetime.now(zone).strftime("%Y-%m")
    return month


def _report():
    """The month asked for, its rows, the groups that occur, and display names."""
    month = _month()
    rows = attendance_rows(month)
    groups = [g for g in vocab.ATTENDANCE_GROUPS if any(g in r[2] for r in rows)]
    return month, rows, groups, *_names(current_language())


@bp.get("/")
@staff_required
def attendance():
    """Attendance by site and program for a month, with a bar chart and a CSV link."""
    month, rows, groups, service_names, site_names = _report()
    peak = max([headcount(r[2]) for r in rows] + [1])
    months = sorted({d[:7] for (d,) in HubAttendance.select(HubAttendance.session_date).distinct().tuples()}
                    | {month}, reverse=True)
    return render_template("hub/reports.html", month=month, months=months, rows=rows, groups=groups,
                           service_names=service_names, site_names=site_names, peak=peak,
                           headcount=headcount)


@bp.get("/attendance.csv")
@staff_required
def attendance_csv():
    """The same figures as CSV: UTF-8 with BOM and CRLF, so Japanese Excel opens it correctly."""
    month, rows, groups, service_names, site_names = _report()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Month"), _("Site"), _("Program"), _("Sessions"), _("Head count")]
                    + [str(vocab.ATTENDANCE_GROUPS[g]) for g in groups])
    for site, service, sums, sessions in rows:
        writer.writerow([month, site_names.get(site, site), service_names.get(service, service),
                         sessions, headcount(sums)] + [sums.get(g, 0) for g in groups])
    body = "\ufeff" + out.getvalue()
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="attendance-{month}.csv"'})
