"""What each staff export of sign-ups holds: one column set per kind, in the staff member's
language and the ward's time, for kiosk.web.exports to write as CSV or as a workbook.

A call-back carries the language and the time to call in; a volunteer registration the age band
and what the volunteer offered; a session sign-up its session (date, start, end, venue), its
party and age band. Every code the screens show as words is written in those words (the same
vocabularies), with the code itself in a column of its own for a spreadsheet's filters.
"""
import operator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from markupsafe import Markup

from ... import vocab
from ...models import Device, Event, Site
from ...web.exports import DATE, DATETIME, NUMBER, TIME, Column, Table, local, zone_name
from ...web.i18n import language

TITLES = {"callback": _l("Call-back requests"), "volunteer": _l("Volunteer registrations"), "event": _l("Sign-ups")}


def language_words(code, markup=False):
    """A language as the desk's queue names it: its own name, with its Japanese name beside it
    unless it is Japanese (Tagalog (タガログ語)); an unknown code as it is. ``markup``: for a
    page, its own name marked as written in its language."""
    lang = language(code) if code else None
    if lang is None:
        return code
    own = Markup('<span lang="%s">%s</span>') % (lang["html"], lang["endonym"]) if markup else lang["endonym"]
    return own if lang["code"] == "ja" else own + f' ({lang["name_ja"]})'


def _words(labels, field):
    """A record's code in ``field`` as a vocabulary's words (the code itself where it has none)."""
    def words(record):
        code = getattr(record, field)
        return labels.get(code, code) if code else None
    return words


def _sessions(site_names):
    """A sign-up's session as (date, start, end, venue name) on the ward's clock, each session
    read once per export; Nones for a session the hub does not know."""
    cache = {}

    def session(signup):
        uid = signup.event_uid
        if uid not in cache:
            ev = (Event.select(Event.starts_at, Event.ends_at, Site.slug).join(Site)
                  .where(Event.uid == uid).tuples().first()) if uid else None
            start, end = (local(ev[0]), local(ev[1])) if ev else (None, None)
            cache[uid] = ((start.date(), start.time(), end.time(), site_names.get(ev[2]) or ev[2]) if ev
                          else (None, None, None, None))
        return cache[uid]
    return session


def signup_table(kind, records, service_name, site_names):
    """The export of ``records`` (HubSignup rows of one ``kind``): ``service_name(slug)`` and
    ``site_names`` {slug: name} name programs and places in the staff member's language."""
    zone = zone_name()
    attr = operator.attrgetter
    person = [Column(pgettext("person", "Name"), attr("name"), width=20),
              Column(_("Reading"), attr("name_kana"), width=20),
              Column(_("Phone"), attr("phone"), width=15),
              Column(_("Email"), attr("email"), width=24)]
    received = Column(_("Received (%(zone)s)", zone=zone), lambda s: local(s.received_at), DATETIME, 17)
    reference = Column(_("Reference"), attr("ref_code"), width=11)
    state = [Column(_("State"), _words(vocab.DESK_STATE_LABELS, "desk_state"), width=14),
             Column(_("State code"), attr("desk_state"), width=12)]
    age = [Column(_("Age"), _words(vocab.AGE_BANDS, "age_band"), width=12),
           Column(_("Age band code"), attr("age_band"), width=10)]
    kiosk_language = Column(_("Language at the kiosk"), lambda s: language_words(s.language), width=18)
    if kind == "event":
        session = _sessions(site_names)
        columns = [Column(_("Session date"), lambda s: session(s)[0], DATE, 11),
                   Column(_("Starts (%(zone)s)", zone=zone), lambda s: session(s)[1], TIME, 9),
                   Column(_("Ends (%(zone)s)", zone=zone), lambda s: session(s)[2], TIME, 9),
                   Column(_("Venue"), lambda s: session(s)[3], width=20),
                   Column(_("Program"), lambda s: service_name(s.service_slug), width=24),
                   reference, received, *person, *age,
                   Column(_("Adults"), attr("adults"), NUMBER, 7),
                   Column(_("Children"), attr("children"), NUMBER, 7),
                   kiosk_language,
                   Column(_("Status"), _words(vocab.SIGNUP_STATUSES, "status"), width=14),
                   Column(_("Status code"), attr("status"), width=11),
                   Column(_("Reason"), _words(vocab.SIGNUP_REASONS, "reason"), width=24)]
    else:
        devices = dict(Device.select(Device.device_id, Device.site_slug).tuples())
        where = [Column(_("Desk"), lambda s: service_name(s.service_slug), width=24),
                 Column(_("Site"), lambda s: site_names.get(devices.get(s.device_id, "")), width=20)]
        if kind == "callback":
            columns = [received, reference, *where, *person,
                       Column(_("Language for the call"), lambda s: language_words(s.preferred_language), width=18),
                       Column(_("Language code"), attr("preferred_language"), width=9),
                       Column(_("Best time to call"), _words(vocab.CALL_TIMES, "preferred_time"), width=20),
                       Column(_("Best time code"), attr("preferred_time"), width=10),
                       Column(_("Note"), attr("note"), width=40), *state,
                       Column(_("Tries"), attr("attempts"), NUMBER, 7)]
        else:
            columns = [received, reference, *where, *person, *age,
                       Column(_("Note"), attr("note"), width=40), kiosk_language, *state]
    return Table(str(TITLES[kind]), columns, records)
