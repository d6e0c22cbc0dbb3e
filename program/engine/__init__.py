"""Pure rules engine for the partner program (PROGRAM.md §1-8 and §10).

Standard library only: no Django, no ORM. All money and points arithmetic is on
``decimal.Decimal``; intermediate values keep full precision and only ``round_half_up`` rounds.

The engine is split by concern: ``rules`` (errors, constants, rule rows, ``Rules`` and the
defaults), ``dates`` (rounding, month arithmetic, sold expiry), ``points`` (sold and managed
points), ``tiers`` (tier requirements and projections), ``metrics`` (C$R and tool usage) and
``calculator`` (the points calculator). Every public name is importable from this package.
"""

from .calculator import (
    MAX_CALCULATOR_AMOUNT,
    MAX_OTHER_MANAGERS,
    PointsEstimate,
    currency_to_points,
    estimate_points,
    points_to_currency,
)
from .dates import SOLD_ACTIVE_MONTHS, add_months, is_sold_active, round_half_up, sold_expiry
from .metrics import csr_average, csr_month, median_tool_usage
from .points import (
    ManagedPointsOn,
    PointChanges,
    SoldGain,
    managed_change,
    managed_points,
    point_changes,
    reversal_loss,
    sold_points,
)
from .rules import (
    ASSISTED,
    DEAL_TYPES,
    DEFAULT_FX_RATES,
    DEFAULT_GROWTH_MARKETS,
    FLOOR_TIER,
    MANAGED,
    SOLD,
    SOURCED,
    TRACKS,
    FxRateRule,
    MarketRule,
    NoRuleInForce,
    PointRateRule,
    ReviewDateRule,
    RuleError,
    Rules,
    TierRule,
    UnknownCurrency,
    default_rules,
)
from .tiers import (
    Needs,
    Projection,
    credited_tier,
    meets,
    monthly_projection,
    needs_for,
    performance_tier,
    project_next_review,
    sold_expiring_before,
)

__all__ = [
    "ASSISTED",
    "DEAL_TYPES",
    "DEFAULT_FX_RATES",
    "DEFAULT_GROWTH_MARKETS",
    "FLOOR_TIER",
    "MANAGED",
    "MAX_CALCULATOR_AMOUNT",
    "MAX_OTHER_MANAGERS",
    "SOLD",
    "SOLD_ACTIVE_MONTHS",
    "SOURCED",
    "TRACKS",
    "FxRateRule",
    "ManagedPointsOn",
    "MarketRule",
    "Needs",
    "NoRuleInForce",
    "PointChanges",
    "PointRateRule",
    "PointsEstimate",
    "Projection",
    "ReviewDateRule",
    "RuleError",
    "Rules",
    "SoldGain",
    "TierRule",
    "UnknownCurrency",
    "add_months",
    "credited_tier",
    "csr_average",
    "csr_month",
    "currency_to_points",
    "default_rules",
    "estimate_points",
    "is_sold_active",
    "managed_change",
    "managed_points",
    "median_tool_usage",
    "meets",
    "monthly_projection",
    "needs_for",
    "performance_tier",
    "point_changes",
    "points_to_currency",
    "project_next_review",
    "reversal_loss",
    "round_half_up",
    "sold_expiring_before",
    "sold_expiry",
    "sold_points",
]
