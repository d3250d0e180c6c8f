"""What an edited or removed recurring rule does to its dated sessions, worked out before the
change goes into the draft, so that staff see it and confirm it where people signed up.

The plan compares the published rule with the changed one over the hub's horizon (today and
SCHEDULE_WEEKS_AHEAD weeks on). Publishing then does what the plan says (schedules.sync_schedule,
retire and expand):

- a date the rule no longer makes: its session is cancelled with notice (reason
  "schedule_changed", its sign-ups kept and cancelled) if anyone ever signed up, else removed;
- a date whose time or place changes: the session keeps its uid and its sign-ups their seats;
  where anyone signed up it is marked moved (moved_from, change_reason) as a move by hand is,
  so kiosks and the visitor's status page say so; otherwise it simply changes;
- a new date gets a new session; a session staff already cancelled or moved stays as it is.

A draft keeps, per rule, the fingerprint of what staff confirmed (the sessions with sign-ups
and their counts). The staff's publish works the plans out again under the write lock and
stops when one that touches people differs from what was confirmed: a sign-up that arrived
after the preview is never moved or cancelled unseen.
"""
import dataclasses
import datetime
import hashlib
import json

import peewee

from ... import clock
from ...models import Event, HubSignup, Site
from . import schedules

REASON = "schedule_changed"      # the change reason publishing leaves on what it moves or cancels
CONFIRMED_KEY = "_confirmed"     # in a draft: {rule uid: fingerprint staff confirmed}


def preview(old, new, start, end):
    """The dates a change of rule adds, removes, retimes and relocates within [start, end], from
    the rules alone (schedules.dates). ``old``, ``new``: parsed rule documents, or None for a
    rule that is new or removed."""
    old_days = set(schedules.dates(old, start, end)) if old else set()
    new_days = set(schedules.dates(new, start, end)) if new else set()
    both = sorted(old_days & new_days)
    retimed = bool(old and new and (_hhmm(old["opens_at"]), _hhmm(old["closes_at"]))
                   != (_hhmm(new["opens_at"]), _hhmm(new["closes_at"])))
    relocated = bool(old and new and old.get("site") != new.get("site"))
    return {"added": sorted(new_days - old_days), "removed": sorted(old_days - new_days),
            "retimed": both if retimed else [], "relocated": both if relocated else []}


def _hhmm(value):
    return datetime.time.fromisoformat(value).strftime("%H:%M")


@dataclasses.dataclass
class Session:
    """One existing session the change touches, and what publishing does to it."""
    uid: str
    day: datetime.date
    starts_at: datetime.datetime          # as it is now (naive UTC)
    ends_at: datetime.datetime
    site: str
    action: str                           # add | move | update | cancel | remove | keep
    new_starts_at: datetime.datetime | None = None
    new_ends_at: datetime.datetime | None = None
    new_site: str | None = None
    signups: int = 0                      # sign-ups not cancelled
    people: int = 0                       # the people in them (adults + children)
    why_kept: str = ""                    # keep: "cancelled" or "moved" (by staff, earlier)

    @property
    def retimed(self):
        return self.new_starts_at is not None and (self.new_starts_at, self.new_ends_at) != (
            self.starts_at, self.ends_at)

    @property
    def relocated(self):
        return self.new_site is not None and self.new_site != self.site

    @property
    def after(self):
        """The session as publishing leaves it (for the date line of a moved one)."""
        return Session(uid=self.uid, day=self.day, starts_at=self.new_starts_at or self.starts_at,
                       ends_at=self.new_ends_at or self.ends_at, site=self.new_site or self.site, action="")


@dataclasses.dataclass
class Plan:
    """What publishing a rule's change does: sessions it creates (by date) and those it touches."""
    uid: str
    old: dict | None
    new: dict | None
    dates: dict                           # preview(): the rules' own date lists
    added: list                           # [Session] publishing creates (action "add")
    sessions: list                        # [Session] in date order

    def having(self, *actions):
        return [s for s in self.sessions if s.action in actions]

    @property
    def noticed(self):
        """Sessions people signed up for that are moved or cancelled with notice."""
        return self.having("move", "cancel")

    @property
    def signups(self):
        return sum(s.signups for s in self.noticed)

    @property
    def people(self):
        return sum(s.people for s in self.noticed)

    @property
    def needs_confirmation(self):
        return self.signups > 0

    def fingerprint(self):
        """What the change does to people, as a short string ("" when it touches nobody's
        sign-up): the sessions moved or cancelled with notice and their counts."""
        noticed = sorted([s.uid, s.action, s.signups, s.people] for s in self.noticed)
        if not noticed:
            return ""
        return hashlib.sha256(json.dumps(noticed).encode()).hexdigest()[:32]


