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
#: An online application (网上申报) waiting for the receiving point's pre-review (预审), and one sent back
#: online for 补正 (行政许可法 §29 allows applying by electronic data exchange; §32 governs the answer).
ONLINE = "online"
ONLINE_SUPPLEMENT = "online_supplement"

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
    ONLINE: "网上申报（待预审）",
    ONLINE_SUPPLEMENT: "网上补正中",
}

_STATE_BY_LABEL = {label: code for code, label in STATE_LABELS.items()}

#: States in which the applicant may still withdraw (撤回): before a decision.
ACTIVE_STATES: frozenset[str] = frozenset(
    {REGISTERED, SUPPLEMENT, ACCEPTED, FORWARDED, SIGNED, ASSIGNED, IN_REVIEW, RETURNED, SUSPENDED, ONLINE,
     ONLINE_SUPPLEMENT}
)
#: States before the intake decision in which the §32 five-day clock runs (counter and online).
INTAKE_STATES: frozenset[str] = frozenset({REGISTERED, ONLINE})
#: States waiting for the applicant's 补正 (the case's clock is paused).
SUPPLEMENT_STATES: frozenset[str] = frozenset({SUPPLEMENT, ONLINE_SUPPLEMENT})
#: States no action leaves.
FINAL_STATES: frozenset[str] = frozenset({REFUSED, DELIVERED, WITHDRAWN})
#: States a plugin action may not lead to (decisions and endings go through the built-in steps).
PROTECTED_STATES: frozenset[str] = frozenset({REFUSED, APPROVED, DENIED, COMPLETED, DELIVERED, WITHDRAWN})
#: States in which the deadline clock runs (accepted and not yet decided, not paused).
CLOCK_STATES: frozenset[str] = frozenset({ACCEPTED, FORWARDED, SIGNED, ASSIGNED, IN_REVIEW, RETURNED})


def state_code(text: str) -> str | None:
    """The built-in state a search names, by code (``accepted``) or by label (``已受理``); None for neither."""
    return text if text in STATE_LABELS else _STATE_BY_LABEL.get(text)


def state_label(state: str | None, extra: dict[str, str] | None = None) -> str:
    """Chinese label of a state (plugin states use the label their action declared)."""
    if state is None:
        return "（新建）"
    if extra and state in extra:
        return extra[state]
    return STATE_LABELS.get(state, state)
