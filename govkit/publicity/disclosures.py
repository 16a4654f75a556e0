"""Government information disclosure (政府信息公开): catalogue, approval workflow, public queries.

Workflow: 草稿 → 已提交 → 已审核 → 已发布 → 已撤回. Authors in the responsible unit draft and
submit; a 公开审核 reviewer of the same subtree approves (recorded as the approver) or sends the
entry back to draft, publishes it and may withdraw it. The reviewer who approves may be neither the
entry's author nor its submitter (职责分离; 《政府信息公开条例》第十七条: 行政机关应当建立健全政府信息公开审查机制).
Plain Python: no Flask imports.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govkit.cases.workflow import check_separation
from govkit.orm import utcnow
from govkit.errors import InvalidTransition, PermissionDenied, UploadRejected, ValidationError
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.publicity.disclosure_catalogue import GROUPS, TOP
from govkit.publicity.models import Disclosure, DisclosureAttachment, DisclosureCategory

DRAFT, SUBMITTED, APPROVED, PUBLISHED, WITHDRAWN = "草稿", "已提交", "已审核", "已发布", "已撤回"
STATES = (DRAFT, SUBMITTED, APPROVED, PUBLISHED, WITHDRAWN)
REVIEWER_ROLE = "公开审核"

#: Files a disclosure may carry (public documents; no executables, no HTML).
ALLOWED_EXTENSIONS = {".pdf": "application/pdf", ".ofd": "application/ofd", ".doc": "application/msword",
                      ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      ".xls": "application/vnd.ms-excel",
                      ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".txt": "text/plain"}


def seed_categories(session: Session) -> int:
    """Create the disclosure catalogue of seed 004's annex (idempotent); return rows added."""
    existing = set(session.scalars(select(DisclosureCategory.code)))
    added = 0

    def add(code: str, name: str, parent: DisclosureCategory | None, position: int, unit: str | None = None):
        nonlocal added
        if code in existing:
            return session.scalar(select(DisclosureCategory).where(DisclosureCategory.code == code))
        row = DisclosureCategory(code=code, name=name, parent=parent, position=position, default_unit=unit)
        session.add(row)
        session.flush()
        added += 1
        return row

    top = add(TOP[0], TOP[1], None, 1)
    for g, (group_code, group_name, entries) in enumerate(GROUPS, start=1):
        group = add(group_code, group_name, top, g)
        for number, name, unit in entries:
            add(f"{group_code}.{number}", name, group, number, unit)
    session.flush()
    return added


def leaf_categories(session: Session) -> list[DisclosureCategory]:
    """Categories entries can be filed under (those without children), in catalogue order."""
    parents = select(DisclosureCategory.parent_id).where(DisclosureCategory.parent_id.is_not(None))
    return list(session.scalars(
        select(DisclosureCategory).where(DisclosureCategory.id.not_in(parents))
        .order_by(DisclosureCategory.parent_id, DisclosureCategory.position)
    ))


def create_draft(session: Session, scope: Scope, *, title: str, category_id: int, division_code: str,
                 responsible_unit: str | None = None, content: str = "", doc_number: str | None = None,
                 author: str | None = None) -> Disclosure:
    """Create a draft entry for ``division_code`` (must be in the author's scope)."""
    scope.check(division_code)
    title = (title or "").strip()
    if not title:
        raise ValidationError("请填写公开信息的标题。")
    category = session.get(DisclosureCategory, category_id)
    if category is None:
        raise ValidationError("请选择公开目录类别。")
    division = session.scalar(select(Division).where(Division.code == division_code))
    if division is None:
        raise ValidationError(f"行政区划 {division_code} 不存在。")
    entry = Disclosure(title=title, category=category, division=division, division_code=division.code,
                       responsible_unit=(responsible_unit or category.default_unit or division.name).strip(),
                       content=content or "", doc_number=doc_number, state=DRAFT, created_by=author,
                       created_by_id=scope.user_id)
    session.add(entry)
    session.flush()
    return entry


def _require_state(entry: Disclosure, *allowed: str, action: str) -> None:
    if entry.state not in allowed:
        raise InvalidTransition(f"当前状态为“{entry.state}”，不能{action}；"
                                f"只有“{'/'.join(allowed)}”状态的条目可以{action}。")


def _require_reviewer(scope: Scope, entry: Disclosure) -> None:
    scope.check(entry.division_code)
    if not scope.has_role(REVIEWER_ROLE):
        raise PermissionDenied("只有公开审核人员可以审核、发布或撤回政府信息。")


def update_draft(session: Session, scope: Scope, entry: Disclosure, **fields) -> Disclosure:
    """Edit title/content/unit/number/category of a draft."""
    scope.check(entry.division_code)
    _require_state(entry, DRAFT, action="修改")
    for name in ("title", "content", "responsible_unit", "doc_number", "category_id"):
        if name in fields and fields[name] is not None:
            setattr(entry, name, fields[name])
    if not (entry.title or "").strip():
        raise ValidationError("请填写公开信息的标题。")
    session.flush()
    return entry


