"""Decision wording by item type (按事项类型的决定用语): the one place that says what a decision is called.

A 低保 decision is not a licence: 行政许可法 §38 speaks of 准予/不予行政许可, a 行政确认 is
予以确认/不予确认, a 行政给付 is 给付/不予给付, and a 公共服务 (or any other type) is simply
办结.  The printed decision documents, the 送达回证, the desk's case page and the public
timeline all take their words from :func:`wording_for`, so they never disagree.
Plain Python, no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass

from govkit.catalog.models import ITEM_TYPES

__all__ = ["DecisionWording", "wording_for", "decision_label", "WORDINGS"]


@dataclass(frozen=True)
class DecisionWording:
    """The words for one item type: ``grant``/``deny`` (准予行政许可/不予行政许可) and the document titles."""

    item_type: str  # national code, e.g. "01"
    grant: str  # 准予行政许可 / 予以确认 / 给付 / 予以办结
    deny: str  # 不予行政许可 / 不予确认 / 不予给付 / 不予办理
    grant_title: str  # 准予行政许可决定书 / 予以确认决定书 / 给付决定书 / 办结通知书
    deny_title: str
    #: True when the decision is an administrative decision the applicant may challenge (复议/诉讼).
    appealable: bool = True

    @property
    def type_name(self) -> str:
        """行政许可 / 行政确认 / … ("" for an unknown code)."""
        return ITEM_TYPES.get(self.item_type, "")

    def label(self, decision: str | None) -> str:
        """The word for a case's ``decision`` ("approved"/"denied"); "" when undecided."""
        return {"approved": self.grant, "denied": self.deny}.get(decision or "", "")

    def title(self, decision: str | None) -> str:
        """The document title for a case's ``decision``; "" when undecided."""
        return {"approved": self.grant_title, "denied": self.deny_title}.get(decision or "", "")

    def state_labels(self) -> dict[str, str]:
        """Labels of the decision states (``approved``/``denied``) for this item type."""
        return {"approved": self.grant, "denied": self.deny}

    def action_labels(self) -> dict[str, str]:
        """Labels of the decision actions (``approve``/``deny``) for this item type."""
        return {"approve": self.grant, "deny": self.deny}


WORDINGS: dict[str, DecisionWording] = {
    "01": DecisionWording("01", "准予行政许可", "不予行政许可", "准予行政许可决定书",
                          "不予行政许可决定书"),  # 行政许可法 §38
    "07": DecisionWording("07", "予以确认", "不予确认", "予以确认决定书", "不予确认决定书"),
    "05": DecisionWording("05", "给付", "不予给付", "给付决定书", "不予给付决定书"),
}


def wording_for(item_type: str | None) -> DecisionWording:
    """The wording of an item type (national code or name); 公共服务 and other types get 办结 wording."""
    code = item_type or ""
    if code not in ITEM_TYPES:
        code = next((c for c, name in ITEM_TYPES.items() if name == code), code)
    return WORDINGS.get(code) or DecisionWording(code, "予以办结", "不予办理", "办结通知书", "不予办理通知书",
                                                 appealable=code in ITEM_TYPES and code != "20")


def decision_label(item_type: str | None, decision: str | None) -> str:
    """Shortcut: the word for ``decision`` of an item of ``item_type`` (准予行政许可, 不予给付 …)."""
    return wording_for(item_type).label(decision)
