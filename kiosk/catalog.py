"""Reading the catalog for the screens: translated texts with a visible fallback, filters, events."""
import dataclasses
import datetime
import json

from peewee import fn

from . import clock, nearby
from .db import database, read
from .sync.protocol import DEMO_KEY
from .web.per_request import forget, once
from .models import (Event, KioskState, Organization, Service, ServiceAudience, ServiceLanguage, ServiceNeed,
                     ServiceSite, Site, Translation)
from .models.catalog import utcnow

SOURCE_LANGUAGE = "ja"  # the ward writes the catalog in Japanese first
GENERATION_KEY = "catalog_generation"
# "Sessions soon": the browse filter's horizon, and how far ahead a card looks for a session at
# the venue nearest the kiosk (so a date weeks away does not hide one close at hand).
SOON_DAYS = 28


def generation():
    """A number that changes whenever the catalog does (caches key on it): read once a request,
    with the demo flag (catalog_state)."""
    return catalog_state()[0]


def bump_generation():
    KioskState.set_value(GENERATION_KEY, int(KioskState.get_value(GENERATION_KEY, "0")) + 1)
    forget("catalog_state")     # this request reads the new one from now on


def catalog_state():
    """(generation, demo) of this database's catalog, read once a request in one statement:
    every stored page names both, and the layout's demo banner reads the same value."""
    return once("catalog_state", _stored_catalog_state)


def _stored_catalog_state():
    p = database.param
    rows = dict(read(f'SELECT "key", "value" FROM "{KioskState._meta.table_name}" WHERE "key" IN ({p}, {p})',
                     (GENERATION_KEY, DEMO_KEY)))
    return rows.get(GENERATION_KEY, "0"), rows.get(DEMO_KEY) == "1"


@dataclasses.dataclass(frozen=True)
class Text:
    """A catalog text in the visitor's language, or the Japanese source marked as a fallback.
    ``reading``: for Japanese, the furigana the hub gave it, ((piece, reading or None), ...)."""
    text: str
    language: str
    fallback: bool
    reading: tuple | None = None

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)


EMPTY = Text("", SOURCE_LANGUAGE, False)


CARD_FIELDS = ("name", "summary")


def texts(owner, ids, lang, fields=None):
    """{owner_id: {field: Text}} for ``ids``, in ``lang`` with the Japanese source as fallback.
    In one statement written out (every card of a search asks: peewee's building of the same
    statement cost more than SQLite's answer)."""
    ids = list(ids)
    if not ids:
        return {}
    p = database.param
    wanted = [lang] if lang == SOURCE_LANGUAGE else [lang, SOURCE_LANGUAGE]
    sql = (f'SELECT "owner_id", "field", "language", "text", "reading" FROM "{Translation._meta.table_name}" '
           f'WHERE "owner" = {p} AND "owner_id" IN ({", ".join([p] * len(ids))}) '
           f'AND "language" IN ({", ".join([p] * len(wanted))})')
    params = [owner, *ids, *wanted]
    if fields:
        sql += f' AND "field" IN ({", ".join([p] * len(fields))})'
        params += list(fields)
    out = {i: {} for i in ids}
    for owner_id, field, language, text, reading in read(sql, params):
        if not text:
            continue
        current = out[owner_id].get(field)
        if language == lang or current is None:
            out[owner_id][field] = Text(text, language, language != lang, _reading(reading, text))
    return out


def _reading(stored, text):
    """A stored reading as pieces, or None where there is none or it does not spell ``text``."""
    if not stored:
        return None
    try:
        parts = tuple((piece, reading) for piece, reading in json.loads(stored))
        return parts if "".join(piece for piece, _ in parts) == text else None
    except (ValueError, TypeError):
        return None


@dataclasses.dataclass
class ServiceView:
    """What a screen needs of one service."""
    service: Service
    text: dict
    audiences: list = dataclasses.field(default_factory=list)
    next_event: "EventView | None" = None

    def __getattr__(self, name):
        if name in ("name", "summary", "description", "eligibility", "how_to_join", "fees",
                    "schedule"):
            return self.text.get(name, EMPTY)
        raise AttributeError(name)

    @property
    def slug(self):
        return self.service.slug


@dataclasses.dataclass
class EventView:
    event: Event
    site_name: Text
    service_name: Text = EMPTY
    walk: "nearby.Walk | None" = None   # from the kiosk's own site, where both have coordinates