def submit(session: Session, scope: Scope, entry: Disclosure) -> Disclosure:
    """Submit a draft for review (草稿 → 已提交)."""
    scope.check(entry.division_code)
    _require_state(entry, DRAFT, action="提交审核")
    if not (entry.content or "").strip() and not entry.attachments:
        raise ValidationError("正文和附件不能都为空，请补充公开内容后再提交。")
    entry.state, entry.submitted_at, entry.submitted_by_id = SUBMITTED, utcnow(), scope.user_id
    session.flush()
    return entry


def approve(session: Session, scope: Scope, entry: Disclosure, *, approver_name: str,
            comment: str | None = None) -> Disclosure:
    """Approve a submitted entry (已提交 → 已审核), recording the approver (公开审核)."""
    _require_reviewer(scope, entry)
    _require_state(entry, SUBMITTED, action="审核通过")
    check_separation("审核通过", scope.user_id, [("起草", entry.created_by_id), ("提交审核", entry.submitted_by_id)])
    entry.state, entry.approved_at = APPROVED, utcnow()
    entry.approver_id, entry.approver_name, entry.review_comment = scope.user_id, approver_name, comment
    session.flush()
    return entry


def reject(session: Session, scope: Scope, entry: Disclosure, *, comment: str) -> Disclosure:
    """Send a submitted entry back to draft with the reviewer's comment."""
    _require_reviewer(scope, entry)
    _require_state(entry, SUBMITTED, action="退回修改")
    if not (comment or "").strip():
        raise ValidationError("退回时请写明需要修改的内容。")
    entry.state, entry.review_comment = DRAFT, comment
    session.flush()
    return entry


def publish(session: Session, scope: Scope, entry: Disclosure) -> Disclosure:
    """Publish an approved entry (已审核 → 已发布)."""
    _require_reviewer(scope, entry)
    _require_state(entry, APPROVED, action="发布")
    entry.state, entry.published_at, entry.withdrawn_at = PUBLISHED, utcnow(), None
    session.flush()
    return entry


def withdraw(session: Session, scope: Scope, entry: Disclosure, *, reason: str) -> Disclosure:
    """Withdraw a published entry (已发布 → 已撤回) with a reason."""
    _require_reviewer(scope, entry)
    _require_state(entry, PUBLISHED, action="撤回")
    if not (reason or "").strip():
        raise ValidationError("撤回时请写明原因。")
    entry.state, entry.withdrawn_at, entry.withdraw_reason = WITHDRAWN, utcnow(), reason
    session.flush()
    return entry


def add_attachment(session: Session, scope: Scope, entry: Disclosure, storage_dir: str | os.PathLike,
                   filename: str, data: bytes, max_bytes: int) -> DisclosureAttachment:
    """Store a file for a draft entry under its SHA-256 in ``storage_dir/disclosures``."""
    scope.check(entry.division_code)
    _require_state(entry, DRAFT, action="添加附件")
    name = Path(filename or "").name.strip()
    ext = Path(name).suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadRejected(f"附件“{name}”的类型不允许；可上传 {'、'.join(sorted(ALLOWED_EXTENSIONS))} 文件。")
    if not data:
        raise UploadRejected("附件是空文件，请重新选择。")
    if len(data) > max_bytes:
        raise UploadRejected(f"附件超过 {max_bytes // (1024 * 1024)} MB，请压缩后再上传。")
    digest = hashlib.sha256(data).hexdigest()
    path = attachment_path(storage_dir, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    row = DisclosureAttachment(disclosure=entry, filename=name[:200], sha256=digest,
                               content_type=ALLOWED_EXTENSIONS[ext], size=len(data))
    session.add(row)
    session.flush()
    return row


def attachment_path(storage_dir: str | os.PathLike, sha256: str) -> Path:
    """Where an attachment's bytes live (outside the web root)."""
    return Path(storage_dir) / "disclosures" / sha256[:2] / sha256


@dataclass(frozen=True)
class Page:
    items: list[Disclosure]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def category_and_descendants(session: Session, category_id: int) -> set[int]:
    """``category_id`` and every category below it (the catalogue is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in session.execute(select(DisclosureCategory.id, DisclosureCategory.parent_id)):
        children.setdefault(parent, []).append(cid)
    found, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, ()))
    return found


def published(session: Session, *, q: str | None = None, category_id: int | None = None,
              page: int = 1, per_page: int = 20) -> Page:
    """Published entries, newest first, optionally filtered by words and category (public list)."""
    query = select(Disclosure).where(Disclosure.state == PUBLISHED)
    if q and q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(Disclosure.title.ilike(like), Disclosure.content.ilike(like),
                                Disclosure.doc_number.ilike(like)))
    if category_id:
        query = query.where(Disclosure.category_id.in_(category_and_descendants(session, category_id)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = session.scalars(query.order_by(Disclosure.published_at.desc(), Disclosure.id.desc())
                           .limit(per_page).offset((page - 1) * per_page))
    return Page(list(rows), total, page, per_page)


def published_entry(session: Session, entry_id: int) -> Disclosure | None:
    """One published entry, or None (drafts and withdrawn entries are not public)."""
    entry = session.get(Disclosure, entry_id)
    return entry if entry is not None and entry.state == PUBLISHED else None
