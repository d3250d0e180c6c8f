"""A serving kiosk keeps only the locale data it reads (kiosk.web.i18n.slim_locale_data): every
visitor page in every language renders the same with the data slimmed as with all of it."""
import hashlib
import os
import shutil
import subprocess
import sys

from kiosk.config import ROOT

RENDER = r"""
import hashlib, re, sys
from kiosk.web import i18n
from tests.conftest import make_app
if sys.argv[1] == "slim":
    from kiosk.config import load_config
    i18n.slim_locale_data([lang["babel"] for lang in load_config()["LANGUAGES"]])
from kiosk.db import database
from kiosk.models import Event, Service
app = make_app(sys.argv[2], SITE_SLUG="hikarigaoka-care-cafe")
with app.app_context(), database.connection_context():
    slugs = [s.slug for s in Service.select().order_by(Service.id).limit(6)]
    uids = [e.uid for e in Event.select().where(Event.capacity > 0).order_by(Event.starts_at).limit(2)]
paths = [p for lang in ("ja", "ja-easy", "en", "zh", "ko", "tl") for p in
         [f"/{lang}/", f"/{lang}/services", f"/{lang}/events", f"/{lang}/needs/food", f"/{lang}/services?q=cafe"]
         + [f"/{lang}/services/{s}" for s in slugs] + [f"/{lang}/signup/event/{u}" for u in uids]]
digest = hashlib.sha256()
with app.test_client() as client:
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        # Without what is drawn at random for each visit and form: tokens, ids.
        body = re.sub(r'<input[^>]*type="hidden"[^>]*>|<input id="hidden"[^>]*>', "", answer.get_data(as_text=True))
        digest.update(path.encode() + body.encode())
print(len(paths), digest.hexdigest())
"""


def test_pages_render_the_same_with_slim_locale_data(demo_db_template, tmp_path):
    out = {}
    for mode in ("full", "slim"):
        db = tmp_path / f"{mode}.db"
        shutil.copy(demo_db_template, db)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        run = subprocess.run([sys.executable, "-c", RENDER, mode, str(db)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        out[mode] = run.stdout.split()
    assert int(out["full"][0]) >= 60
    assert out["slim"] == out["full"]


def test_slim_locale_data_leaves_out_what_the_kiosk_never_reads():
    probe = ("from kiosk.web import i18n; i18n.slim_locale_data(['ja', 'fil']); from babel import Locale, core; "
             "d = Locale.parse('ja')._data; g = core._global_data; "
             "print('territories' in d._data, 'days' in d._data, 'territory_languages' in g, "
             "'fil' in g['likely_subtags'], 'ru' in g['likely_subtags'], Locale.parse('fil').language)")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert run.stdout.split() == ["False", "True", "False", "True", "False", "fil"], run.stderr[-2000:]