def service_views(services, lang, with_next_event=True, with_audiences=False, area=None, here=None,
                  until=None):
    """ServiceViews for a list of services, in the same order, in few queries. Each card's next
    session is in ``area`` when the visitor filtered to one, nearest ``here`` first (next_events;
    ``until``: filled as there)."""
    services = list(services)
    ids = [s.id for s in services]
    text = texts("service", ids, lang, CARD_FIELDS if not with_audiences else None)
    audiences = {}
    if with_audiences:
        for sid, audience in (ServiceAudience.select(ServiceAudience.service, ServiceAudience.audience)
                              .where(ServiceAudience.service.in_(ids)).tuples()):
            audiences.setdefault(sid, []).append(audience)
    nexts = next_events(ids, lang, area=area, here=here, until=until) if with_next_event else {}
    return [ServiceView(s, text[s.id], audiences.get(s.id, []), nexts.get(s.id)) for s in services]


def upcoming_events_query(now=None):
    return Event.select().where((Event.starts_at >= (now or utcnow())) & (Event.cancelled == False))  # noqa: E712


def next_events(service_ids, lang, area=None, here=None, until=None):
    """{service_id: EventView} of the session each service's card leads with: in ``area`` when
    given (a visitor who chose an area expects a session there, or none); of the sessions in the
    next SOON_DAYS, the one at the venue nearest the kiosk's own site ``here`` (a Site or None);
    with none that soon, or no distances known, the soonest.

    ``until``, a dict, is filled with {service_id: when the choice may change} (naive UTC): the
    start of any session it chose among, or the moment one of them comes within SOON_DAYS. A
    service without one keeps its choice until the catalog changes."""
    if not service_ids:
        return {}
    # Each service's first upcoming session at each of its sites, in one statement written out
    # (peewee's building of this join cost more than SQLite's answer, on every search's cards).
    p, table = database.param, Event._meta.table_name
    in_area = ""
    params = [Event.starts_at.db_value(utcnow()), *service_ids]
    if area:
        in_area = f'AND "site_id" IN (SELECT "id" FROM "{Site._meta.table_name}" WHERE "area" = {p}) '
        params.append(area)
    firsts = list(Event.raw(
        f'SELECT e.* FROM "{table}" e JOIN (SELECT "service_id", "site_id", MIN("starts_at") AS "first" '
        f'FROM "{table}" WHERE "starts_at" >= {p} AND NOT "cancelled" '
        f'AND "service_id" IN ({", ".join([p] * len(service_ids))}) {in_area}'
        f'GROUP BY "service_id", "site_id") f ON e."service_id" = f."service_id" '
        f'AND e."site_id" = f."site_id" AND e."starts_at" = f."first" WHERE NOT e."cancelled" '
        f'ORDER BY e."id"', *params))
    distances = site_distances(here, {e.site_id for e in firsts})
    now = utcnow()
    soon = now + datetime.timedelta(days=SOON_DAYS)
    by_service = {}
    for e in firsts:
        by_service.setdefault(e.service_id, []).append(e)
    if until is not None:
        for sid, events in by_service.items():
            moments = [e.starts_at for e in events]
            moments += [e.starts_at - datetime.timedelta(days=SOON_DAYS) for e in events if e.starts_at >= soon]
            until[sid] = min(moments)
    chosen = [nearby.lead(events, lambda e: e.starts_at, lambda e: distances.get(e.site_id), soon)
              for events in by_service.values()]
    return {e.service_id: v for e, v in zip(chosen, event_views(chosen, lang, distances=distances))}


def site_distances(here, site_ids):
    """{site_id: straight-line metres from the Site ``here``} for the sites with coordinates
    (none at all when ``here`` is None or has none)."""
    if here is None or here.latitude is None or here.longitude is None or not site_ids:
        return {}
    origin = (here.latitude, here.longitude)
    rows = (Site.select(Site.id, Site.latitude, Site.longitude)
            .where(Site.id.in_(list(site_ids))).tuples())
    distances = {sid: nearby.distance_m(origin, (lat, lon)) for sid, lat, lon in rows}
    return {sid: d for sid, d in distances.items() if d is not None}


def event_views(events, lang, with_service=False, distances=None):
    """EventViews with site names (and service names), and the walk to each site where
    ``distances`` (site_distances) knows it."""
    events = list(events)
    distances = distances or {}
    sites = texts("site", {e.site_id for e in events}, lang)
    services = texts("service", {e.service_id for e in events}, lang) if with_service else {}
    return [EventView(e, sites.get(e.site_id, {}).get("name", EMPTY),
                      services.get(e.service_id, {}).get("name", EMPTY),
                      nearby.walk(distances.get(e.site_id))) for e in events]


