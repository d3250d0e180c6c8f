"""What a journey test checks at every screen state it passes through.

- axe (WCAG 2.0/2.1/2.2 A and AA) reports no violation;
- every link and button on the screen that a person could need has a real box of at least
  48x48 CSS px (a zero-size or invisible one fails: Playwright's "visible" passed a link whose
  box vanished under `display: contents`);
- each control the journey touches shows text that stands out from what is really behind it
  (Playwright and axe both passed white text on white);
- a screenshot is saved for a person to look at.
"""
import gettext
import json
import re
import time

from axe_playwright_python.sync_playwright import Axe

from tests.conftest import ARTIFACTS, ROOT

SHOTS = ARTIFACTS / "journeys"
BABEL = {"ja": "ja", "en": "en", "zh": "zh_Hans", "ko": "ko", "tl": "fil", "ja-easy": "ja"}
DOMAIN = {"ja-easy": "easy"}   # Easy Japanese is Japanese with a catalog file of its own
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def ui(lang, msgid, context=None, **values):
    """The UI string as the compiled catalog translates it; ``context`` names which meaning of a
    word with several (the msgctxt of pgettext)."""
    catalog = gettext.translation(DOMAIN.get(lang, "messages"), str(ROOT / "translations"), [BABEL[lang]])
    text = catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
    return text % values if values else text


# Letters of any script the kiosk shows (JavaScript's \W counts kana, kanji and hangul as
# non-word characters, so it cannot tell an icon from a word).
_LETTERS = r"\w\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"


def exact(text):
    """A regex matching an accessible name exactly, allowing icons and spaces around it."""
    return re.compile(f"^[^{_LETTERS}]*" + re.escape(text) + f"[^{_LETTERS}]*$")


def labelled(page, label):
    """The form control a person finds by its label (which may end with a required/optional mark)."""
    return page.get_by_label(re.compile(r"^\s*" + re.escape(label) + r"(\s|$)"))


def card(name):
    """A result card's link by the program's name (its accessible name also holds the
    category and summary): the name must stand as a whole, not inside a longer name."""
    return re.compile(r"(^|\s)" + re.escape(name) + r"(\s|$)")


# Every control on the page: its box, whether it is on purpose out of sight, its text.
_CONTROLS_JS = """
() => [...document.querySelectorAll('a[href], button, input[type=submit], [role=button]')].map(el => {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  // Out of sight on purpose: hidden containers, and a skip link parked off-screen until focused.
  const away = !!el.closest('[hidden], [aria-hidden=true], noscript, template, dialog:not([open])')
               || el.disabled || (r.right < 0 && document.activeElement !== el);
  const label = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
  return {away, w: r.width, h: r.height, hidden: s.visibility !== 'visible' || s.display === 'none'
          || parseFloat(s.opacity) === 0, label, html: el.outerHTML.slice(0, 120)};
})
"""

# WCAG contrast of an element's text against the first opaque background behind it.
_CONTRAST_JS = """
el => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                     return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const fg = parse(getComputedStyle(el).color);
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.a > 0.5) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || {r: 255, g: 255, b: 255, a: 1};
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


class Journey:
    """One person's way through the kiosk, checked at every step."""

    def __init__(self, page, name):
        self.page, self.name, self.step = page, name, 0
        # Where the journey began in the tab's history (a new tab's first entry is about:blank).
        self.first_entry = page.evaluate("history.length")
        SHOTS.mkdir(parents=True, exist_ok=True)

    def state(self, label):
        """Check the screen as it is now and save its picture."""
        self.page.wait_for_load_state("networkidle")
        self.step += 1
        size = self.page.viewport_size
        path = SHOTS / f"{self.name}-{size['width']}x{size['height']}-{self.step:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        results = _axe.run(self.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:3])
                      for v in results.response["violations"]]
        assert violations == [], f"{label}: axe: {violations}"
        problems = []
        for c in self.page.evaluate(_CONTROLS_JS):
            if c["away"]:
                continue
            if c["hidden"] or c["w"] < 48 or c["h"] < 48 or not c["label"]:
                problems.append(c)
        assert problems == [], f"{label}: controls without a real 48 px box or text: {problems}"
        return path

    def back_and_forth(self):
        """Back through the whole journey to its first screen with the browser's Back, then
        Forward to where it ended: every step must land on a kiosk page (the kiosk's header and
        its main content), never the browser's "Confirm Form Resubmission" or another error
        page. Each screen reached by Back is checked like a screen reached by touch."""
        page = self.page
        end = page.url
        steps = page.evaluate("history.length") - self.first_entry
        assert steps >= 2, "a journey of one screen"
        for n in range(steps):
            _move(page, page.go_back, f"Back {n + 1} of {steps}")
            self.state(f"back-{n + 1}")
        for n in range(steps):
            _move(page, page.go_forward, f"Forward {n + 1} of {steps}")
        assert page.url == end, f"Forward ended at {page.url}, not {end}"

    def touch(self, locator, navigates=True):
        """Check that a control stands out, tap it, and wait for the screen it leads to (a
        boosted link swaps the page in place: the old <main> is marked and must be gone)."""
        locator.wait_for()
        assert_visible_control(locator)
        if navigates:
            self.page.evaluate("() => { const m = document.getElementById('main'); if (m) m.dataset.stale = '1'; }")
        locator.click()
        if navigates:
            self.page.wait_for_function(
                "() => { const m = document.getElementById('main');"
                " return m && !m.dataset.stale && !document.querySelector('.htmx-request'); }")
        return locator


