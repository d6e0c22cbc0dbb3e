"""Pure rules engine for the partner program (PROGRAM.md §1-8 and §10).

Standard library only: no Django, no ORM. All money and points arithmetic is on
``decimal.Decimal``; intermediate values keep full precision and only ``round_half_up`` rounds.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Generic, TypeVar

SOLD = "sold"
MANAGED = "managed"
SOURCED = "sourced"
ASSISTED = "assisted"

TRACKS = (SOLD, MANAGED)
DEAL_TYPES = (SOURCED, ASSISTED)
FLOOR_TIER = "untiered"
SOLD_ACTIVE_MONTHS = 12
MAX_CALCULATOR_AMOUNT = Decimal(10) ** 12
MAX_OTHER_MANAGERS = 100

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


# --- rounding and dates -------------------------------------------------------------------------


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Round half away from zero to ``places`` decimal places (``-0.00`` becomes ``0.00``)."""
    if isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise RuleError(f"cannot round a non-finite value: {value}")
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


def _month_end(year: int, month: int) -> date:
    return date(year, month, _days_in_month(year, month))


def add_months(d: date, months: int) -> date:
    """``d`` plus calendar months, the day clamped to the target month's length."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(d.day, _days_in_month(year, month)))


def sold_expiry(won_on: date, months: int = SOLD_ACTIVE_MONTHS) -> date:
    """The date a sold gain made on ``won_on`` stops being active."""
    return add_months(won_on, months)


def is_sold_active(won_on: date, on: date, months: int = SOLD_ACTIVE_MONTHS) -> bool:
    """Whether a sold gain made on ``won_on`` is active on ``on`` (``won_on <= on < expiry``)."""
    return won_on <= on < sold_expiry(won_on, months)


# --- rule rows ----------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RuleError(message)


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


# --- points (§4, §5, §6) ------------------------------------------------------------------------


def _non_negative(value: Decimal, what: str) -> None:
    _require(value.is_finite() and value >= 0, f"{what} must be a non-negative number")


def sold_points(
    rules: Rules, *, mrr: Decimal, currency: str, country: str, deal_type: str, closed_on: date
) -> Decimal:
    """``usd(mrr)/100 * S[deal_type, closed_on] * M[country]`` (unrounded)."""
    _non_negative(mrr, "MRR")
    usd = rules.usd(mrr, currency, closed_on)
    return (
        usd
        / _HUNDRED
        * rules.sold_rate(deal_type, closed_on)
        * rules.multiplier(country, closed_on)
    )


def managed_points(
    rules: Rules, *, mrr: Decimal, currency: str, country: str, on: date, co_managers: int
) -> Decimal:
    """``usd(mrr)/100 * managed rate * M / n`` for one of ``n`` co-managers (unrounded)."""
    _non_negative(mrr, "MRR")
    _require(co_managers >= 1, "co_managers counts this partner, so it must be at least 1")
    usd = rules.usd(mrr, currency, on)
    return usd / _HUNDRED * rules.managed_rate(on) * rules.multiplier(country, on) / co_managers


class ManagedPointsOn:
    """``managed_points`` for one day, for many clients: the day's managed rate is read once,
    each currency's FX rate and each country's multiplier once; the arithmetic is the same."""

    def __init__(self, rules: Rules, on: date) -> None:
        self.rules, self.on = rules, on
        self._rate: Decimal | None = None
        self._fx: dict[str, Decimal] = {}
        self._multiplier: dict[str, Decimal] = {}

    def __call__(self, *, mrr: Decimal, currency: str, country: str, co_managers: int) -> Decimal:
        _non_negative(mrr, "MRR")
        _require(co_managers >= 1, "co_managers counts this partner, so it must be at least 1")
        fx = self._fx.get(currency)
        if fx is None:
            fx = self._fx[currency] = self.rules.fx_rate(currency, self.on)
        multiplier = self._multiplier.get(country)
        if multiplier is None:
            multiplier = self._multiplier[country] = self.rules.multiplier(country, self.on)
        if self._rate is None:
            self._rate = self.rules.managed_rate(self.on)
        usd = mrr * _HUNDRED / fx
        return usd / _HUNDRED * self._rate * multiplier / co_managers


def managed_change(target: Decimal, balance: Decimal) -> Decimal:
    """The managed-change entry that brings ``balance`` to ``target``."""
    return target - balance


@dataclass(frozen=True)
class SoldGain:
    """A sold gain: its date and points."""

    won_on: date
    points: Decimal


def reversal_loss(
    gain: SoldGain, *, reversed_on: date, months: int = SOLD_ACTIVE_MONTHS
) -> Decimal:
    """Points a reversal on ``reversed_on`` takes back: the gain if still active, else 0."""
    _require(reversed_on >= gain.won_on, "a deal cannot be reversed before it was won")
    return gain.points if is_sold_active(gain.won_on, reversed_on, months) else _ZERO


@dataclass(frozen=True)
class PointChanges:
    """New and lost points per track over a date range."""

    new_sold: Decimal
    lost_sold: Decimal
    new_managed: Decimal
    lost_managed: Decimal


def point_changes(entries: Iterable[tuple[str, Decimal]]) -> PointChanges:
    """New (sum of positives) and lost (sum of |negatives|) per track."""
    new = {SOLD: _ZERO, MANAGED: _ZERO}
    lost = {SOLD: _ZERO, MANAGED: _ZERO}
    for track, points in entries:
        _require(track in new, f"unknown track: {track!r}")
        if points > 0:
            new[track] += points
        elif points < 0:
            lost[track] -= points
    return PointChanges(new[SOLD], lost[SOLD], new[MANAGED], lost[MANAGED])


# --- tiers (§7) ---------------------------------------------------------------------------------


def meets(
    tier: TierRule,
    *,
    sold: Decimal,
    managed: Decimal,
    certified: bool,
    invited: bool,
    csr: Decimal | None,
) -> bool:
    """Whether every requirement of ``tier`` is met."""
    if sold + managed < tier.total_points or sold < tier.sold_min or managed < tier.managed_min:
        return False
    if tier.requires_certification and not certified:
        return False
    if tier.by_invitation and not invited:
        return False
    return tier.min_csr is None or (csr is not None and csr >= tier.min_csr)


def performance_tier(
    rules: Rules,
    on: date,
    *,
    sold: Decimal,
    managed: Decimal,
    certified: bool,
    invited: bool,
    csr: Decimal | None,
) -> TierRule:
    """The highest-ranked tier in force on ``on`` whose every requirement is met."""
    tiers = rules.tiers_on(on)
    if not tiers:
        raise NoRuleInForce(f"no tiers in force on {on}")
    for tier in reversed(tiers):
        if meets(tier, sold=sold, managed=managed, certified=certified, invited=invited, csr=csr):
            return tier
    raise RuleError(f"no tier met on {on}: the floor tier must have no requirements")


def credited_tier(review_results: Mapping[date, str], on: date, floor_key: str = FLOOR_TIER) -> str:
    """The tier key set at the latest review on or before ``on``, else ``floor_key``."""
    reviews = sorted(review_results)
    i = bisect_right(reviews, on) - 1
    return review_results[reviews[i]] if i >= 0 else floor_key


@dataclass(frozen=True)
class Needs:
    """Points still needed for a tier."""

    total: Decimal
    sold: Decimal
    managed: Decimal


def needs_for(tier: TierRule, *, sold: Decimal, managed: Decimal) -> Needs:
    """The tier's thresholds minus the current figures, floored at 0."""
    return Needs(
        total=max(tier.total_points - (sold + managed), _ZERO),
        sold=max(tier.sold_min - sold, _ZERO),
        managed=max(tier.managed_min - managed, _ZERO),
    )


