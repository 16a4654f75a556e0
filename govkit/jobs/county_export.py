"""县级数据导出: every row in a county's scope, its files and a manifest with SHA-256 per file.

When a county leaves a city or provincial platform (or changes vendor), it takes its own data with it:
``govkit export county <区划代码> <目录> --admin <管理员>`` writes

* ``<表名>.jsonl`` — one JSON object per row for every table with rows in the county's scope, personal data
  included (it is the county's own data; 个人信息保护法第十三条第一款第三项/第五项: 履行法定职责). Which rows
  belong to the county follows the schema itself (:func:`scopes`): a case's row (events, materials, attachments,
  documents, ratings … — anything with a ``case_id``) is the county's when its case is; any other row when one of
  its division code columns (``…division_code``, ``gk_division.code``) or division ids lies in the county's
  subtree, or — for a table without such a column — when a row it belongs to (a foreign key to a county table)
  is the county's. ``gk_outbox`` rows follow their payload's ``division_code``.
  The county's staff accounts (``ab_user``, without password hashes) and the applicant accounts its cases,
  questions and requests name (``gk_applicant``, without password hashes) come along; tables shared by the
  platform (roles, permissions, the catalogue of items, the calendar, the audit trail) do not;
* ``files/<sha256>`` — every stored file those rows name: case attachments, issued documents' frozen PDFs
  (行政许可法第四十条/第四十四条: the decisions as issued), disclosure attachments and online uploads;
* ``manifest.json`` — division, time, administrator, row counts per table, the tables not exported and why,
  and the SHA-256 and size of every file written; ``SHA256SUMS`` — the same digests for ``sha256sum -c``.

Nothing half-written: the export goes to ``<目录>.partial-…`` and is renamed at the end; a target that exists
and is not empty is refused. Only an active user with the role Admin may export, and every export is one entry
of the audit trail (who, which division, how many rows and files, where). Plain Python over a Session.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govkit.audit.trail import record
from govkit.db import metadata
from govkit.errors import GovkitError
from govkit.hierarchy.codes import subtree_prefix
from govkit.hierarchy.models import Division
from govkit import models as _models  # noqa: F401  (every table in the metadata)

#: Accounts exported only as far as county rows name them, without these columns.
SECRET_COLUMNS = {"ab_user": {"password"}, "gk_applicant": {"password_hash"}}
#: Shared by the platform or secrets: never part of a county's export.
SHARED_TABLES = frozenset({"ab_api_key", "gk_audit_entry", "gk_login_failure", "gk_one_time_code",
                           "gk_session_epoch", "gk_password_change_required", "gk_runtime_setting"})
#: Foreign keys that name who did something or a shared record, not the row a row belongs to.
_NOT_OWNERS = frozenset({"ab_user", "gk_applicant", "gk_service_item", "gk_disclosure_category"})
#: Columns holding the SHA-256 of a file in the file store.
FILE_COLUMNS = {"gk_attachment": "sha256", "gk_issued_document": "sha256", "gk_disclosure_attachment": "sha256",
                "gk_online_upload": "sha256", "gk_online_application": "consent_signature_sha256"}
ADMIN_ROLE = "Admin"
BATCH = 1000

Progress = Callable[[int, int, str], None]


@dataclass
class CountyExport:
    """What one export wrote."""

    division_code: str
    directory: Path
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    missing_files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def summary(self) -> str:
        missing = f"，{len(self.missing_files)} 个文件在存储目录中缺失" if self.missing_files else ""
        return (f"区划 {self.division_code} 的数据已导出到 {self.directory}：{len(self.tables)} 张表 {self.rows} 行，"
                f"{self.files} 个文件{missing}")


def scopes(prefix: str) -> tuple[dict[str, sa.ColumnElement[bool]], dict[str, str]]:
    """({table: the condition of its county rows}, {table: why it is not exported}) for a division prefix."""
    tables = metadata.tables
    conditions: dict[str, sa.ColumnElement[bool]] = {}
    skipped: dict[str, str] = {}
    divisions = tables["gk_division"]
    in_county = sa.select(divisions.c.id).where(divisions.c.code.like(prefix + "%"))
    for table in metadata.sorted_tables:  # parents before children
        name = table.name
        if name in SHARED_TABLES:
            skipped[name] = "平台共用或属于账号安全的数据"
            continue
        if name == "gk_division":
            conditions[name] = table.c.code.like(prefix + "%")
            continue
        if name in SECRET_COLUMNS or name == "gk_outbox":
            continue  # by reference (below) / by payload (rows_of)
        codes = [c for c in table.c if c.name.endswith("division_code")]
        ids = [fk.parent for fk in table.foreign_keys if fk.column.table is divisions]
        own = sa.or_(sa.false(), *(c.like(prefix + "%") for c in codes), *(c.in_(in_county) for c in ids))
        case = [fk for fk in table.foreign_keys if fk.parent.name == "case_id" and fk.column.table.name == "gk_case"]
        if case:  # a case's row (its event, its document) belongs where the case belongs
            of_case = case[0].parent.in_(sa.select(case[0].column).where(conditions["gk_case"]))
            conditions[name] = sa.or_(of_case, sa.and_(case[0].parent.is_(None), own)) if codes or ids else of_case
            continue
        if codes or ids:
            conditions[name] = own
            continue
        owners = [fk for fk in table.foreign_keys if fk.column.table.name in conditions
                  and fk.column.table.name not in _NOT_OWNERS and fk.column.table is not table]
        if owners:
            conditions[name] = sa.or_(*(fk.parent.in_(sa.select(fk.column).where(conditions[fk.column.table.name]))
                                        for fk in owners))
        else:
            skipped[name] = "平台共用（与区划无关）"
    for name in SECRET_COLUMNS:  # accounts the county's rows name
        table = tables[name]
        refs = [sa.select(fk.parent).where(conditions[child.name])
                for child in metadata.sorted_tables if child.name in conditions
                for fk in child.foreign_keys if fk.column.table is table
                and (name != "ab_user" or child.name == "gk_staff")]
        conditions[name] = table.c.id.in_(sa.union(*refs)) if refs else sa.false()
    return conditions, skipped


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def _in_county(payload: Any, prefix: str) -> bool:
    code = payload.get("division_code") if isinstance(payload, dict) else None
    return isinstance(code, str) and code.startswith(prefix)


def rows_of(session: Session, name: str, condition: sa.ColumnElement[bool] | None, prefix: str
            ) -> Iterator[dict[str, Any]]:
    """The county rows of one table, in primary-key order, streamed."""
    table = metadata.tables[name]
    columns = [c for c in table.c if c.name not in SECRET_COLUMNS.get(name, ())]
    query = sa.select(*columns).order_by(*table.primary_key.columns)
    if condition is not None:
        query = query.where(condition)
    result = session.execute(query.execution_options(yield_per=BATCH))
    for row in result.mappings():
        if name == "gk_outbox" and not _in_county(row["payload"], prefix):
            continue
        yield {key: _plain(value) for key, value in row.items()}


def _admin(session: Session, username: str) -> None:
    users, roles, links = (metadata.tables[n] for n in ("ab_user", "ab_role", "ab_user_role"))
    found = session.execute(sa.select(users.c.active, roles.c.name)
                            .select_from(users.outerjoin(links, links.c.user_id == users.c.id)
                                         .outerjoin(roles, roles.c.id == links.c.role_id))
                            .where(users.c.username == username)).all()
    if not found:
        raise GovkitError(f"用户 {username} 不存在：县级数据导出须由系统管理员执行（--admin 管理员用户名）。")
    if not found[0].active or ADMIN_ROLE not in {row.name for row in found}:
        raise GovkitError(f"用户 {username} 不是在用的系统管理员：县级数据导出含个人信息，须由系统管理员执行。")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_county(session: Session, division_code: str, directory: str | os.PathLike, *, admin: str,
                  storage_dir: str | os.PathLike, progress: Progress | None = None) -> CountyExport:
    """Export every row and file of ``division_code``'s subtree into ``directory`` (see the module)."""
    _admin(session, admin)
    division = session.scalar(sa.select(Division).where(Division.code == division_code))
    if division is None:
        raise GovkitError(f"区划代码 {division_code} 不存在，没有导出任何数据。")
    target = Path(directory).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise GovkitError(f"目录 {target} 已存在且不为空：请指定新的或空的目录，已有文件不会被覆盖。")
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = subtree_prefix(division.code)
    conditions, skipped = scopes(prefix)
    names = [t.name for t in metadata.sorted_tables if t.name in conditions] + ["gk_outbox"]
    conditions["gk_outbox"] = None  # type: ignore[assignment]  # filtered by payload
    counts = {name: session.scalar(sa.select(sa.func.count()).select_from(metadata.tables[name])
                                   .where(conditions[name] if conditions[name] is not None else sa.true()))
              for name in names}
    total, done = sum(counts.values()), 0
    result = CountyExport(division.code, target)
    work = Path(tempfile.mkdtemp(prefix=target.name + ".partial-", dir=target.parent))
    store, digests, hashes = Path(storage_dir), {}, set()
    try:
        (work / "files").mkdir()
        for name in names:
            if not counts[name]:
                continue
            file_column, written = FILE_COLUMNS.get(name), 0
            with (work / f"{name}.jsonl").open("w", encoding="utf-8") as out:
                for row in rows_of(session, name, conditions[name], prefix):
                    out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                    written += 1
                    if file_column and row.get(file_column):
                        hashes.add(row[file_column])
                    done += 1
                    if progress and done % BATCH == 0:
                        progress(done, total, name)
            if written:
                result.tables[name] = written
        for sha in sorted(hashes):
            source = store / sha[:2] / sha[2:4] / sha
            if len(sha) != 64 or not source.is_file():
                result.missing_files.append(sha)
                continue
            shutil.copyfile(source, work / "files" / sha)
            result.files += 1
        for path in sorted(p for p in work.rglob("*") if p.is_file()):
            digests[path.relative_to(work).as_posix()] = (_sha256(path), path.stat().st_size)
        manifest = {"format": "govkit-county-export/1", "division_code": division.code, "division_name": division.name,
                    "exported_at": datetime.now(timezone.utc).isoformat(), "exported_by": admin,
                    "tables": result.tables, "not_exported": skipped, "missing_files": result.missing_files,
                    "files": {path: {"sha256": sha, "bytes": size} for path, (sha, size) in digests.items()}}
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        (work / "SHA256SUMS").write_text("".join(f"{sha}  {path}\n" for path, (sha, _) in digests.items()),
                                         encoding="utf-8")
        record(session, action="导出", table_name="gk_division", row_key=division.code, actor=admin,
               summary=f"县级数据导出（含个人信息）：{result.rows} 行，{result.files} 个文件，至 {target}")
        if target.exists():
            target.rmdir()
        work.rename(target)
        work = target
        session.commit()  # the audit entry: an export that is not recorded does not stay on disk
    except BaseException:
        session.rollback()
        shutil.rmtree(work, ignore_errors=True)
        raise
    if progress:
        progress(total, total, "完成")
    return result


def verify_export(directory: str | os.PathLike) -> list[str]:
    """The files of an export whose SHA-256 or size differs from its manifest, or that are missing or extra."""
    root = Path(directory)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["files"]
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"manifest.json",
                                                                                           "SHA256SUMS"}
    problems = [f"多出的文件 {path}" for path in sorted(present - set(listed))]
    for path, expected in listed.items():
        file = root / path
        if not file.is_file():
            problems.append(f"缺少文件 {path}")
        elif file.stat().st_size != expected["bytes"] or _sha256(file) != expected["sha256"]:
            problems.append(f"文件 {path} 与清单不符（SHA-256 或大小不同）")
    return problems
