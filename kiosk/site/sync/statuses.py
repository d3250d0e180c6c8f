"""The one status a kiosk keeps for a sign-up (kiosk.models.SignupStatus), and the one way it
changes: the kiosk's own sign-ups start "provisional" here, a visitor's cancellation marks
them at once, and the hub's word (its answer to a push, then the feed) sets the rest. Look-up,
host mode and the seats a kiosk tells all read it from here."""
from ...db import database, execute_in
from ...models import Signup, SignupStatus
from ...sync.contract import ENDED_STATUSES


def record(record_id, status, reason="", **fields):
    """Set a sign-up's status (and, when given, its code, hash, session, service, desk state);
    creates its row the first time. Call inside the transaction that causes the change."""
    values = {"status": status, "reason": reason or "", **fields}
    if SignupStatus.update(**values).where(SignupStatus.record_id == record_id).execute() == 0:
        SignupStatus.create(record_id=record_id, **values)


def mark_acknowledged(ids_by_outcome):
    """The hub's answers to a push: {(status, reason): [record ids]}. Only sign-ups have a
    status row; ids of attendance and cancellations touch nothing here."""
    table = SignupStatus._meta.table_name
    for (status, reason), ids in ids_by_outcome.items():
        if ids:
            execute_in(f'UPDATE "{table}" SET "status" = {database.param}, "reason" = {database.param} '
                       'WHERE "record_id" IN ({})', (status, reason), ids)


def of(signup):
    """(status, reason, desk state) of a Signup of this kiosk."""
    row = SignupStatus.get_or_none(SignupStatus.record_id == signup.id)
    return (row.status, row.reason, row.desk_state) if row else ("provisional", "", "")


def live_signups():
    """This kiosk's own sign-ups that are still live (not cancelled or refused), as a query."""
    return (Signup.select().join(SignupStatus, on=(SignupStatus.record_id == Signup.id))
            .where(SignupStatus.status.not_in(list(ENDED_STATUSES))))