def sold_expiring_before(gains: Iterable[SoldGain], *, on: date, before: date) -> Decimal:
    """Points of gains active on ``on`` that will have expired by ``before``."""
    return sum(
        (
            g.points
            for g in gains
            if is_sold_active(g.won_on, on) and sold_expiry(g.won_on) <= before
        ),
        _ZERO,
    )


@dataclass(frozen=True)
class Projection:
    """The figures and performance tier projected for the next review date."""

    review_on: date
    expiring_sold: Decimal
    sold: Decimal
    managed: Decimal
    tier: TierRule


def project_next_review(
    rules: Rules,
    *,
    on: date,
    sold: Decimal,
    managed: Decimal,
    gains: Iterable[SoldGain],
    certified_until: date | None,
    invited: bool,
    csr: Decimal | None,
) -> Projection:
    """Project the next review if nothing else changes: only scheduled sold expiries apply."""
    review_on = rules.next_review_date(on)
    expiring = sold_expiring_before(gains, on=on, before=review_on)
    projected_sold = max(sold - expiring, _ZERO)
    certified = certified_until is not None and review_on <= certified_until
    tier = performance_tier(
        rules,
        review_on,
        sold=projected_sold,
        managed=managed,
        certified=certified,
        invited=invited,
        csr=csr,
    )
    return Projection(review_on, expiring, projected_sold, managed, tier)


def monthly_projection(
    *,
    on: date,
    sold: Decimal,
    managed: Decimal,
    gains: Iterable[SoldGain],
    months: int = 3,
) -> list[tuple[date, Decimal, Decimal, Decimal]]:
    """(month end, sold, managed, total) for the next ``months`` month ends strictly after ``on``.

    Only scheduled expirations of gains active on ``on`` change the figures.
    """
    active = [g for g in gains if is_sold_active(g.won_on, on)]
    first = _month_end(on.year, on.month)
    if first == on:
        first = _month_end_of(add_months(on.replace(day=1), 1))
    rows: list[tuple[date, Decimal, Decimal, Decimal]] = []
    for k in range(months):
        end = _month_end_of(add_months(first.replace(day=1), k))
        expiring = sum((g.points for g in active if sold_expiry(g.won_on) <= end), _ZERO)
        projected = max(sold - expiring, _ZERO)
        rows.append((end, projected, managed, projected + managed))
    return rows


