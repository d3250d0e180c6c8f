"""Fixed vocabularies of the catalog: slugs in the data, translated labels for the screens."""
from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "gathering": _l("Places to gather"),
    "consultation": _l("Advice and consultation"),
    "volunteering": _l("Volunteering and local activities"),
    "learning": _l("Courses and learning"),
    "events": _l("Festivals and events"),
}
CATEGORY_HINTS = {
    "gathering": _l("Cafés, children's cafeterias, places to belong"),
    "consultation": _l("Someone to talk to about your worries"),
    "volunteering": _l("Help your neighbourhood, join a group"),
    "learning": _l("Courses, Japanese classes"),
    "events": _l("Festivals and exchange"),
}
CATEGORY_ICONS = {"gathering": "☕", "consultation": "💬", "volunteering": "🤝",
                  "learning": "📖", "events": "🎉"}

AUDIENCES = {
    "elderly": _l("Older people"),
    "children": _l("Children and parents"),
    "foreign": _l("Foreign residents"),
    "disability": _l("People with disabilities"),
    "everyone": _l("Everyone, volunteers"),
}
AUDIENCE_ICONS = {"elderly": "👵", "children": "👪", "foreign": "🌏", "disability": "♿",
                  "everyone": "🙋"}

AREAS = {
    "nerima": _l("Nerima area"),
    "hikarigaoka": _l("Hikarigaoka area"),
    "shakujii": _l("Shakujii area"),
    "oizumi": _l("Oizumi area"),
}

SITE_KINDS = {
    "plaza": _l("Consultation information plaza"),
    "cafe": _l("Care café"),
    "office": _l("Office"),
    "centre": _l("Community hall"),
}