def filtered_services(category=None, audience=None, area=None, free=False, upcoming=False,
                      ids=None):
    """Active services matching the browse filters (ids: restrict to these search hits)."""
    query = Service.select().where(Service.active == True)  # noqa: E712
    if ids is not None:
        query = query.where(Service.id.in_(ids))
    if category:
        query = query.where(Service.category == category)
    if audience:
        query = query.where(Service.id.in_(
            ServiceAudience.select(ServiceAudience.service).where(ServiceAudience.audience == audience)))
    if area:
        query = query.where(Service.id.in_(
            ServiceSite.select(ServiceSite.service).join(Site).where(Site.area == area)))
    if free:
        query = query.where(Service.free == True)  # noqa: E712
    if upcoming:
        # Sessions soon, and in the area when one is chosen: a card then has one to lead with.
        horizon = utcnow() + datetime.timedelta(days=SOON_DAYS)
        soon = upcoming_events_query().select(Event.service).where(Event.starts_at < horizon)
        if area:
            soon = soon.where(Event.site.in_(Site.select(Site.id).where(Site.area == area)))
        query = query.where(Service.id.in_(soon))
    return query


def filtered_ids(ids, **filters):
    """The subset of ``ids`` that passes the browse filters."""
    return {sid for (sid,) in filtered_services(ids=ids, **filters).select(Service.id).tuples()}


def services_by_id(ids):
    """Services for ``ids``, in that order."""
    if not ids:
        return []
    found = {s.id: s for s in Service.select().where(Service.id.in_(ids))}
    return [found[i] for i in ids if i in found]


def service_by_slug(slug):
    return (Service.select(Service, Organization).join(Organization)
            .where((Service.slug == slug) & (Service.active == True))  # noqa: E712
            .get_or_none())


def service_detail(service, lang, days=28, here=None, tz="Asia/Tokyo"):
    """Everything the detail page shows: texts, sites, languages, organisation, events. With the
    kiosk's own site ``here``, places come nearest first with the walk to each ("walks", by
    site id), and each day's sessions nearest first (days in the ward's time zone ``tz``)."""
    view = service_views([service], lang, with_next_event=False, with_audiences=True)[0]
    sites = list(Site.select().join(ServiceSite).where(ServiceSite.service == service)
                 .order_by(Site.id))
    site_text = texts("site", [s.id for s in sites], lang)
    horizon = utcnow() + datetime.timedelta(days=days)
    # Cancelled dates stay in the list, marked, so a visitor who planned to come learns of it.
    events = list(Event.select().where((Event.service == service) & (Event.starts_at >= utcnow())
                                       & (Event.starts_at < horizon))
                  .order_by(Event.starts_at).limit(40))
    distances = site_distances(here, {s.id for s in sites} | {e.site_id for e in events})
    sites = nearby.nearest_first(sites, lambda s: distances.get(s.id))
    events = nearby.nearest_first_each_day(events, _local_day(tz), lambda e: distances.get(e.site_id))
    spoken = [code for (code,) in ServiceLanguage.select(ServiceLanguage.language)
              .where(ServiceLanguage.service == service).tuples()]
    org = texts("organization", [service.organization_id], lang)[service.organization_id]
    return {
        "view": view,
        "takeaway": takeaway(service, sites),
        "sites": [(s, site_text[s.id]) for s in sites],
        "walks": {sid: nearby.walk(d) for sid, d in distances.items()},
        "events": event_views(events, lang, distances=distances),
        "spoken": spoken,
        "organization": org.get("name", EMPTY),
        "keywords": view.text.get("keywords", EMPTY),
    }


def _local_day(tz):
    """The ward's calendar day of a session (its start is naive UTC)."""
    return lambda e: clock.ward_time(e.starts_at, tz).date()


def events_between(start, end, lang, area=None):
    """EventViews with their service names for a date range (the "this week" screen)."""
    query = (upcoming_events_query(start).select_extend(Service).join(Service).switch(Event).join(Site)
             .where((Event.starts_at < end) & (Service.active == True)))  # noqa: E712
    if area:
        query = query.where(Site.area == area)
    return event_views(query.order_by(Event.starts_at).limit(200), lang, with_service=True)


def takeaway(service, sites):
    """What a foreign visitor shows at a Japanese counter: the program's official Japanese
    name, and each place's Japanese name and address (with whether the address is an example)."""
    ja_sites = texts("site", [s.id for s in sites], SOURCE_LANGUAGE, ("name", "address"))
    name = service.official_name or texts("service", [service.id], SOURCE_LANGUAGE, ("name",))[service.id].get(
        "name", EMPTY).text
    return {"name": name,
            "sites": [(ja_sites[s.id].get("name", EMPTY).text, s.postal_code, ja_sites[s.id].get("address", EMPTY).text,
                       s.example_address) for s in sites]}


