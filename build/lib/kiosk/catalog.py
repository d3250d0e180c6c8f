"""Reading the catalog for the screens: translated texts with a visible fallback, filters, events."""
import dataclasses
import datetime

from peewee import fn

from .models import (Event, KioskState, Organization, Service, ServiceAudience, ServiceLanguage, ServiceSite,
                     Site, Translation)
from .models.catalog import utcnow

SOURCE_LANGUAGE = "ja"  # the ward writes the catalog in Japanese first
GENERATION_KEY = "catalog_generation"


def generation():
    """A number that changes whenever the catalog does (caches key on it)."""
    return KioskState.get_value(GENERATION_KEY, "0")


def bump_generation():
    KioskState.set_value(GENERATION_KEY, int(generation()) + 1)


@dataclasses.dataclass(frozen=True)
class Text:
    """A catalog text in the visitor's language, or the Japanese source marked as a fallback."""
    text: str
    language: str
    fallback: bool

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)


EMPTY = Text("", SOURCE_LANGUAGE, False)


CARD_FIELDS = ("name", "summary")


def texts(owner, ids, lang, fields=None):
    """{owner_id: {field: Text}} for ``ids``, in ``lang`` with the Japanese source as fallback."""
    ids = list(ids)
    if not ids:
        return {}
    wanted = {lang, SOURCE_LANGUAGE}
    rows = (Translation
            .select(Translation.owner_id, Translation.field, Translation.language, Translation.text)
            .where((Translation.owner == owner) & Translation.owner_id.in_(ids)
                   & Translation.language.in_(list(wanted))))
    if fields:
        rows = rows.where(Translation.field.in_(list(fields)))
    rows = rows.tuples()
    out = {i: {} for i in ids}
    for owner_id, field, language, text in rows:
        if not text:
            continue
        current = out[owner_id].get(field)
        if language == lang or current is None:
            out[owner_id][field] = Text(text, language, language != lang)
    return out


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


def service_views(services, lang, with_next_event=True, with_audiences=False):
    """ServiceViews for a list of services, in the same order, in few queries."""
    services = list(services)
    ids = [s.id for s in services]
    text = texts("service", ids, lang, CARD_FIELDS if not with_audiences else None)
    audiences = {}
    if with_audiences:
        for sid, audience in (ServiceAudience.select(ServiceAudience.service, ServiceAudience.audience)
                              .where(ServiceAudience.service.in_(ids)).tuples()):
            audiences.setdefault(sid, []).append(audience)
    nexts = next_events(ids, lang) if with_next_event else {}
    return [ServiceView(s, text[s.id], audiences.get(s.id, []), nexts.get(s.id)) for s in services]


def upcoming_events_query(now=None):
    return Event.select().where((Event.starts_at >= (now or utcnow())) & (Event.cancelled == False))  # noqa: E712


def next_events(service_ids, lang):
    """{service_id: EventView} of each service's next event."""
    if not service_ids:
        return {}
    first = (upcoming_events_query()
             .select(Event.service, fn.MIN(Event.starts_at).alias("first"))
             .where(Event.service.in_(service_ids))
             .group_by(Event.service))
    events = list(Event.select().join(first, on=((Event.service == first.c.service_id)
                                                 & (Event.starts_at == first.c.first))))
    return {e.service_id: v for e, v in zip(events, event_views(events, lang))}


def event_views(events, lang, with_service=False):
    events = list(events)
    sites = texts("site", {e.site_id for e in events}, lang)
    services = texts("service", {e.service_id for e in events}, lang) if with_service else {}
    return [EventView(e, sites.get(e.site_id, {}).get("name", EMPTY),
                      services.get(e.service_id, {}).get("name", EMPTY)) for e in events]


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
        horizon = utcnow() + datetime.timedelta(days=28)
        query = query.where(Service.id.in_(
            upcoming_events_query().select(Event.service).where(Event.starts_at < horizon)))
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


def service_detail(service, lang, days=28):
    """Everything the detail page shows: texts, sites, languages, organisation, events."""
    view = service_views([service], lang, with_next_event=False, with_audiences=True)[0]
    sites = list(Site.select().join(ServiceSite).where(ServiceSite.service == service)
                 .order_by(Site.id))
    site_text = texts("site", [s.id for s in sites], lang)
    horizon = utcnow() + datetime.timedelta(days=days)
    # Cancelled dates stay in the list, marked, so a visitor who planned to come learns of it.
    events = list(Event.select().where((Event.service == service) & (Event.starts_at >= utcnow())
                                       & (Event.starts_at < horizon))
                  .order_by(Event.starts_at).limit(40))
    spoken = [code for (code,) in ServiceLanguage.select(ServiceLanguage.language)
              .where(ServiceLanguage.service == service).tuples()]
    org = texts("organization", [service.organization_id], lang)[service.organization_id]
    return {
        "view": view,
        "takeaway": takeaway(service, sites),
        "sites": [(s, site_text[s.id]) for s in sites],
        "events": event_views(events, lang),
        "spoken": spoken,
        "organization": org.get("name", EMPTY),
        "keywords": view.text.get("keywords", EMPTY),
    }


def events_between(start, end, lang, area=None):
    """EventViews with their service names for a date range (the "this week" screen)."""
    query = (upcoming_events_query(start).select_extend(Service).join(Service).switch(Event).join(Site)
             .where((Event.starts_at < end) & (Service.active == True)))  # noqa: E712
    if area:
        query = query.where(Site.area == area)
    return event_views(query.order_by(Event.starts_at).limit(200), lang, with_service=True)


def takeaway(service, sites):
    """What a foreign visitor shows at a Japanese counter: the program's official Japanese
    name, and each place's Japanese name and address."""
    ja_sites = texts("site", [s.id for s in sites], SOURCE_LANGUAGE, ("name", "address"))
    name = service.official_name or texts("service", [service.id], SOURCE_LANGUAGE, ("name",))[service.id].get(
        "name", EMPTY).text
    return {"name": name,
            "sites": [(ja_sites[s.id].get("name", EMPTY).text, s.postal_code, ja_sites[s.id].get("address", EMPTY).text)
                      for s in sites]}