# A kiosk page, fully shown: its header and main content, no htmx request still under way.
_KIOSK_PAGE_JS = """() => location.protocol === 'http:' && !!document.querySelector('header.top .brand')
  && !!document.getElementById('main') && !document.querySelector('.htmx-request')"""


def _move(page, go, what):
    """One step through the history, then wait for a kiosk page (an error page has none)."""
    try:
        go(wait_until="load", timeout=15_000)
        page.wait_for_function(_KIOSK_PAGE_JS, timeout=15_000)
    except Exception as exc:     # Playwright's own errors: ERR_CACHE_MISS, a timeout...
        raise AssertionError(f"{what}: not a kiosk page at {page.url}: {exc}") from None


def assert_visible_control(locator, settle_seconds=3.0):
    """A control a person can see and touch: a box of 48 px or more each way, visible text, and
    its contrast. The box is measured once the screen has settled (a swapped-in page may still
    be laying out for a moment; a run measured a tile at its text's 24 px mid-swap)."""
    deadline = time.monotonic() + settle_seconds
    while True:
        box = locator.bounding_box()
        if (box and box["width"] >= 48 and box["height"] >= 48) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert box and box["width"] >= 48 and box["height"] >= 48, f"no real box: {box}"
    text = (locator.inner_text() or locator.get_attribute("value") or "").strip()
    assert text, "a control without visible text"
    ratio = locator.evaluate(_CONTRAST_JS)
    assert ratio >= 4.5, f"text contrast {ratio:.2f} for {text!r}"


def assert_text_field(locator, min_width=240):
    """A field a person can find and tap: 48 px high or more, and wide enough to see what she
    typed (a phone field once kept the browser's own narrow, thin box: no style matched it)."""
    box = locator.bounding_box()
    assert box and box["height"] >= 48 and box["width"] >= min_width, f"a field too small to tap: {box}"


# --- Ways through the kiosk that several journeys take ------------------------------------------

ENDONYM = {"ja": "日本語", "en": "English", "zh": "简体中文", "ko": "한국어", "tl": "Tagalog",
           "ja-easy": "やさしい にほんご"}
PROGRAMS = ROOT / "kiosk" / "demo" / "data" / "programs"


def program(slug, lang):
    """A program's name on the screen in ``lang`` (the demo data the kiosk shows)."""
    return json.loads((PROGRAMS / f"{slug}.json").read_text(encoding="utf-8"))["text"][lang]["name"]


def switch_language(j, endonym):
    j.touch(j.page.get_by_role("link", name=endonym, exact=True))


def start_in(j, lang):
    """From the first screen, choose the language (Japanese is already there)."""
    if lang != "ja":
        switch_language(j, ENDONYM[lang])


def to_session_form(j, lang, slug):
    """Home -> "Places to gather" -> the program's card -> "Sign up" on its first date."""
    page = j.page
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Places to gather")))))
    j.state("gathering")
    j.touch(page.get_by_role("link", name=card(program(slug, lang))).first)
    j.state(slug)
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Sign up"))).first)
    j.state("form")



def send_signup(j, lang, slug, name, phone):
    """Home -> the program's first date -> her name and phone -> "Send", to the confirmation."""
    to_session_form(j, lang, slug)
    fill_person(j.page, lang, name, phone)
    j.touch(j.page.get_by_role("button", name=exact(ui(lang, "Send"))))
    j.page.wait_for_url("**/signup/done")

def fill_person(page, lang, name, phone, age=True):
    """A visitor's name, phone (and age band) on a sign-up form, and her consent."""
    labelled(page, ui(lang, "Your name")).fill(name)
    labelled(page, ui(lang, "Phone number")).fill(phone)
    if age:
        labelled(page, ui(lang, "Age")).select_option(index=3)
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()


def screen_checker(page, directory, name):
    """check(label): a full-page screenshot of ``page`` as directory/name-label.png, then axe on
    it (every violation named with the elements it was found on)."""
    def check(label):
        directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(directory / f"{name}-{label}.png"), full_page=True)
        violations = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}}).response["violations"]
        assert [v["id"] for v in violations] == [], (label, [n["html"] for v in violations for n in v["nodes"]])
    return check
