"""One visit: the time one visitor uses the tablet, from the first screen to the idle reset.

Search URLs carry the visit's id (``v``), because a search term is the visitor's own (what she
looks for can say much about her). After the idle reset the session, and with it the visit,
is new: a search URL from the last visit, reached with Back, is shown without its term
(kiosk.site.directory.services). A search URL without ``v`` (a link, a bookmark) is taken as it is.
"""
from flask import session

from . import pagecache
from .sessions import new_visit_id

VISIT_KEY = "visit"


def visit_id():
    """This visit's id, made on first use (the template global the search forms carry). A page
    rendered for every visitor gets a hole, filled with each visitor's own (kiosk.web.pagecache)."""
    if pagecache.shared_render():
        return pagecache.hole("visit")
    if VISIT_KEY not in session:
        session[VISIT_KEY] = new_visit_id()
    return session[VISIT_KEY]


def from_another_visit(v):
    """True when a URL's ``v`` names a visit that is not this one."""
    return v is not None and v != session.get(VISIT_KEY)


def init_app(app):
    app.jinja_env.globals["visit_id"] = visit_id
    pagecache.FILLERS["visit"] = visit_id
