"""Words and dates the staff tables repeat on every row, worked out once per request.

A vocabulary word is a lazy string, translated again each time a page shows it, and every
translation (a template's ngettext too) and every date finds the request's catalog, locale and
time zone through Flask-Babel's context lookups: a page of 50 rows with five such words and a date
each, or a report with a count in every cell, spent longer on that than on all the SQL it sent.
A ``PageWords`` looks the catalog, locale and time zone up once and translates each distinct word
and each count's plural once.

Templates take the request's one with ``{% set w = hub_words() %}`` (registered by
kiosk.hub.desk.staff.init_app); a template may also take its _() and ngettext in place of
Jinja's (``{% set _, ngettext = w.gettext, w.ngettext %}``), its strings then still found by the
extractor."""
import datetime

from flask_babel import get_locale, get_timezone, get_translations
from markupsafe import Markup

from ... import vocab
from ...web import formatting
from ...web.per_request import once


def page_words():
    """This request's PageWords."""
    return once("_hub_words", PageWords)


class PageWords:
    """One request's translations of vocabulary words, plurals and dates (see the module)."""

    def __init__(self):
        self.catalog = get_translations()
        self.locale = get_locale()
        self.zone = get_timezone()
        self.memo = {}

    def _text(self, value):
        """A lazy string as text, translated once (other values as they are)."""
        if isinstance(value, str) or value is None:
            return value
        key = id(value)      # vocabulary words are module constants: their ids do not change
        if key not in self.memo:
            self.memo[key] = str(value)
        return self.memo[key]

    def labels(self, mapping, keep_unknown=False):
        """A vocabulary's words as text, each translated once: {key: text}, where a key it does
        not have reads as "" (or as the key itself, ``keep_unknown``)."""
        key = ("labels", id(mapping), keep_unknown)
        if key not in self.memo:
            self.memo[key] = Labels({k: self._text(v) for k, v in mapping.items()}, keep_unknown)
        return self.memo[key]

    def gettext(self, string, **variables):
        """A template's _() (markup-safe, variables filled in), with this request's catalog."""
        if variables:
            return Markup(self.catalog.ugettext(string)) % variables
        key = ("gettext", string)
        if key not in self.memo:
            self.memo[key] = Markup(self.catalog.ugettext(string)) % {}
        return self.memo[key]

    def ngettext(self, singular, plural, num, **variables):
        """A template's ngettext (markup-safe, %(num)d filled in), with this request's catalog."""
        if variables:
            return Markup(self.catalog.ungettext(singular, plural, num)) % dict({"num": num}, **variables)
        key = ("ngettext", singular, num)
        if key not in self.memo:
            self.memo[key] = Markup(self.catalog.ungettext(singular, plural, num)) % {"num": num}
        return self.memo[key]

    def people(self, n):
        """A number of people, marked as such (staff screens say what each count counts)."""
        key = ("people", n)
        if key not in self.memo:
            self.memo[key] = Markup('<span class="count people" data-num="%d">%s</span>') % (
                n, self.ngettext("%(num)d person", "%(num)d people", n))
        return self.memo[key]

    def signups(self, n):
        """A number of sign-ups (one form, one reference code; it may be for several people)."""
        key = ("signups", n)
        if key not in self.memo:
            self.memo[key] = Markup('<span class="count signups" data-num="%d">%s</span>') % (
                n, self.ngettext("%(num)d sign-up", "%(num)d sign-ups", n))
        return self.memo[key]

    def signups_people(self, n, persons):
        """Sign-ups and the people they are for, or a dash for none."""
        return Markup("%s · %s") % (self.signups(n), self.people(persons)) if n else "—"

    def status(self, s):
        """A sign-up's status as its visitor reads it, with why it changed where there is a reason."""
        key = ("status", s.kind, s.status, s.reason)
        if key not in self.memo:
            out = Markup('<span class="st st-%s">%s</span>') % (
                s.status, self._text(vocab.status_text(s.kind, s.status)))
            if s.reason and s.reason in vocab.SIGNUP_REASONS:
                out += Markup(" <small>%s</small>") % self._text(vocab.SIGNUP_REASONS[s.reason])
            self.memo[key] = out
        return self.memo[key]

    def short_datetime(self, dt):
        """kiosk.web.formatting.short_datetime (its pattern, worked out once per locale there),
        with this request's locale and time zone."""
        if dt is None:
            return ""
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        local = dt.astimezone(self.zone)
        if hasattr(self.zone, "normalize"):     # a pytz zone, as Flask-Babel's own conversion does
            local = self.zone.normalize(local)
        return formatting.short_datetime_formatter(self.locale)(local)


class Labels(dict):
    """A vocabulary's words for a template: an unknown key (None too) reads as "" or as itself."""

    def __init__(self, words, keep_unknown):
        super().__init__(words)
        self.keep_unknown = keep_unknown

    def __missing__(self, key):
        return key if self.keep_unknown else ""
