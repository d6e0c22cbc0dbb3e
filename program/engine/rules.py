"""Rule tables of the partner program (PROGRAM.md §1-3, §7) and the errors of the engine.

Program constants, the effective-dated rule rows, ``Rules`` with its O(log n) lookups by date,
and ``default_rules``: the defaults of PROGRAM.md as rows. Standard library only.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

SOLD = "sold"
MANAGED = "managed"
SOURCED = "sourced"
ASSISTED = "assisted"

TRACKS = (SOLD, MANAGED)
DEAL_TYPES = (SOURCED, ASSISTED)
FLOOR_TIER = "untiered"

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)

_K = TypeVar("_K")
_V = TypeVar("_V")
_T = TypeVar("_T")


class RuleError(ValueError):
    """An input the rules cannot be applied to."""


class UnknownCurrency(RuleError):
    """A currency with no program rate at all."""


class NoRuleInForce(RuleError):
    """A rule exists, but no row of it is effective on the requested date."""


# --- checks -------------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RuleError(message)


def _non_negative(value: Decimal, what: str) -> None:
    _require(value.is_finite() and value >= 0, f"{what} must be a non-negative number")


# --- rule rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FxRateRule:
    """The amount of ``currency`` equal to US$100, from ``effective_from``."""

    currency: str
    per_100_usd: Decimal
    effective_from: date

    def __post_init__(self) -> None:
        _require(self.per_100_usd > 0, f"FX rate for {self.currency} must be positive")


@dataclass(frozen=True)
class MarketRule:
    """A country's points multiplier, from ``effective_from`` (1 means not a growth market)."""

    country: str
    multiplier: Decimal
    effective_from: date

    def __post_init__(self) -> None:
        _require(self.multiplier > 0, f"multiplier for {self.country} must be positive")


@dataclass(frozen=True)
class PointRateRule:
    """Points per US$100 of MRR for a track and deal type (``""`` for managed)."""

    track: str
    deal_type: str
    rate: Decimal
    effective_from: date

    def __post_init__(self) -> None:
        _require(self.track in TRACKS, f"unknown track: {self.track!r}")
        _require(self.rate >= 0, "point rate must not be negative")


@dataclass(frozen=True)
class TierRule:
    """A tier's requirements, from ``effective_from``; rank 0 is the floor tier."""

    key: str
    name: str
    rank: int
    total_points: Decimal
    sold_min: Decimal
    managed_min: Decimal
    requires_certification: bool
    by_invitation: bool
    min_csr: Decimal | None
    effective_from: date

    def __post_init__(self) -> None:
        _require(self.rank >= 0, "tier rank must not be negative")
        _require(
            min(self.total_points, self.sold_min, self.managed_min) >= 0,
            "tier thresholds must not be negative",
        )


@dataclass(frozen=True)
class ReviewDateRule:
    """A tier review date (month, day); rows sharing an ``effective_from`` form one set."""

    month: int
    day: int
    effective_from: date

    def __post_init__(self) -> None:
        try:
            date(2000, self.month, self.day)  # a leap year, so Feb 29 is allowed
        except ValueError as exc:
            raise RuleError(f"invalid review date: month {self.month}, day {self.day}") from exc


# --- effective-dated lookups --------------------------------------------------------------------


@dataclass(frozen=True)
class _Timeline(Generic[_T]):
    """Rows of one key sorted by ``effective_from``; a later duplicate date replaces the earlier."""

    starts: tuple[date, ...]
    values: tuple[_T, ...]

    def at(self, on: date) -> _T | None:
        i = bisect_right(self.starts, on) - 1
        return self.values[i] if i >= 0 else None


def _timelines(rows: Iterable[tuple[_K, date, _V]]) -> dict[_K, _Timeline[_V]]:
    by_key: dict[_K, dict[date, _V]] = {}
    for key, start, value in rows:
        by_key.setdefault(key, {})[start] = value
    return {
        key: _Timeline(tuple(sorted(dated)), tuple(dated[d] for d in sorted(dated)))
        for key, dated in by_key.items()
    }


