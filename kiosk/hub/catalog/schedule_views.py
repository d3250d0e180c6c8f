"""A service's recurring rules and single dates on the hub's editor: add a rule, change one in
place or remove it after seeing what it does to the sessions (kiosk.hub.catalog.rule_plan), and
cancel, retime or move one dated session.

A rule change goes into the service's draft. Where it moves or cancels sessions people signed
up for, staff confirm it on the preview; the draft keeps what they confirmed, and publishing
does exactly that or stops and asks again (admin.publish with confirmed_only)."""
import urllib.parse

from flask import abort, current_app, g, redirect, render_template, request, url_for

from ... import boundary, catalog, clock
from ...boundary import Refused
from ...models import Event, Schedule
from ...models.catalog import utcnow
from ...catalog_docs import schedule_document
from ...web.i18n import current_language
from ..desk import queues
from ..desk.staff_auth import admin_required
from . import admin, labels, rule_plan
from .rule_form import form_values, rule_from_form
from .views import _choices, _name_in, _render_edit, bp

NOTES = ("preview", "error", "changed")   # query arguments of the preview page that are not the rule's


def _service_draft(key):
    doc, is_draft = admin.document("service", key)
    if doc is None:
        abort(404)
    return doc, is_draft


def _live_rule(uid):
    row = Schedule.get_or_none(Schedule.uid == uid)
    return schedule_document(row) if row is not None else None


def _plan(uid, old, new):
    tz = current_app.config["TIMEZONE"]
    weeks = int(current_app.config.get("SCHEDULE_WEEKS_AHEAD", 8))
    return rule_plan.plan(uid, old, new, clock.ward_today(tz), weeks, tz, utcnow())


def _save_confirmed(key, doc, uid, plan, action):
    """Save the draft with what staff confirmed for this rule, and note it in the audit trail."""
    confirmed = dict(doc.get(rule_plan.CONFIRMED_KEY) or {})
    confirmed[uid] = plan.fingerprint()
    doc[rule_plan.CONFIRMED_KEY] = confirmed
    admin.save_draft("service", key, doc, g.staff.username)
    queues.audit(g.staff, action, f"service {key}", f"{uid} {plan.signups} sign-ups {plan.people} people")
    return redirect(url_for("catalog.edit", kind="service", key=key, saved=1) + "#schedules", 303)


def _refused(plan):
    """Why a confirmation cannot be taken as sent, or None: the plan changed since the page was
    shown (a sign-up came or went), or the box confirming sign-ups was not ticked."""
    if request.form.get("plan", "") != plan.fingerprint():
        return "changed"
    if plan.needs_confirmation and request.form.get("confirm") != "1":
        return "confirm"
    return None


def _page(key, doc, mode, uid, plan=None, values=None, error=None, current=None, status=200):
    choices = _choices()
    site_names = dict(choices["sites"])
    return render_template("hub/catalog/schedule.html", key=key, mode=mode, uid=uid, plan=plan, values=values,
                           error=error or request.args.get("error"), current=current,
                           service_name=_name_in(doc, current_language()), site_names=site_names,
                           summary=lambda s: labels.rule_summary(s, site_names), weeks=int(
                               current_app.config.get("SCHEDULE_WEEKS_AHEAD", 8)), **choices), status


def _back_to_preview(problem):
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in NOTES]
    query = urllib.parse.urlencode(args + [("preview", "1"), ("error", problem)])
    return redirect(request.path + "?" + query, 303)


@bp.post("/service/<key>/schedules")
@admin_required
def add_schedule(key):
    """Add a rule to the service's draft (a new rule touches no session that exists)."""
    doc, is_draft = _service_draft(key)
    schedule, why = rule_from_form(request.form, admin.new_schedule_uid())
    if why:
        return _render_edit("service", key, doc, is_draft, errors={"schedule-new": why}, status=422)
    doc.setdefault("schedules", []).append(schedule)
    if schedule["site"] not in doc.get("sites", []):
        doc["sites"] = sorted(set(doc.get("sites", [])) | {schedule["site"]})
    admin.save_draft("service", key, doc, g.staff.username)
    return redirect(url_for("catalog.edit", kind="service", key=key, saved=1) + "#schedules", 303)


