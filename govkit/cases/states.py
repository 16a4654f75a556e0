"""Case states (办件状态) of the default workflow and their Chinese labels."""
from __future__ import annotations

REGISTERED = "registered"
SUPPLEMENT = "supplement"
REFUSED = "refused"
ACCEPTED = "accepted"
FORWARDED = "forwarded"
SIGNED = "signed"
ASSIGNED = "assigned"
IN_REVIEW = "in_review"
RETURNED = "returned"
SUSPENDED = "suspended"
APPROVED = "approved"
DENIED = "denied"
COMPLETED = "completed"
DELIVERED = "delivered"
WITHDRAWN = "withdrawn"

STATE_LABELS: dict[str, str] = {
    REGISTERED: "已登记",
    SUPPLEMENT: "待补正",
    REFUSED: "不予受理",
    ACCEPTED: "已受理",
    FORWARDED: "已上报待签收",
    SIGNED: "已签收",
    ASSIGNED: "已分派",
    IN_REVIEW: "审查中",
    RETURNED: "已退回",
    SUSPENDED: "特别程序中",
    APPROVED: "准予许可",
    DENIED: "不予许可",
    COMPLETED: "已办结",
    DELIVERED: "已送达",
    WITHDRAWN: "已撤回",
}

#: States in which the applicant may still withdraw (撤回): before a decision.
ACTIVE_STATES: frozenset[str] = frozenset(
    {REGISTERED, SUPPLEMENT, ACCEPTED, FORWARDED, SIGNED, ASSIGNED, IN_REVIEW, RETURNED, SUSPENDED}
)
#: States no action leaves.
FINAL_STATES: frozenset[str] = frozenset({REFUSED, DELIVERED, WITHDRAWN})
#: States a plugin action may not lead to (decisions and endings go through the built-in steps).
PROTECTED_STATES: frozenset[str] = frozenset({REFUSED, APPROVED, DENIED, COMPLETED, DELIVERED, WITHDRAWN})
#: States in which the deadline clock runs (accepted and not yet decided, not paused).
CLOCK_STATES: frozenset[str] = frozenset({ACCEPTED, FORWARDED, SIGNED, ASSIGNED, IN_REVIEW, RETURNED})


def state_label(state: str | None, extra: dict[str, str] | None = None) -> str:
    """Chinese label of a state (plugin states use the label their action declared)."""
    if state is None:
        return "（新建）"
    if extra and state in extra:
        return extra[state]
    return STATE_LABELS.get(state, state)
