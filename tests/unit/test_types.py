"""Unit tests: mypy finds no error in the sync contract (kiosk/sync), the hub's intake
(kiosk/hub/intake) and the kiosk's feed applier, with the settings in pyproject.toml's
[tool.mypy]; and with those settings it does report a record of the wrong shape, so a pass
means something."""
import subprocess
import sys

from tests.conftest import ROOT

CHECKED = ["kiosk/sync", "kiosk/hub/intake", "kiosk/site/sync/feed_apply.py"]


def mypy(tmp_path, *args):
    """Run mypy from the checkout (so it reads pyproject.toml) with its cache outside it."""
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_contract_and_both_sides_of_it_type_check(tmp_path):
    result = mypy(tmp_path, *CHECKED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_record_or_an_unknown_feed_kind_is_an_error(tmp_path):
    wrong = ("from kiosk.hub.intake import feed\n"
             "from kiosk.sync.records import CancelRecord\n"
             "cancel: CancelRecord = {'id': 'x', 'type': 'cancel', 'ref_code': 'ABCD-2345', 'created_at': ''}\n"
             "feed.serialize('weather', 'x')\n")
    result = mypy(tmp_path, "-c", wrong)
    assert result.returncode == 1
    assert 'Missing key "phone_last4"' in result.stdout, result.stdout
    assert 'Argument 1 to "serialize" has incompatible type' in result.stdout, result.stdout
