"""Visitor pages that are the same for everyone who reads them alike, served from the page
cache (kiosk.web.pagecache). On the kiosk every such page also names whether the kiosk has been
revoked: its layout says so in a banner."""
from ..web import pagecache
from . import status


def shown_to_everyone(*vary, when=None):
    """Serve the view's page from the page cache; ``vary`` and ``when`` as pagecache.shared_page."""
    return pagecache.shared_page(status.revoked, *vary, when=when)
