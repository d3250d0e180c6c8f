"""The one place that decides a request's language, and the language menu.

Visitor-facing URLs carry the kiosk's language code (/ja/, /zh/, /tl/...). Babel knows Tagalog
as Filipino ("fil") and Chinese catalogs by script ("zh_Hans"), so each language in the config
names its Babel locale; browsers' Accept-Language tags are matched by prefix.
"""
import re

from flask import current_app, g, has_request_context, redirect, request, session, url_for
from flask_babel import Babel, Domain
from werkzeug.routing import BaseConverter

from .guard import safe_next

babel = Babel()


def languages():
    """The configured languages, in menu order."""
    return current_app.config["LANGUAGES"]


def language_codes():
    return [lang["code"] for lang in languages()]


def language(code):
    return next((lang for lang in languages() if lang["code"] == code), None)


def current_language():
    """The code of this request's language: from the URL (/ja/...), else the one chosen on
    pages without a language in the URL (staff screens), else the default."""
    lang = getattr(g, "lang", None)
    if lang:
        return lang
    chosen = session.get("lang") if has_request_context() else None
    if chosen in language_codes():
        return chosen
    return current_app.config["DEFAULT_LANGUAGE"]


def negotiate(accept_header_values):
    """Pick a kiosk code from Accept-Language tags (best first), or the default."""
    for tag in accept_header_values:
        tag = tag.lower().replace("_", "-")
        for lang in languages():
            if any(tag == a or tag.startswith(a + "-") for a in lang["accept"]):
                return lang["code"]
    return current_app.config["DEFAULT_LANGUAGE"]


def browser_language():
    return negotiate([value for value, _q in request.accept_languages])


def select_babel_locale():
    return language(current_language())["babel"]


def select_timezone():
    return current_app.config["TIMEZONE"]


def switch_url(code):
    """This page's URL in another language (same endpoint, same arguments, same query)."""
    if request.endpoint and request.view_args is not None and "lang" in request.view_args:
        args = dict(request.view_args, lang=code)
        args.update({k: v for k, v in request.args.lists() if k not in args})
        return url_for(request.endpoint, **args)
    return url_for("language", code=code, next=request.full_path if request.query_string else request.path)


# What Babel's locale data holds that a kiosk never reads: it formats dates, times and numbers,
# and names no language, territory, script, currency or unit, nor a date relative to today.
# (Time zone names stay: an export's header names the ward's time zone.)
UNUSED_LOCALE_DATA = ("unit_patterns", "unit_display_names", "compound_unit_patterns", "currency_unit_patterns",
                      "languages", "territories", "scripts", "variants", "currency_names",
                      "currency_names_plural", "currency_symbols", "compact_currency_formats",
                      "compact_decimal_formats", "date_fields", "list_patterns", "measurement_systems",
                      "character_order")


# Babel's data shared by every locale that a kiosk never reads: which languages each territory
# speaks and which currencies it uses, Windows time zone names.
UNUSED_GLOBAL_DATA = ("territory_languages", "territory_currencies", "all_currencies", "currency_fractions",
                      "windows_zone_mapping")


def slim_locale_data(languages=None):
    """Keep each locale's CLDR data, as Babel loads it, to what the kiosk reads: loaded in full,
    the five languages' data is 8.7 MB of Python objects, a tenth of the kiosk's memory budget,
    and slimmed 4 MB. For `kiosk serve` on a kiosk (the hub's screens name languages and
    territories); called before any locale is loaded. Babel's loader keeps what it returns in
    its cache and builds a locale on its parent's, so both are slimmed at once.

    Babel's data shared by all locales is slimmed too (2 MB of its 2.2): with ``languages``,
    the Babel locales the kiosk serves (ja, zh_Hans...), the likely forms of other languages
    ("ru" is ru_Cyrl_RU) are left out as well; a locale they would have completed still
    parses, only less fully."""
    from babel import core, localedata
    full = localedata.load
    if getattr(full, "slimmed", False):
        return

    def load(name, merge_inherited=True):
        data = full(name, merge_inherited)
        for key in UNUSED_LOCALE_DATA:
            data.pop(key, None)
        return data
    load.slimmed = True
    localedata.load = load
    core.get_global("cldr")                  # loads it: Babel keeps it in core._global_data
    shared = getattr(core, "_global_data", None)
    if isinstance(shared, dict):
        for key in UNUSED_GLOBAL_DATA:
            shared.pop(key, None)
        if languages and isinstance(shared.get("likely_subtags"), dict):
            ours = {code.replace("-", "_").split("_")[0] for code in languages}
            shared["likely_subtags"] = {k: v for k, v in shared["likely_subtags"].items()
                                        if k.split("_")[0] in ours}


def init_app(app):
    codes = [lang["code"] for lang in app.config["LANGUAGES"]]

    class LanguageConverter(BaseConverter):
        """Matches only configured language codes, so /xx/ is a 404, not a crash."""
        regex = "(?:" + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True)) + ")"

    app.url_map.converters["lang"] = LanguageConverter
    babel.init_app(app, locale_selector=select_babel_locale, timezone_selector=select_timezone)

    @app.url_value_preprocessor
    def _pull_lang(endpoint, values):
        if values and "lang" in values:
            g.lang = values["lang"]

    domains = {}

    @app.before_request
    def _message_domain():
        """A language may have its own catalog file within its Babel locale (やさしい日本語 is
        Japanese for dates and numbers, with its own words: translations/ja/.../easy.po)."""
        domain = language(current_language()).get("domain", "messages")
        if domain != "messages":
            if domain not in domains:
                dirs = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
                domains[domain] = Domain(translation_directories=dirs, domain=domain)
            domains[domain].as_default()

    @app.url_defaults
    def _add_lang(endpoint, values):
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_language()

    @app.get("/language/<lang:code>", endpoint="language")
    def choose_language(code):
        """Language choice on pages without a language in their URL (staff screens)."""
        session["lang"] = code
        return redirect(safe_next("/"), 303)

    def fallback_marked():
        """Mark a catalog text shown in Japanese for want of a translation? In Easy Japanese the
        plain Japanese is the same language: the page then carries one note (plain_japanese_shown)
        instead of a mark after every field, which buried the text it marked."""
        if language(current_language()).get("domain", "messages") == "messages":
            return True
        g.plain_japanese_shown = True
        return False

    app.jinja_env.globals["fallback_marked"] = fallback_marked
    app.jinja_env.globals["plain_japanese_shown"] = lambda: bool(g.get("plain_japanese_shown"))

    @app.context_processor
    def _i18n_context():
        lang = language(current_language())
        return {"lang": lang["code"], "html_lang": lang["html"], "languages": languages(),
                "switch_url": switch_url}
