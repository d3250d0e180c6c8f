"""Flask-Limiter, checked only where a limit is.

Flask-Limiter checks every request in a before_request hook, whether or not a limit applies to
it: about 0.1 ms of every page a visitor opens, a third of what a page from the shared cache
costs. Every limit here is on a view (``@limiter.limit``), and such a view checks its limits
itself when it is called, so the hook is taken out.
"""


def init(limiter, app):
    """``limiter.init_app(app)`` without its check of every request."""
    limiter.init_app(app)
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in hooks if getattr(f, "__self__", None) is not limiter]
