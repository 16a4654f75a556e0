"""Division import/export: validation of every row, one transaction, idempotence, formats."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from govkit.errors import ImportRowError
from govkit.hierarchy.models import Division
from govkit.hierarchy.sample import load_sample, sample_path
from govkit.hierarchy.services import export_divisions_text, import_divisions, subtree_count

pytestmark = pytest.mark.both_backends

HEAD = "统计用区划代码,名称,城乡分类代码\n"
TREE = HEAD + """620000000000,甘肃省,
621000000000,庆阳市,
621002000000,西峰区,
621002101000,肖金镇,
621002101201,米王村委会,122
"""


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Division))


def _division(db, code: str) -> Division:
    return db.session.scalar(sa.select(Division).where(Division.code == code))


def test_sample_county_imports_as_a_tree(app, db):
    result = load_sample(db.session)
    assert result.rows == result.created == 51
    assert result.by_level == {1: 1, 2: 1, 3: 1, 4: 10, 5: 38}
    village = _division(db, "621002102204")
    assert village.name == "寺里村委会" and village.level == 5 and village.urban_rural_class == "220"
    assert [a.code for a in (village.parent, village.parent.parent)] == ["621002102000", "621002000000"]
    assert village.parent.township_kind == "镇" and _division(db, "621002201000").township_kind == "乡"
    assert subtree_count(db.session, "621002102000") == 6
    assert subtree_count(db.session, "621002000000") == 49


def test_demo_county_has_a_street_a_town_and_a_township(app, db):
    load_sample(db.session, "demo_county")
    kinds = {d.name: d.township_kind for d in db.session.scalars(sa.select(Division).where(Division.level == 4))}
    assert kinds == {"城关街道": "街道", "清河镇": "镇", "石岭乡": "乡"}
    assert db.session.scalar(sa.select(sa.func.count()).where(Division.level == 5)) == 20


def test_reimport_updates_and_never_duplicates(app, db):
    load_sample(db.session)
    renamed = sample_path().read_text(encoding="utf-8").replace("寺里村委会", "寺里村")
    again = import_divisions(db.session, io.StringIO(renamed))
    assert again.created == 0 and again.updated == 51
    assert _count(db) == 51
    assert _division(db, "621002102204").name == "寺里村"


def test_reimport_reactivates_a_retired_division(app, db):
    load_sample(db.session)
    village = _division(db, "621002102204")
    village.active, village.valid_to = False, sa.func.current_date()
    db.session.commit()
    load_sample(db.session)
    village = _division(db, "621002102204")
    assert village.active and village.valid_to is None


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(app, db):
    load_sample(db.session, "demo_county")
    before = export_divisions_text(db.session)
    bad = TREE + """62100210120,太短村,220
62100210120X,字母村,220
621002101202,二号村,999
621002109201,孤儿村,220
621002101201,米王村,122
621002101203,三号村,220
"""
    with pytest.raises(ImportRowError) as caught:
        import_divisions(db.session, io.StringIO(bad))
    errors = dict(caught.value.errors)
    assert sorted(errors) == [7, 8, 9, 10, 11]
    assert "12 位" in errors[7] and "11 位" in errors[7]
    assert "只能包含数字" in errors[8]
    assert "城乡分类代码“999”" in errors[9]
    assert "621002109000" in errors[10] and "既不在本文件中也不在数据库中" in errors[10]
    assert "第 6 行" in errors[11] and "米王村委会" in errors[11]
    assert "5 处错误" in str(caught.value)
    assert export_divisions_text(db.session) == before  # nothing partial committed


def test_parent_may_come_from_the_database(app, db):
    import_divisions(db.session, io.StringIO(TREE))
    result = import_divisions(db.session, io.StringIO(HEAD + "621002101202,二号村委会,220\n"))
    assert result.created == 1
    assert _division(db, "621002101202").parent.code == "621002101000"


def test_unsorted_file_and_duplicate_villages_with_the_same_name(app, db):
    rows = TREE.splitlines()[1:]
    shuffled = HEAD + "\n".join([rows[4], rows[4], rows[3], rows[2], rows[1], rows[0]]) + "\n"
    result = import_divisions(db.session, io.StringIO(shuffled))
    assert _count(db) == 5 and result.by_level[5] == 2  # the repeated identical row is harmless
    assert _division(db, "621002101201").parent.code == "621002101000"


def test_unsorted_duplicate_village_with_a_different_name(app, db):
    text = TREE + "621002101202,二号村委会,220\n621002101201,别名村,220\n"
    with pytest.raises(ImportRowError) as caught:
        import_divisions(db.session, io.StringIO(text))
    assert caught.value.errors == [(8, "代码 621002101201 重复：第 6 行已定义为“米王村委会”，本行为“别名村”；"
                                       "同一代码只能有一个名称。")]
    assert _count(db) == 0


def test_five_level_public_dataset_format(app, db):
    text = """code,name,level,pcode,category
