"""Security headers and the kiosk's privacy defaults."""

# Sent with every response that does not set its own.
DEFAULT_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


def init_app(app):
    @app.after_request
    def _headers(response):
        headers = response.headers
        # The names present, read once (each look-up of a missing header builds an exception).
        present = {name.lower() for name, _value in headers}
        for name, value in DEFAULT_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        # A shared tablet: no page may come back from the cache for the next visitor.
        if "cache-control" not in present and response.mimetype == "text/html":
            headers["Cache-Control"] = "no-store"
        return response