def _month_end_of(d: date) -> date:
    return _month_end(d.year, d.month)


# --- account metrics (§8) -----------------------------------------------------------------------


def csr_month(start_mrr: Mapping[Any, Decimal], end_mrr: Mapping[Any, Decimal]) -> Decimal | None:
    """Share of start-of-month MRR held by clients still paying at month end (churn only)."""
    start_total = _ZERO
    kept = _ZERO
    for client, mrr in start_mrr.items():
        if mrr > 0:
            start_total += mrr
            if end_mrr.get(client, _ZERO) > 0:
                kept += mrr
    return kept / start_total if start_total > 0 else None


def csr_average(months: Iterable[Decimal | None]) -> Decimal | None:
    """Mean of the months that have a C$R; None when none has."""
    known = [m for m in months if m is not None]
    return sum(known, _ZERO) / len(known) if known else None


def median_tool_usage(tools: Iterable[int]) -> Decimal | None:
    """Median number of tools used (mean of the middle two for an even count); None if empty."""
    counts = sorted(tools)
    if not counts:
        return None
    mid = len(counts) // 2
    if len(counts) % 2:
        return Decimal(counts[mid])
    return (Decimal(counts[mid - 1]) + Decimal(counts[mid])) / 2


# --- points calculator (§10) --------------------------------------------------------------------


@dataclass(frozen=True)
class PointsEstimate:
    """The calculator's result, every figure rounded to 2 places."""

    sold_points: Decimal
    managed_points: Decimal
    total_points: Decimal
    usd_equivalent: Decimal
    multiplier: Decimal


def _check_country(country: str) -> None:
    code = country.strip()
    _require(len(code) == 2 and code.isascii() and code.isalpha(), f"unknown country: {country!r}")


def _check_amount(amount: Decimal, what: str) -> None:
    _non_negative(amount, what)
    _require(amount <= MAX_CALCULATOR_AMOUNT, f"{what} must not exceed 10^12")


def estimate_points(
    rules: Rules,
    *,
    amount: Decimal,
    currency: str,
    country: str,
    deal_type: str,
    will_manage: bool,
    other_managers: int,
    on: date,
) -> PointsEstimate:
    """Sold and managed points a deal of monthly ``amount`` would earn on ``on``."""
    _check_amount(amount, "amount")
    _check_country(country)
    _require(
        0 <= other_managers <= MAX_OTHER_MANAGERS,
        f"other managers must be between 0 and {MAX_OTHER_MANAGERS}",
    )
    sold = round_half_up(
        sold_points(
            rules, mrr=amount, currency=currency, country=country, deal_type=deal_type, closed_on=on
        )
    )
    managed = (
        round_half_up(
            managed_points(
                rules,
                mrr=amount,
                currency=currency,
                country=country,
                on=on,
                co_managers=1 + other_managers,
            )
        )
        if will_manage
        else Decimal("0.00")
    )
    return PointsEstimate(
        sold_points=sold,
        managed_points=managed,
        total_points=sold + managed,
        usd_equivalent=round_half_up(rules.usd(amount, currency, on)),
        multiplier=rules.multiplier(country, on),
    )


def _maybe_round(value: Decimal, places: int | None) -> Decimal:
    return value if places is None else round_half_up(value, places)


def currency_to_points(
    rules: Rules,
    *,
    currency: str,
    country: str,
    sold_value: Decimal,
    managed_value: Decimal,
    on: date,
    places: int | None = 2,
) -> tuple[Decimal, Decimal]:
    """(sold points, managed points) for monthly values in ``currency`` (sourced rate)."""
    _check_amount(sold_value, "sold value")
    _check_amount(managed_value, "managed value")
    _check_country(country)
    m = rules.multiplier(country, on)
    sold = rules.usd(sold_value, currency, on) / _HUNDRED * rules.sold_rate(SOURCED, on) * m
    managed = rules.usd(managed_value, currency, on) / _HUNDRED * rules.managed_rate(on) * m
    return _maybe_round(sold, places), _maybe_round(managed, places)


def points_to_currency(
    rules: Rules,
    *,
    currency: str,
    country: str,
    sold_points: Decimal,
    managed_points: Decimal,
    on: date,
    places: int | None = 2,
) -> tuple[Decimal, Decimal]:
    """(sold value, managed value) in ``currency`` that earn the given points (sourced rate)."""
    _non_negative(sold_points, "sold points")
    _non_negative(managed_points, "managed points")
    _check_country(country)
    r = rules.fx_rate(currency, on)
    m = rules.multiplier(country, on)
    sold_divisor = rules.sold_rate(SOURCED, on) * m
    managed_divisor = rules.managed_rate(on) * m
    _require(sold_divisor > 0 and managed_divisor > 0, f"a zero point rate is in force on {on}")
    sold = sold_points * r / sold_divisor
    managed = managed_points * r / managed_divisor
    return _maybe_round(sold, places), _maybe_round(managed, places)
