"""Check the demo catalog data files: valid JSON, all five languages, every text field filled."""
import json
import pathlib
import sys

LANGS = ("ja", "en", "zh", "ko", "tl")
PROGRAM_FIELDS = ("name", "summary", "description", "eligibility", "how_to_join", "fees", "schedule")
SITE_FIELDS = ("name", "address", "access")
CATEGORIES = {"gathering", "consultation", "volunteering", "learning", "events"}
AUDIENCES = {"elderly", "children", "foreign", "disability", "everyone"}
root = pathlib.Path(__file__).resolve().parent.parent / "kiosk" / "demo" / "data"
errors = []
sites = {}
if (root / "sites.json").exists():
    for s in json.loads((root / "sites.json").read_text(encoding="utf-8")):
        sites[s["slug"]] = s
        for lang in LANGS:
            for f in SITE_FIELDS:
                if not s["text"].get(lang, {}).get(f, "").strip():
                    errors.append(f"site {s['slug']}: {lang}.{f} missing")
for path in sorted((root / "programs").glob("*.json")):
    try:
        p = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        errors.append(f"{path.name}: invalid JSON: {exc}")
        continue
    if p.get("slug") != path.stem:
        errors.append(f"{path.name}: slug must equal file name")
    if p.get("category") not in CATEGORIES:
        errors.append(f"{path.name}: bad category {p.get('category')}")
    if not set(p.get("audiences", [])) <= AUDIENCES or not p.get("audiences"):
        errors.append(f"{path.name}: bad audiences")
    for lang in LANGS:
        for f in PROGRAM_FIELDS:
            if not p["text"].get(lang, {}).get(f, "").strip():
                errors.append(f"{path.name}: {lang}.{f} missing")
        if not p.get("keywords", {}).get(lang):
            errors.append(f"{path.name}: keywords.{lang} missing")
    for slug in p.get("sites", []) + [e["site"] for e in p.get("events", [])]:
        if sites and slug not in sites:
            errors.append(f"{path.name}: unknown site {slug}")
    for e in p.get("events", []):
        if e.get("rule") not in ("weekly", "monthly", "once"):
            errors.append(f"{path.name}: bad event rule {e}")
print("\n".join(errors) or f"ok: {len(sites)} sites, {len(list((root / 'programs').glob('*.json')))} programs")
sys.exit(1 if errors else 0)
