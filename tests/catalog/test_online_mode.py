"""网上办理深度 (issue 22 item 2): an implementation declares 全程网办 / 网上申报+窗口核验 / 仅窗口; the services
refuse other values in Chinese, the import/export carries the column, and the public guides show it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govkit.catalog import transfer
from govkit.catalog.models import Implementation
from govkit.errors import ImportRowError, ValidationError

from .conftest import TOWN, TOWN_GOV, make_implementation, make_item, uscc


def test_default_choice_and_refusal(divisions):
    item = make_item(divisions)
    counter = make_implementation(divisions, item)
    assert counter.online_mode == "仅窗口" and not counter.online_apply
    online = make_implementation(divisions, item, body=TOWN_GOV, level=5, division_code=TOWN,
                                 online_mode="网上申报+窗口核验", department="示范镇便民服务中心")
    assert online.online_apply
    refusal = "网上办理深度：“网上办”无效，应为以下之一：全程网办、网上申报\\+窗口核验、仅窗口"
    with pytest.raises(ValidationError, match=refusal):
        make_implementation(divisions, item, online_mode="网上办", body=uscc("621099MB1111111"))


def test_import_export_carries_the_column(divisions, empty_session):
    item = make_item(divisions)
    make_implementation(divisions, item, online_mode="全程网办")
    divisions.commit()
    text = transfer.export_catalog(divisions, "csv")
    assert "网上办理深度" in text.decode("utf-8-sig") and "全程网办" in text.decode("utf-8-sig")
    transfer.import_catalog(empty_session, text, "csv")
    empty_session.commit()
    assert empty_session.scalar(select(Implementation.online_mode)) == "全程网办"
    bad = text.decode("utf-8-sig").replace("全程网办", "随便").encode("utf-8-sig")
    with pytest.raises(ImportRowError, match="网上办理深度"):
        transfer.import_catalog(empty_session, bad, "csv")
