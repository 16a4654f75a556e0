"""Intake desk item finder: name, code, pinyin initials, only what the clerk may register."""
import pytest
from sqlalchemy import select

from govkit.desk.finder import chain_codes, find_items, initials
from govkit.hierarchy.scope import Scope

from .conftest import OTHER_TOWNSHIP, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.both_backends


def test_initials():
    assert initials("城乡居民最低生活保障") == "cxjmzdshbz"


def test_chain_codes():
    assert chain_codes(VILLAGE) == [VILLAGE, TOWNSHIP, "621002000000", "621000000000", "620000000000"]


def test_find_by_name_code_and_initials(db, world):
    scope = Scope.for_division(VILLAGE)
    for text in ("低保", "最低生活", "000105001", "zdshbz", "ZDSHBZ", "MB0000001X"):
        names = [i.name for i in find_items(db.session, scope, text)]
        assert names == ["城乡居民最低生活保障审核确认"], text
    assert find_items(db.session, scope, "没有这个事项") == []
    assert find_items(db.session, scope, "%") == []


def test_find_by_the_items_synonyms(db, world):
    """别名简称 (issue 22 item 8): what people call an item finds it at the desk too."""
    from govkit.catalog.models import ServiceItem  # deferred: only this test touches the item row

    scope = Scope.for_division(VILLAGE)
    assert find_items(db.session, scope, "吃低保") == []
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.name == "城乡居民最低生活保障审核确认"))
    item.synonyms = "吃低保、低保金"
    db.session.commit()
    for text in ("吃低保", "低保金"):
        assert [i.name for i in find_items(db.session, scope, text)] == ["城乡居民最低生活保障审核确认"], text


def test_retired_and_out_of_chain_items_are_not_offered(db, world):
    assert find_items(db.session, Scope.for_division(VILLAGE), "特困") == []  # retired
    assert [i.name for i in find_items(db.session, Scope.for_division(VILLAGE), "临时救助")] == ["临时救助申请"]
    # Another township cannot register this township's item, but sees the county's.
    assert find_items(db.session, Scope.for_division(OTHER_TOWNSHIP), "临时救助") == []
    assert len(find_items(db.session, Scope.for_division(OTHER_TOWNSHIP), "低保")) == 1
    assert find_items(db.session, Scope.nothing(), "低保") == []
    assert len(find_items(db.session, Scope.unrestricted(), "")) == 2