def _norm(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True)
class Rules:
    """Every effective-dated rule table, with O(log n) lookups by date."""

    fx_rates: tuple[FxRateRule, ...]
    markets: tuple[MarketRule, ...]
    point_rates: tuple[PointRateRule, ...]
    tiers: tuple[TierRule, ...]
    review_dates: tuple[ReviewDateRule, ...]

    _fx: dict[str, _Timeline[Decimal]] = field(init=False, repr=False, compare=False)
    _markets: dict[str, _Timeline[Decimal]] = field(init=False, repr=False, compare=False)
    _rates: dict[tuple[str, str], _Timeline[Decimal]] = field(init=False, repr=False, compare=False)
    _tiers: dict[str, _Timeline[TierRule]] = field(init=False, repr=False, compare=False)
    _review_sets: _Timeline[tuple[tuple[int, int], ...]] = field(
        init=False, repr=False, compare=False
    )
    # A digest of the FX table, the same in every process: figures converted to US$ with
    # these rules are cached under it.
    fx_fingerprint: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("fx_rates", "markets", "point_rates", "tiers", "review_dates"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        set_ = object.__setattr__
        set_(self, "fx_fingerprint", hashlib.sha256(repr(self.fx_rates).encode()).hexdigest()[:16])
        set_(
            self,
            "_fx",
            _timelines((_norm(r.currency), r.effective_from, r.per_100_usd) for r in self.fx_rates),
        )
        set_(
            self,
            "_markets",
            _timelines((_norm(r.country), r.effective_from, r.multiplier) for r in self.markets),
        )
        set_(
            self,
            "_rates",
            _timelines(
                ((r.track.lower(), r.deal_type.strip().lower()), r.effective_from, r.rate)
                for r in self.point_rates
            ),
        )
        set_(self, "_tiers", _timelines((t.key, t.effective_from, t) for t in self.tiers))
        review_sets: dict[date, set[tuple[int, int]]] = {}
        for r in self.review_dates:
            review_sets.setdefault(r.effective_from, set()).add((r.month, r.day))
        starts = tuple(sorted(review_sets))
        set_(
            self,
            "_review_sets",
            _Timeline(starts, tuple(tuple(sorted(review_sets[s])) for s in starts)),
        )

    # §1 currencies

    def fx_rate(self, currency: str, on: date) -> Decimal:
        """The amount of ``currency`` equal to US$100 on ``on``."""
        timeline = self._fx.get(_norm(currency))
        if timeline is None:
            raise UnknownCurrency(f"unknown currency: {currency!r}")
        rate = timeline.at(on)
        if rate is None:
            raise NoRuleInForce(f"no FX rate for {_norm(currency)} in force on {on}")
        return rate

    def usd(self, amount: Decimal, currency: str, on: date) -> Decimal:
        """``amount`` of ``currency`` in US dollars at the program rate (unrounded)."""
        return amount * _HUNDRED / self.fx_rate(currency, on)

    # §2 markets

    def multiplier(self, country: str, on: date) -> Decimal:
        """The market multiplier ``M`` for ``country`` on ``on`` (1 when no row is in force)."""
        timeline = self._markets.get(_norm(country))
        value = timeline.at(on) if timeline is not None else None
        return Decimal(1) if value is None else value

    def is_growth_market(self, country: str, on: date) -> bool:
        """Whether ``country`` earns a multiplier above 1 on ``on``."""
        return self.multiplier(country, on) > 1

    # §3 point rates

    def _rate(self, track: str, deal_type: str, on: date) -> Decimal:
        key = (track, deal_type.strip().lower())
        timeline = self._rates.get(key)
        if timeline is None:
            label = f"{track}/{key[1]}" if key[1] else track
            raise RuleError(f"no point rate for {label}")
        rate = timeline.at(on)
        if rate is None:
            raise NoRuleInForce(f"no point rate for {track}/{key[1]} in force on {on}")
        return rate

    def sold_rate(self, deal_type: str, on: date) -> Decimal:
        """Sold points per US$100 for ``deal_type`` on ``on``."""
        return self._rate(SOLD, deal_type, on)

    def managed_rate(self, on: date) -> Decimal:
        """Managed points per US$100 on ``on``."""
        return self._rate(MANAGED, "", on)

    # §7 tiers

    def tiers_on(self, on: date) -> list[TierRule]:
        """The tier rows in force on ``on``, one per key, by rank ascending."""
        found = (timeline.at(on) for timeline in self._tiers.values())
        return sorted((t for t in found if t is not None), key=lambda t: (t.rank, t.key))

    def tier(self, key: str, on: date) -> TierRule:
        """The row of tier ``key`` in force on ``on``."""
        timeline = self._tiers.get(key)
        if timeline is None:
            raise RuleError(f"unknown tier: {key!r}")
        row = timeline.at(on)
        if row is None:
            raise NoRuleInForce(f"tier {key!r} not in force on {on}")
        return row

    # tier review dates

    def review_dates_on(self, on: date) -> list[tuple[int, int]]:
        """The (month, day) review dates of the set in force on ``on`` (empty if none)."""
        pairs = self._review_sets.at(on)
        return list(pairs) if pairs is not None else []

    def is_review_date(self, on: date) -> bool:
        """Whether ``on`` is a tier review date under the set in force that day."""
        pairs = self._review_sets.at(on)
        return pairs is not None and (on.month, on.day) in pairs

    def next_review_date(self, after: date) -> date:
        """The first review date strictly after ``after``."""
        starts, sets = self._review_sets.starts, self._review_sets.values
        if not starts:
            raise NoRuleInForce("no review dates defined")
        first = after + timedelta(days=1)
        for seg in range(max(bisect_right(starts, first) - 1, 0), len(starts)):
            lo = max(starts[seg], first)
            hi = starts[seg + 1] if seg + 1 < len(starts) else None
            # 8 years covers a Feb 29-only set across a non-leap century year
            last_year = hi.year if hi is not None else lo.year + 8
            for year in range(lo.year, last_year + 1):
                for month, day in sets[seg]:
                    candidate = _valid_date(year, month, day)
                    if candidate is not None and lo <= candidate and (hi is None or candidate < hi):
                        return candidate
        raise NoRuleInForce(f"no review date after {after}")

    def last_review_date(self, on: date) -> date | None:
        """The latest review date on or before ``on``, or None if there was none."""
        starts, sets = self._review_sets.starts, self._review_sets.values
        seg = bisect_right(starts, on) - 1
        hi = on
        while seg >= 0:
            lo = starts[seg]
            for year in range(hi.year, lo.year - 1, -1):
                for month, day in reversed(sets[seg]):
                    candidate = _valid_date(year, month, day)
                    if candidate is not None and lo <= candidate <= hi:
                        return candidate
            hi = lo - timedelta(days=1)
            seg -= 1
        return None


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- defaults -----------------------------------------------------------------------------------

_DEFAULT_FROM = date(2020, 1, 1)
_RATE_CHANGE = date(2024, 2, 27)

DEFAULT_FX_RATES: dict[str, str] = {
    "USD": "100",
    "EUR": "88",
    "GBP": "74",
    "AUD": "154",
    "CAD": "130",
    "SGD": "129",
    "JPY": "14400",
    "ZAR": "1768",
    "COP": "408000",
}

DEFAULT_GROWTH_MARKETS: dict[str, tuple[str, ...]] = {
    "India": ("IN",),
    "Latin America": (
        "AR",
        "BO",
        "BR",
        "CL",
        "CO",
        "CR",
        "DO",
        "EC",
        "SV",
        "GT",
        "HN",
        "MX",
        "NI",
        "PA",
        "PY",
        "PE",
        "UY",
        "VE",
    ),
    "North Asia": ("CN", "MN", "KR"),
    "South-East and South Asia": (
        "BD",
        "BN",
        "KH",
        "HK",
        "ID",
        "LA",
        "MY",
        "MV",
        "MM",
        "NP",
        "PK",
        "PH",
        "LK",
        "SG",
        "TW",
        "TH",
        "TL",
        "VN",
    ),
}


def default_rules() -> Rules:
    """The program defaults from PROGRAM.md, as effective-dated rows."""
    fx = tuple(
        FxRateRule(cur, Decimal(rate), _DEFAULT_FROM) for cur, rate in DEFAULT_FX_RATES.items()
    )
    markets = tuple(
        MarketRule(country, Decimal(2), _DEFAULT_FROM)
        for countries in DEFAULT_GROWTH_MARKETS.values()
        for country in countries
    )
    rates = (
        PointRateRule(SOLD, SOURCED, Decimal(3), _DEFAULT_FROM),
        PointRateRule(SOLD, ASSISTED, Decimal(3), _DEFAULT_FROM),
        PointRateRule(SOLD, SOURCED, Decimal(5), _RATE_CHANGE),
        PointRateRule(SOLD, ASSISTED, Decimal(3), _RATE_CHANGE),
        PointRateRule(MANAGED, "", Decimal(1), _DEFAULT_FROM),
    )

    def tier(key: str, rank: int, total: int, minimum: int, *, elite: bool = False) -> TierRule:
        return TierRule(
            key=key,
            name=key.capitalize(),
            rank=rank,
            total_points=Decimal(total),
            sold_min=Decimal(minimum),
            managed_min=Decimal(minimum),
            requires_certification=rank > 0,
            by_invitation=elite,
            min_csr=Decimal("0.85") if elite else None,
            effective_from=_DEFAULT_FROM,
        )

    tiers = (
        tier(FLOOR_TIER, 0, 0, 0),
        tier("gold", 1, 500, 100),
        tier("platinum", 2, 2000, 400),
        tier("diamond", 3, 6000, 1200),
        tier("elite", 4, 15000, 3000, elite=True),
    )
    reviews = (ReviewDateRule(1, 15, _DEFAULT_FROM), ReviewDateRule(7, 15, _DEFAULT_FROM))
    return Rules(fx, markets, rates, tiers, reviews)
