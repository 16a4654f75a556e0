"""``govkit export county``: a county's rows, files and a verifiable manifest; refused without an administrator."""
from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from govkit.audit.models import AuditEntry
from govkit.cases.models import Attachment, Case, CaseEvent
from govkit.errors import GovkitError
from govkit.jobs import cli
from govkit.jobs.county_export import export_county, verify_export
from govkit.online.models import Applicant
from govkit.testing.fixtures import ensure_division
from tests.publicity.world import COUNTY, add_staff, make_case, make_world


def _county(app, db, tmp_path):
    world = make_world(db.session)
    ours = [make_case(db.session, world, number=f"62100210020100000{n}") for n in range(3)]
    other_town = ensure_division(db.session, "621003100000", "邻县城关镇")
    other_village = ensure_division(db.session, "621003100201", "邻县东关村")
    ensure_division(db.session, "621003000000", "邻县")
    theirs = make_case(db.session, world, number="621003100201000009", division=other_town, accepting=other_village)
    account = Applicant(name="欧阳秀英", id_number="62100219800101002X", phone="13912345678",
                        password_hash="pbkdf2:secret-hash")
    db.session.add(account)
    db.session.flush()
    ours[0].applicant_account_id = account.id
    content = b"%PDF-1.4 scan of the household register"
    sha = hashlib.sha256(content).hexdigest()
    stored = tmp_path / "storage" / sha[:2] / sha[2:4] / sha
    stored.parent.mkdir(parents=True)
    stored.write_bytes(content)
    db.session.add(Attachment(case_id=ours[0].id, sha256=sha, filename="户口簿.pdf", content_type="application/pdf",
                              size=len(content)))
    db.session.add(Attachment(case_id=theirs.id, sha256="0" * 64, filename="邻县.pdf", content_type="application/pdf",
                              size=1))
    sm = app.appbuilder.sm
    sm.add_user("boss", "管理员", "", "boss@example.invalid", sm.find_role("Admin"), password="pw-123456")
    clerk = add_staff(app, db.session, world.town, name="王受理")
    db.session.commit()
    return world, ours, theirs, sha, clerk


def test_a_county_export_has_its_rows_and_files_only_and_a_manifest_that_verifies(app, db, tmp_path):
    world, ours, theirs, sha, clerk = _county(app, db, tmp_path)
    stages = []
    result = export_county(db.session, COUNTY, tmp_path / "out", admin="boss", storage_dir=tmp_path / "storage",
                           progress=lambda done, total, stage: stages.append((done, total, stage)))
    out = tmp_path / "out"
    rows = {path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            for path in out.glob("*.jsonl")}
    # counts match the database: the county's cases, their events and attachments; the neighbour's absent
    our_ids = {case.id for case in ours}
    assert {row["id"] for row in rows["gk_case"]} == our_ids
    events = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(CaseEvent.case_id.in_(our_ids)))
    assert len(rows["gk_case_event"]) == events and {r["case_id"] for r in rows["gk_case_event"]} == our_ids
    assert [r["sha256"] for r in rows["gk_attachment"]] == [sha]
    assert "621003" not in (out / "gk_case.jsonl").read_text(encoding="utf-8")
    assert {r["code"] for r in rows["gk_division"]} == {COUNTY, world.town.code, world.village.code,
                                                         world.other_town.code}
    # personal data included (the county's own), secrets not
    assert rows["gk_case"][0]["applicant_id_number"] == "62100219800101002X"
    assert rows["gk_applicant"] == [{k: v for k, v in rows["gk_applicant"][0].items() if k != "password_hash"}]
    assert "password_hash" not in rows["gk_applicant"][0] and rows["gk_applicant"][0]["phone"] == "13912345678"
    assert [u["username"] for u in rows["ab_user"]] == [db.session.get(type(clerk), clerk.id).user.username]
    assert "password" not in rows["ab_user"][0]
    assert {"gk_implementation", "gk_material", "gk_staff", "gk_department"} <= set(rows)
    # the files and the manifest
    assert (out / "files" / sha).read_bytes().startswith(b"%PDF") and result.files == 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == {name: len(found) for name, found in rows.items()} == result.tables
    assert manifest["exported_by"] == "boss" and "gk_audit_entry" in manifest["not_exported"]
    assert manifest["files"][f"files/{sha}"]["sha256"] == sha
    assert verify_export(out) == []
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert f"{sha}  files/{sha}" in sums and len(sums) == len(manifest["files"])
    assert stages[-1] == (result.rows, result.rows, "完成")
    # audited, with the administrator's name
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "导出")).all()
    assert entry.actor == "boss" and entry.row_key == COUNTY and f"{result.rows} 行" in entry.summary
    # guard: the manifest check finds a changed file
    (out / "gk_case.jsonl").write_text("{}\n", encoding="utf-8")
    assert verify_export(out) == ["文件 gk_case.jsonl 与清单不符（SHA-256 或大小不同）"]


def test_an_export_is_refused_without_an_administrator_and_writes_nothing(app, db, tmp_path, monkeypatch):
    _, _, _, _, clerk = _county(app, db, tmp_path)
    clerk_name = db.session.get(type(clerk), clerk.id).user.username
    for admin, reason in ((clerk_name, "不是在用的系统管理员"), ("nobody", "不存在")):
        with pytest.raises(GovkitError, match=reason):
            export_county(db.session, COUNTY, tmp_path / "out", admin=admin, storage_dir=tmp_path / "storage")
    with pytest.raises(GovkitError, match="区划代码 621099000000 不存在"):
        export_county(db.session, "621099000000", tmp_path / "out", admin="boss", storage_dir=tmp_path / "storage")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(GovkitError, match="已存在且不为空"):
        export_county(db.session, COUNTY, tmp_path / "full", admin="boss", storage_dir=tmp_path / "storage")
    monkeypatch.setattr(cli, "make_app", lambda **_: app)
    refused = CliRunner().invoke(cli.export_group, ["county", COUNTY, str(tmp_path / "out"), "--admin", clerk_name])
    assert refused.exit_code == 1 and "系统管理员" in refused.output and "没有写入任何数据" in refused.output
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("out")]  # no target, no .partial folder
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "导出")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 4
