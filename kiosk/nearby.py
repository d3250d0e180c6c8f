"""Near this kiosk first: distances from the kiosk's own site, walking times, nearest-first order.

Pure functions on numbers, so the arithmetic is tested without a catalog. A distance is None
where either end has no coordinates; everything here then keeps the order it was given and
shows nothing, as the kiosk did before it knew where it stood.
"""
import dataclasses
import math

EARTH_RADIUS_M = 6_371_008.8   # the mean radius (IUGG)
STREET_FACTOR = 1.3            # streets are longer than the straight line between two points
WALK_M_PER_MIN = 80            # Japanese property listings' walking speed (不動産の表示に関する公正競争規約)
WALK_MAX_MIN = 30              # beyond this a visitor takes a bus: the distance alone is shown
HERE_M = 50                    # closer than this (straight), the venue is the kiosk's own site


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_m(here, there):
    """Straight-line metres between two (latitude, longitude) pairs; None if either is unknown."""
    if here is None or there is None or None in here or None in there:
        return None
    return haversine_m(here[0], here[1], there[0], there[1])


@dataclasses.dataclass(frozen=True)
class Walk:
    """What a visitor reads about a venue's distance: rounded street metres and walking minutes
    (None when it is too far to walk; both 0 at the kiosk's own site)."""
    metres: int
    minutes: "int | None"

    @property
    def here(self):
        return self.metres == 0


def round_distance(metres):
    """Metres as a visitor would say them: to 100 m under 1 km, to 0.1 km under 10 km, then km."""
    step = 100 if metres < 10_000 else 1000
    return max(100, int(metres / step + 0.5) * step)


def walk(straight_m):
    """The Walk for a straight-line distance: streets at STREET_FACTOR, minutes at 80 m a minute
    with any part of a minute counted as a whole one (as property listings count), None if unknown."""
    if straight_m is None:
        return None
    if straight_m < HERE_M:
        return Walk(0, 0)
    street = straight_m * STREET_FACTOR
    minutes = max(1, math.ceil(street / WALK_M_PER_MIN))
    return Walk(round_distance(street), minutes if minutes <= WALK_MAX_MIN else None)


def _rank(distance):
    """A sort key: known distances nearest first, unknown ones after them all."""
    return (distance is None, distance or 0.0)


def nearest_first(items, distance):
    """``items`` nearest first; equal or unknown distances keep their given order."""
    keys = {id(i): _rank(distance(i)) for i in items}
    return sorted(items, key=lambda i: keys[id(i)])


def nearest_first_each_day(items, day, distance):
    """Sessions given in time order, still grouped by day, the nearest venue first within a day
    (then by time, the order they came in)."""
    keys = {id(i): (day(i), _rank(distance(i))) for i in items}
    return sorted(items, key=lambda i: keys[id(i)])


def lead(items, start, distance, soon):
    """The session a result card leads with: of those starting before ``soon``, the one at the
    nearest venue (the soonest there); with none that soon, the soonest of all. With no
    distances known it is the soonest, as before."""
    items = list(items)
    if not items:
        return None
    within = [i for i in items if start(i) < soon]
    if within:
        return min(within, key=lambda i: (_rank(distance(i)), start(i)))
    return min(items, key=lambda i: (start(i), _rank(distance(i))))