@bp.route("/service/<key>/schedules/<uid>", methods=["GET", "POST"])
@admin_required
def edit_schedule(key, uid):
    """Change a rule in place: its form, prefilled; then (the form sent by GET, so Back works)
    what the change does to the sessions, to confirm; then the change goes into the draft."""
    doc, _is_draft = _service_draft(key)
    rules = rule_plan.rules_by_uid(doc)
    if uid not in rules:
        abort(404)
    current = rules[uid]
    if request.method == "GET" and not request.args.get("preview"):
        return _page(key, doc, "edit", uid, values=form_values(current), current=current)
    rule, why = rule_from_form(request.args, uid)
    if why:
        if request.method == "POST":
            return _back_to_preview(why)
        return _page(key, doc, "edit", uid, values=form_values(form=request.args), error=why, current=current,
                     status=422)
    plan = _plan(uid, _live_rule(uid), rule)
    if request.method == "GET":
        return _page(key, doc, "edit", uid, plan=plan, values=form_values(form=request.args), current=current)
    problem = _refused(plan)
    if problem:
        return _back_to_preview(problem)
    doc["schedules"] = [rule if s["uid"] == uid else s for s in doc.get("schedules", [])]
    if rule["site"] not in doc.get("sites", []):
        doc["sites"] = sorted(set(doc.get("sites", [])) | {rule["site"]})
    return _save_confirmed(key, doc, uid, plan, "schedule_edit")


@bp.route("/service/<key>/schedules/<uid>/remove", methods=["GET", "POST"])
@admin_required
def remove_schedule(key, uid):
    """Remove a rule from the draft after seeing what becomes of its sessions."""
    doc, _is_draft = _service_draft(key)
    current = rule_plan.rules_by_uid(doc).get(uid)
    if current is None:
        abort(404)
    plan = _plan(uid, _live_rule(uid), None)
    if request.method == "GET":
        return _page(key, doc, "remove", uid, plan=plan, current=current)
    problem = _refused(plan)
    if problem:
        return redirect(url_for("catalog.remove_schedule", key=key, uid=uid, error=problem), 303)
    doc["schedules"] = [s for s in doc.get("schedules", []) if s["uid"] != uid]
    return _save_confirmed(key, doc, uid, plan, "schedule_remove")


@bp.route("/service/<key>/schedules/<uid>/confirm", methods=["GET", "POST"])
@admin_required
def confirm_schedule(key, uid):
    """Confirm again what a rule's change in the draft does, as it is now (publishing asks for
    it when sign-ups came or went after the change was confirmed)."""
    doc, is_draft = _service_draft(key)
    live = _live_rule(uid)
    current = rule_plan.rules_by_uid(doc).get(uid)
    if not is_draft or (live is None and current is None):
        abort(404)
    plan = _plan(uid, live, current)
    if request.method == "GET":
        return _page(key, doc, "confirm", uid, plan=plan, current=current or live)
    problem = _refused(plan)
    if problem:
        return redirect(url_for("catalog.confirm_schedule", key=key, uid=uid, error=problem), 303)
    return _save_confirmed(key, doc, uid, plan, "schedule_confirm")


# --- single dates ---------------------------------------------------------------------------

@bp.route("/sessions/<uid>", methods=["GET", "POST"])
@admin_required
def session(uid):
    """Cancel one dated session, change its time on the same day, or move it to another day,
    with a reason; its sign-ups keep their records (and, moved, their seats)."""
    event = Event.get_or_none(Event.uid == uid)
    if event is None:
        abort(404)
    tz = current_app.config["TIMEZONE"]
    error = None
    starts = clock.ward_time(event.starts_at, tz)
    if request.method == "POST":
        action, reason = request.form.get("action"), request.form.get("reason", "")
        try:
            if action == "cancel":
                if request.form.get("confirm") != "1":
                    raise Refused("confirm")
                admin.cancel_date(uid, reason, g.staff)
                queues.audit(g.staff, "session_cancel", uid, reason)
            elif action in ("retime", "move"):
                day = starts.date() if action == "retime" else boundary.parse_date(request.form.get("date", ""))
                if day is None:
                    raise Refused("date")
                admin.move_date(uid, day, request.form.get("opens_at", ""), request.form.get("closes_at", ""),
                                reason, tz)
                action = "retime" if day == starts.date() else "move"
                queues.audit(g.staff, "session_" + action, uid, f"{day} {reason}")
            else:
                abort(400)
            return redirect(url_for("catalog.session", uid=uid, done=action), 303)
        except Refused as refused:
            error = refused.reason
    view = catalog.event_views([event], current_language(), with_service=True)[0]
    signups, people = rule_plan.signup_counts([uid])[1].get(uid, (0, 0))
    return render_template("hub/catalog/session.html", e=view, people=people, signups=signups, error=error,
                           reasons=admin.DATE_REASONS, service_slug=event.service.slug, local_date=starts,
                           local_end=clock.ward_time(event.ends_at, tz)), 422 if error else 200
