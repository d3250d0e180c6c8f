"""Unit tests: the drafts a form keeps between its POST and its GET (kiosk.web.drafts), and a
sign-up's status in a visitor's words (kiosk.vocab.visitor_status)."""
import pytest
from flask import Flask

from kiosk import vocab
from kiosk.sync.contract import DESK_STATES, DONE_STATES
from kiosk.web.drafts import Drafts


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_draft_is_its_owners_only_and_expires():
    clock = Clock()
    drafts = Drafts(ttl=60, clock=clock)
    drafts.keep("alice", "signup.event|uid=1", {"name": "Alice"}, show_errors=True)
    assert drafts.get("alice", "signup.event|uid=1")[0]["name"] == "Alice"
    assert drafts.get("alice", "signup.event|uid=1")[1] is True
    assert drafts.get("bob", "signup.event|uid=1") is None          # another visitor's session
    assert drafts.get("alice", "signup.event|uid=2") is None        # another form
    clock.now += 61
    assert drafts.get("alice", "signup.event|uid=1") is None
    drafts.keep("bob", "k", {"name": "Bob"}, show_errors=False)     # an expired draft is swept
    assert len(drafts) == 1


def test_dropping_a_visitor_forgets_all_her_forms_and_nobody_elses():
    drafts = Drafts()
    drafts.keep("alice", "a", {"name": "A"}, False)
    drafts.keep("alice", "b", {"name": "A"}, False)
    drafts.keep("bob", "a", {"name": "B"}, False)
    drafts.drop("alice")
    assert drafts.get("alice", "a") is None and drafts.get("alice", "b") is None
    assert drafts.get("bob", "a")[0]["name"] == "B"


@pytest.fixture
def ctx():
    app = Flask(__name__)
    from flask_babel import Babel
    Babel(app)
    with app.test_request_context():
        yield


@pytest.mark.parametrize("kind", ["callback", "volunteer"])
def test_every_desk_state_has_words_and_finished_ones_offer_no_cancel(ctx, kind):
    for state in DESK_STATES[kind][1:]:
        said = vocab.visitor_status(kind, "confirmed", "", state)
        assert str(said["detail"]), (kind, state)
        assert said["finished"] == (state in DONE_STATES), (kind, state)
    assert vocab.visitor_status(kind, "confirmed", "", "new")["finished"] is False


def test_seat_changes_by_the_ward_are_told(ctx):
    assert "cancelled this sign-up" in str(vocab.visitor_status("event", "cancelled", "staff")["detail"])
    assert vocab.visitor_status("event", "cancelled", "staff")["finished"]
    promoted = vocab.visitor_status("event", "confirmed", "promoted")
    assert "waiting list" in str(promoted["detail"]) and not promoted["finished"]
    assert vocab.visitor_status("event", "provisional")["detail"] == ""
