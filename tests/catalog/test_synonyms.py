"""Item synonyms (别名简称, issue 22 item 8): in the model, the import/export and the admin screen.

Before: the public search found nothing for 低保, 户口 or 医保 because items only had their official names.
The searches themselves are tested in tests/publicity/test_portal.py and tests/desk/test_finder.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govkit.catalog import services, transfer
from govkit.catalog.models import ServiceItem
from govkit.errors import ValidationError
from govkit.testing.fixtures import ensure_division

from .conftest import COUNTY, make_item

pytestmark = pytest.mark.both_backends


def test_synonyms_are_cleaned_deduplicated_and_bounded():
    assert services.clean_synonyms("低保，低保金 低保金;吃低保") == "低保、低保金、吃低保"
    assert services.clean_synonyms(["医保", " 医保 ", "新农合"]) == "医保、新农合"
    assert services.clean_synonyms("  ") is None and services.clean_synonyms(None) is None
    with pytest.raises(ValidationError, match="别名简称"):
        services.clean_synonyms("长" * 51)


@pytest.mark.parametrize("fmt", transfer.FORMATS)
def test_synonyms_survive_export_and_import_and_a_file_without_the_column_keeps_them(divisions, empty_session, fmt):
    make_item(divisions, synonyms="低保，低保金")
    divisions.commit()
    data = transfer.export_catalog(divisions, fmt)
    transfer.import_catalog(empty_session, data, fmt)
    empty_session.commit()
    item = empty_session.scalar(select(ServiceItem))
    assert item.synonyms == "低保、低保金"
    if fmt == "csv":  # an older file without the 别名简称 column changes nothing about them
        text = data.decode("utf-8-sig").replace(",别名简称", "").replace(",低保、低保金", "")
        transfer.import_catalog(empty_session, text.encode("utf-8"), "csv")
        empty_session.commit()
        empty_session.refresh(item)
        assert item.synonyms == "低保、低保金"


def test_admin_screen_edits_synonyms(app, client, db, login_as):
    ensure_division(db.session, COUNTY)
    item = make_item(db.session)
    db.session.commit()
    login_as("事项管理员", COUNTY)
    form = client.get(f"/catalog/items/edit/{item.id}").get_data(as_text=True)
    assert "别名简称" in form and "受理台查找" in form
    response = client.post(f"/catalog/items/edit/{item.id}", data={
        "basic_code": item.basic_code, "name": item.name, "synonyms": "低保，吃低保", "item_type": "07",
        "service_object": "自然人", "exercise_level": "4"}, follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(item)
    assert item.synonyms == "低保、吃低保"
    assert "低保、吃低保" in client.get(f"/catalog/items/show/{item.id}").get_data(as_text=True)


def test_the_demo_catalog_is_found_by_what_people_call_its_items(session):
    from govkit.catalog.demo import load_demo_catalog  # deferred: the demo data, only this test loads it
    from govkit.desk.finder import find_items  # deferred: the two searches that use the synonyms
    from govkit.hierarchy.sample import load_sample
    from govkit.hierarchy.scope import Scope
    from govkit.publicity.guides import search

    load_sample(session, "demo_county")
    load_demo_catalog(session)
    session.commit()
    expected = {"低保": "最低生活保障审核确认", "户口": "户口迁移（省内）", "医保": "城乡居民基本医疗保险参保登记",
                "五保": "特困人员救助供养审核确认", "准生证": "生育登记"}
    for words, name in expected.items():
        assert name in {impl.item.name for impl in search(session, words)}, words
        assert name in {impl.item.name for impl in find_items(session, Scope.unrestricted(), words)}, words
