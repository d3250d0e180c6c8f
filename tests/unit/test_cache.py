"""The fragment cache never serves a fragment rendered from an older catalog."""
from kiosk.web.cache import FragmentCache


def test_cache_returns_stored_text_and_evicts_oldest():
    cache = FragmentCache(size=2)
    calls = []
    render = lambda text: (lambda: calls.append(text) or text)  # noqa: E731
    assert cache.get_or_render("a", render("A")) == "A"
    assert cache.get_or_render("a", render("A2")) == "A"
    cache.get_or_render("b", render("B"))
    cache.get_or_render("c", render("C"))
    assert cache.get_or_render("a", render("A3")) == "A3"
    assert calls == ["A", "B", "C", "A3"]
