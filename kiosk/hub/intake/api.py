"""The sync API (see kiosk/sync/openapi.json): enrolment, record push, feed pull."""
import hashlib
import json
import logging
import uuid
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ... import boundary
from ...db import database
from ...models import Device, EnrollmentCode
from ...models.catalog import utcnow
from . import feed
from ...sync import protocol
from ...sync.records import FeedResponse
from . import ingest
from .auth import device_key, device_required, init_hub_time, refuse

bp = Blueprint("api", __name__, url_prefix="/api/v1")
init_hub_time(bp)
log = logging.getLogger(__name__)


class BadBody(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def json_body() -> Any:
    """The request's JSON, parsed here rather than by Flask: Python's parser raises
    RecursionError (not ValueError) for a deeply nested body, which must be a 400, not a 500."""
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except RecursionError:
        raise BadBody("too_deep") from None
    except ValueError:
        raise BadBody("bad_json") from None


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


@bp.post("/enroll")
def enroll() -> Response:
    """Exchange a one-time enrolment code for a device id and secret. The secret is derived
    from the device id and the hub's device key (kiosk.hub.intake.auth.device_key): the kiosk keeps
    it, the hub's database does not."""
    body = json_body()
    if not isinstance(body, dict) or not boundary.is_clean_text(body.get("code")) or len(body["code"]) > 64:
        return refuse(400, "bad_request")
    if body.get("protocol") not in protocol.SUPPORTED_PROTOCOLS:
        return refuse(400, "protocol_version", supported=list(protocol.SUPPORTED_PROTOCOLS))
    name = body["name"] if boundary.is_clean_text(body.get("name")) else ""
    name = name.strip()[:128] or "kiosk"
    with database.atomic():
        code = EnrollmentCode.get_or_none(EnrollmentCode.code_hash == hash_code(body["code"]))
        if code is None or code.used_at is not None or code.expires_at < utcnow():
            return refuse(403, "bad_code")
        # Conditional update: of two kiosks racing with one code, exactly one wins.
        won = (EnrollmentCode.update(used_at=utcnow())
               .where((EnrollmentCode.id == code.id) & EnrollmentCode.used_at.is_null()).execute())
        if won != 1:
            return refuse(403, "bad_code")
        device = Device.create(device_id=str(uuid.uuid4()), name=name, site_slug=code.site_slug, secret="")
        EnrollmentCode.update(device=device).where(EnrollmentCode.id == code.id).execute()
    return jsonify({"device_id": device.device_id, "secret": device_key(device.device_id),
                    "site": device.site_slug, "protocol": protocol.PROTOCOL_VERSION})


@bp.post("/records")
@device_required
def records() -> Response:
    """Store a batch of records; answer per record (accepted, duplicate, rejected)."""
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return refuse(400, "bad_request")
    if len(body["records"]) > protocol.MAX_BATCH:
        return refuse(413, "batch_too_large", max=protocol.MAX_BATCH)
    clean = boundary.json_text_is_clean(request.get_data(cache=True))
    # Where the batch stands in the kiosk's outbox (kiosks keep more than one in flight).
    after, last = (v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2 ** 62 else 0
                   for v in (body.get("after"), body.get("last")))
    return jsonify({"results": ingest.ingest(g.device.device_id, body["records"], texts_checked=clean,
                                             site=g.device.site_slug or "", after=after, last=last)})


@bp.get("/feed")
@device_required
def feed_page() -> Response:
    """Catalog changes and sign-up statuses after a cursor, oldest first. (No housekeeping
    here: kiosk.hub.maintenance does it outside requests.)"""
    since = boundary.bounded_int(request.args.get("since"), 0)
    limit = max(1, min(boundary.bounded_int(request.args.get("limit"), 500), 1000))
    # Each kiosk reads other sites' reference codes only as hashes (kiosk.hub.intake.feed.page).
    entries = feed.page(max(since, 0), limit, viewer=(g.device.device_id, g.device.site_slug or ""))
    spoken = g.get("protocol", protocol.PROTOCOL_VERSION)
    for entry in entries:
        if protocol.FEED_KINDS_SINCE.get(entry["kind"], 0) > spoken:
            entry["data"] = None    # a kind this kiosk does not know: it skips the entry
    answer: FeedResponse = {"entries": entries, "cursor": entries[-1]["seq"] if entries else since}
    return jsonify(answer)


@bp.errorhandler(BadBody)
def _bad_body(exc: BadBody) -> Response:
    return refuse(400, exc.error)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return refuse(exc.code or 400, "http_" + str(exc.code))


@bp.errorhandler(Exception)
def _api_error(exc: Exception) -> Response:
    log.exception("sync API error")
    return refuse(500, "server_error")