def venues(sites, lang):
    """[(site, name, address)] in the visitor's language (Japanese, marked, where untranslated)."""
    text = texts("site", [s.id for s in sites], lang, ("name", "address"))
    return [(s, text[s.id].get("name", EMPTY), text[s.id].get("address", EMPTY)) for s in sites]


def desk_phone(service, sites):
    """The number a visitor calls about her sign-up: the program's desk, else its place's."""
    if service is not None and service.phone:
        return service.phone
    return next((s.phone for s in sites if s.phone), "")


# "What do you need?": the services answering a need, for whom and how a visitor wants help.
# Call-back requests are taken by the consultation desks (the kiosk's call-back form is theirs);
# talking to someone means a consultation, or a desk that calls back.
CALLBACK_CATEGORIES = ("consultation",)
TALK_CATEGORIES = ("consultation",)
EVERYONE = "everyone"   # a service for everyone answers whoever the visitor is asking for


def need_services(need, audience=None, mode=None):
    """Active services tagged with ``need`` (a vocab.NEEDS slug); for ``audience`` when given (a
    service for everyone always matches); reachable in help ``mode`` when given: "visit" a
    service with sessions to come or a place to go, "talk" a consultation or a desk that calls
    back, "call" a desk that takes call-back requests."""
    query = (Service.select().where(Service.active == True)  # noqa: E712
             .where(Service.id.in_(ServiceNeed.select(ServiceNeed.service).where(ServiceNeed.need == need))))
    if audience:
        query = query.where(Service.id.in_(
            ServiceAudience.select(ServiceAudience.service)
            .where(ServiceAudience.audience.in_([audience, EVERYONE]))))
    if mode == "visit":
        query = query.where(Service.id.in_(upcoming_events_query().select(Event.service))
                            | Service.id.in_(ServiceSite.select(ServiceSite.service)))
    elif mode == "talk":
        query = query.where(Service.category.in_(TALK_CATEGORIES + CALLBACK_CATEGORIES))
    elif mode == "call":
        query = query.where(Service.category.in_(CALLBACK_CATEGORIES))
    return query


def nearest_services(services, lang, here=None):
    """ServiceViews of ``services`` for result cards, the one whose next session (the session
    its card leads with, next_events) is nearest the kiosk's own site ``here`` first; those with
    sessions at unknown distances after them, those with no session to come last; equals, and
    all of the last, by name in ``lang``."""
    views = service_views(services, lang, here=here)
    distances = site_distances(here, {v.next_event.event.site_id for v in views if v.next_event})

    def key(view):
        if view.next_event is None:
            return (2, 0.0, str(view.name).casefold())
        distance = distances.get(view.next_event.event.site_id)
        return (0 if distance is not None else 1, distance or 0.0, str(view.name).casefold())
    return sorted(views, key=key)


def callback_desk(need, here=None):
    """The consultation desk a visitor can ask for a call-back when nothing matched her choices:
    one answering ``need`` and open to everyone, else one answering it, else one open to
    everyone; of those, the one with a place nearest the kiosk's site ``here`` (then the first
    in the catalog). None when no desk takes call-backs."""
    desks = list(Service.select().where((Service.active == True)  # noqa: E712
                                        & Service.category.in_(CALLBACK_CATEGORIES)).order_by(Service.id))
    if not desks:
        return None
    ids = [d.id for d in desks]
    answering = {sid for (sid,) in ServiceNeed.select(ServiceNeed.service)
                 .where(ServiceNeed.service.in_(ids) & (ServiceNeed.need == need)).tuples()}
    for_all = {sid for (sid,) in ServiceAudience.select(ServiceAudience.service)
               .where(ServiceAudience.service.in_(ids) & (ServiceAudience.audience == EVERYONE)).tuples()}
    places = {}
    for sid, site_id in ServiceSite.select(ServiceSite.service, ServiceSite.site).where(
            ServiceSite.service.in_(ids)).tuples():
        places.setdefault(sid, []).append(site_id)
    distances = site_distances(here, {s for sites in places.values() for s in sites})

    def key(desk):
        known = [distances[s] for s in places.get(desk.id, []) if s in distances]
        fit = 0 if desk.id in answering and desk.id in for_all else 1 if desk.id in answering else 2 if desk.id in for_all else 3
        return (fit, not known, min(known) if known else 0.0)
    return min(desks, key=key)