620000000000,甘肃省,1,0,
621000000000,庆阳市,2,620000000000,
621002000000,西峰区,3,621000000000,
621002101000,肖金镇,4,621002000000,
621002101201,米王村委会,5,621002101000,122
"""
    result = import_divisions(db.session, io.StringIO(text), "five-level")
    assert result.created == 5 and _division(db, "621002101201").urban_rural_class == "122"
    wrong = text.replace("621002101201,米王村委会,5,621002101000", "621002101201,米王村委会,4,621002000000")
    with pytest.raises(ImportRowError) as caught:
        import_divisions(db.session, io.StringIO(wrong), "five-level")
    assert caught.value.errors[0][0] == 6 and "级别“4”" in caught.value.errors[0][1]


def test_nbs_web_page_column_order_is_recognised(app, db):
    text = TREE.replace("621002101201,米王村委会,122", "621002101201,122,米王村委会")
    import_divisions(db.session, io.StringIO(text))
    village = _division(db, "621002101201")
    assert (village.name, village.urban_rural_class) == ("米王村委会", "122")


def test_gb18030_file_is_read(app, db, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(TREE.encode("gb18030"))
    import_divisions(db.session, path)
    assert _division(db, "621002101201").name == "米王村委会"


def test_failure_while_writing_rolls_everything_back(app, db):
    load_sample(db.session, "demo_county")

    def explode(done, total, phase):
        if phase == "写入" and done > 3:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_divisions(db.session, sample_path(), progress=explode)
    assert _count(db) == 26  # only the demo county, none of the sample's rows


def test_progress_reports_both_phases(app, db):
    seen = []
    load_sample(db.session, "demo_county")
    import_divisions(db.session, sample_path(), progress=lambda d, t, p: seen.append((d, t, p)))
    assert seen[0] == (51, 51, "校验") and seen[-1] == (51, 51, "写入")


def test_export_round_trips(app, db):
    load_sample(db.session)
    text = export_divisions_text(db.session)
    assert text.splitlines()[0] == "统计用区划代码,名称,城乡分类代码"
    assert "621002102204,寺里村委会,220" in text.splitlines()
    assert text.splitlines() == sample_path().read_text(encoding="utf-8").splitlines()
    from govkit.hierarchy.scope import Scope

    township = export_divisions_text(db.session, scope=Scope.for_division("621002102000")).splitlines()
    assert len(township) == 1 + 6 and all(line.startswith("621002102") for line in township[1:])


def test_empty_file_is_an_error(app, db):
    with pytest.raises(ImportRowError):
        import_divisions(db.session, io.StringIO(HEAD))


def test_copy_source_escapes_and_streams_in_any_read_size():
    from govkit.hierarchy.services import _CopySource

    rows = [("621002101201", "米王\\村\t委会", "122"), ("621002101202", "新\n村", None)] * 1500
    expected = "".join(f"{code}\t{name}\t{cls}\n" for code, name, cls in [
        ("621002101201", "米王\\\\村\\t委会", "122"), ("621002101202", "新\\n村", "\\N")] * 1500)
    for size in (1, 7, 8192, -1):
        source, parts = _CopySource(iter(rows)), []
        while True:
            part = source.read(size)
            if not part:
                break
            parts.append(part)
            if size < 0:
                break
        assert "".join(parts) == expected, size


def test_village_names_with_quotes_and_backslashes_round_trip(app, db):
    odd = "米王'村\\委会"
    text = TREE.replace("米王村委会", odd)
    import_divisions(db.session, io.StringIO(text))
    assert _division(db, "621002101201").name == odd
    assert _division(db, "621002101201").parent.code == "621002101000"
