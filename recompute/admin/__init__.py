"""Admin of the recompute app: the program's rules (drafts, the rule-change preview,
publishing), the recompute runs, and the partner list, whose actions run the recompute."""

from recompute.admin import partners, rules, runs

__all__ = ["partners", "rules", "runs"]