def plan(uid, old, new, today, weeks, tz, now):
    """The Plan of changing rule ``uid`` from ``old`` to ``new`` (rule documents or None), from
    ``today`` over ``weeks``; ``now``: naive UTC (sessions already begun are left alone)."""
    old = schedules.parsed(old) if old else None
    new = schedules.parsed(new) if new else None
    end = today + datetime.timedelta(weeks=weeks)
    dates = preview(old, new, today, end)
    keep = {schedules.occurrence_uid(uid, d): d for d in (schedules.dates(new, today, end) if new else [])}
    existing = {u for (u,) in Event.select(Event.uid).where(Event.uid.in_(list(keep) or [""])).tuples()}
    added = [Session(uid=u, day=d, starts_at=schedules.as_utc(d, new["opens_at"], tz),
                     ends_at=schedules.as_utc(d, new["closes_at"], tz), site=new["site"], action="add")
             for u, d in sorted(keep.items(), key=lambda item: item[1]) if u not in existing]
    events = list(Event.select(Event, Site.slug).join(Site)
                  .where((Event.schedule_uid == uid) & (Event.starts_at > now)).order_by(Event.starts_at))
    records, counts = signup_counts([e.uid for e in events])
    touched_days = set(dates["removed"]) | set(dates["retimed"]) | set(dates["relocated"])
    sessions = []
    for e in events:
        day = clock.ward_time(e.moved_from or e.starts_at, tz).date()
        base = {"uid": e.uid, "day": day, "starts_at": e.starts_at, "ends_at": e.ends_at, "site": e.site.slug}
        base["signups"], base["people"] = counts.get(e.uid, (0, 0))
        if e.cancelled or e.moved_from is not None:
            if day in touched_days:
                sessions.append(Session(action="keep", why_kept="cancelled" if e.cancelled else "moved", **base))
            continue
        if e.uid in keep:
            d = keep[e.uid]
            moved = Session(action="", new_starts_at=schedules.as_utc(d, new["opens_at"], tz),
                            new_ends_at=schedules.as_utc(d, new["closes_at"], tz), new_site=new["site"], **base)
            if moved.retimed or moved.relocated:
                moved.action = "move" if e.uid in records else "update"
                sessions.append(moved)
        else:
            sessions.append(Session(action="cancel" if e.uid in records else "remove", **base))
    return Plan(uid=uid, old=old, new=new, dates=dates, added=added, sessions=sessions)


def signup_counts(event_uids):
    """({uids with any sign-up record}, {uid: (sign-ups not cancelled, their people)})."""
    if not event_uids:
        return set(), {}
    records = {u for (u,) in HubSignup.select(HubSignup.event_uid).distinct()
               .where(HubSignup.event_uid.in_(event_uids)).tuples()}
    counts = {u: (n, int(p or 0)) for u, n, p in
              HubSignup.select(HubSignup.event_uid, peewee.fn.COUNT(HubSignup.id),
                               peewee.fn.SUM(HubSignup.party_size))
              .where(HubSignup.event_uid.in_(event_uids) & (HubSignup.status != "cancelled"))
              .group_by(HubSignup.event_uid).tuples()}
    return records, counts


def rules_by_uid(doc):
    return {s["uid"]: s for s in (doc or {}).get("schedules") or []}


def changed_plans(before, after, today, weeks, tz, now):
    """[Plan] of every rule that differs between two service documents (published, draft)."""
    old_rules, new_rules = rules_by_uid(before), rules_by_uid(after)
    out = []
    for uid in list(old_rules) + [u for u in new_rules if u not in old_rules]:
        old, new = old_rules.get(uid), new_rules.get(uid)
        if old is None or new is None or schedules.parsed(old) != schedules.parsed(new):
            out.append(plan(uid, old, new, today, weeks, tz, now))
    return out


def unconfirmed(before, after, today, weeks, tz, now):
    """The changed rules of a draft whose effect on people's sign-ups staff have not confirmed
    as it is now (``after`` carries the confirmations under CONFIRMED_KEY)."""
    confirmed = (after or {}).get(CONFIRMED_KEY) or {}
    return [p for p in changed_plans(before, after, today, weeks, tz, now)
            if p.needs_confirmation and confirmed.get(p.uid) != p.fingerprint()]
