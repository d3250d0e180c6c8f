"""The one place that decides full page or fragment."""
from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block, render_blocks


def wants_fragment():
    """An htmx request that swaps part of a page (not a boosted navigation or history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template, block, status=200, **context):
    """Render the whole page, or only ``block`` for an htmx partial swap. ``block`` may be a list:
    the blocks are sent one after another (the first is the swap's target, the others carry
    hx-swap-oob for the other places a change shows)."""
    if wants_fragment():
        if isinstance(block, str):
            body = render_block(template, block, **context)
        else:
            body = render_blocks(template, list(block), **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
