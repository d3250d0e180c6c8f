"""Search over the catalog in the way people type: kana either way, any width, 1-2 CJK chars,
and the needs they name (お金がない, rent, 월세)."""
