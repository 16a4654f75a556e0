"""Decision words by item type: one module for documents, case page, timeline and delivery receipt."""
from __future__ import annotations

import pytest

from govkit.catalog.wording import decision_label, wording_for


@pytest.mark.parametrize("item_type,grant,deny,grant_title,deny_title", [
    ("01", "准予行政许可", "不予行政许可", "准予行政许可决定书", "不予行政许可决定书"),
    ("行政确认", "予以确认", "不予确认", "予以确认决定书", "不予确认决定书"),
    ("05", "给付", "不予给付", "给付决定书", "不予给付决定书"),
    ("20", "予以办结", "不予办理", "办结通知书", "不予办理通知书"),
    (None, "予以办结", "不予办理", "办结通知书", "不予办理通知书"),
])
def test_wording_by_item_type(item_type, grant, deny, grant_title, deny_title):
    wording = wording_for(item_type)
    assert (wording.label("approved"), wording.label("denied")) == (grant, deny)
    assert (wording.title("approved"), wording.title("denied")) == (grant_title, deny_title)
    assert wording.label(None) == "" and wording.title(None) == ""
    assert wording.state_labels() == {"approved": grant, "denied": deny}
    assert wording.action_labels() == {"approve": grant, "deny": deny}


def test_only_a_licence_is_a_licence():
    assert decision_label("07", "approved") != "准予许可"
    assert decision_label("01", "approved") == "准予行政许可"
    assert wording_for("01").type_name == "行政许可" and wording_for("05").type_name == "行政给付"
    assert wording_for("01").appealable and wording_for("07").appealable and not wording_for("20").appealable
