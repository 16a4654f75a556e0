"""Catalog services: validate, create, update, publish and search items (plain Python, no Flask).

Every check raises :class:`~govkit.errors.ValidationError` with a Chinese message that
names the field (``error.details["field"]`` holds the attribute name) so the admin
screens, the import and plugin sync report the same wording.

Versions (版本): each implementation version is one row. A new implementation, or a
revision of a published one (:func:`revise`), is a draft row with the next version
number; :func:`publish` makes it 已发布 and retires the previously published row of the
same code (effective_to + 已停用). Cases keep the ``implementation_id`` of the version they
were accepted under, so published rows are never edited in place.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable, Mapping

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govkit.catalog.codes import parse_implementation_code, validate_basic_code
from govkit.catalog.models import (COUNTER_ONLY, EXERCISE_LEVELS, HANDLING_FORMS, IMPLEMENTATION_KINDS,
                                   ITEM_TYPES, ONLINE_MODES, SERVICE_OBJECTS, Fee,
                                   Implementation, ImplementationStatus, LegalBasis, Material,
                                   ProcedureStep, ServiceItem, SpecialProcedure, national_item_type)
from govkit.catalog.fields import (LABELS, _bool, _choice, _date, _error, _int, _text, clean_fee,  # noqa: F401
                                   clean_legal_basis, clean_material, clean_special_procedure, clean_step,
                                   split_list)
from govkit.errors import ValidationError
from govkit.hierarchy.models import Department, Division
from govkit.clock import local_date

DRAFT = ImplementationStatus.DRAFT.value
PUBLISHED = ImplementationStatus.PUBLISHED.value
RETIRED = ImplementationStatus.RETIRED.value


# --- Items ------------------------------------------------------------------------------------


def find_division(session: Session, code: str | None, field: str = "division_code") -> Division:
    """The division with 12-digit ``code``, or a ValidationError telling to import it first."""
    code = (code or "").strip()
    if not code:
        raise _error(field, "不能为空，请填写 12 位统计用区划代码。")
    division = session.scalar(select(Division).where(Division.code == code))
    if division is None:
        raise _error(field, f"区划代码“{code}”在系统中不存在，请先导入该区划或核对代码。")
    return division


def clean_item(session: Session, data: Mapping[str, Any], *, existing: ServiceItem | None = None,
               check_duplicate: bool = True) -> dict[str, Any]:
    """Validate item fields; returns the normalised values (parent as ``parent_code``)."""
    try:
        basic_code = validate_basic_code(data.get("basic_code") or "")
    except ValidationError as exc:
        raise _error("basic_code", exc.message) from None
    if check_duplicate:
        query = select(ServiceItem.id).where(ServiceItem.basic_code == basic_code)
        if existing is not None and existing.id is not None:
            query = query.where(ServiceItem.id != existing.id)
        if session.scalar(query) is not None:
            raise _error("basic_code", f"“{basic_code}”已被其他事项使用，基本编码不能重复。")
    raw_type = _text(data, "item_type", required=True)
    item_type = national_item_type(session, raw_type)
    if item_type is None:
        choices = "、".join(f"{k} {v}" for k, v in ITEM_TYPES.items())
        raise _error("item_type", f"“{raw_type}”无效，应为以下之一（或事项类型对照表中的代码）：{choices}。")
    objects = split_list(_text(data, "service_object")) or ["自然人"]
    for obj in objects:
        if obj not in SERVICE_OBJECTS:
            raise _error("service_object", f"“{obj}”无效，应为以下之一：{'、'.join(SERVICE_OBJECTS)}。")
    level = _int(data, "exercise_level", default=4, minimum=1)
    if level not in EXERCISE_LEVELS:
        raise _error("exercise_level", f"应为 1–6（1 国家级 … 6 村级），实际为 {level}。")
    parent_code = _text(data, "parent_code")
    if parent_code:
        parent_code = parent_code.upper()
        if parent_code == basic_code:
            raise _error("parent_code", "不能是事项自身。")
    values = {
        "basic_code": basic_code,
        "name": _text(data, "name", required=True, max_length=200),
        "item_type": item_type,
        "service_object": "、".join(objects),
        "exercise_level": level,
        "parent_code": parent_code,
    }
    if "synonyms" in data:  # a file or caller without the column keeps the item's synonyms
        values["synonyms"] = clean_synonyms(data["synonyms"])
    return values


def clean_synonyms(value: Any) -> str | None:
    """``"低保，低保金 低保金"`` → ``"低保、低保金"``: the item's 别名/简称, deduplicated, each ≤ 50 characters."""
    if value is None:
        return None
    parts = value if isinstance(value, (list, tuple)) else split_list(re.sub(r"\s+", "、", str(value)))
    words = list(dict.fromkeys(str(part).strip() for part in parts if str(part).strip()))
    for word in words:
        if len(word) > 50:
            raise _error("synonyms", f"“{word[:20]}…”太长：每个别名或简称不超过 50 个字。")
    text = "、".join(words)
    if len(text) > 500:
        raise _error("synonyms", "别名和简称合计不超过 500 个字。")
    return text or None


def _resolve_parent(session: Session, parent_code: str | None) -> ServiceItem | None:
    if not parent_code:
        return None
    parent = session.scalar(select(ServiceItem).where(ServiceItem.basic_code == parent_code))
    if parent is None:
        raise _error("parent_code", f"上级事项“{parent_code}”不存在，请先创建或导入上级事项。")
    return parent


def create_item(session: Session, *, legal_bases: Iterable[Mapping[str, Any]] = (), source: str = "admin",
                **fields: Any) -> ServiceItem:
    """Create a basic catalog item (基本目录事项) with its legal bases."""
    values = clean_item(session, fields)
    bases = [clean_legal_basis(b) for b in legal_bases]
    parent = _resolve_parent(session, values.pop("parent_code"))
    item = ServiceItem(**values, parent=parent, source=source)
    item.legal_bases = [LegalBasis(position=i, **b) for i, b in enumerate(bases)]
    session.add(item)
    session.flush()
    return item


def update_item(session: Session, item: ServiceItem, *, by_admin: bool = True,
                legal_bases: Iterable[Mapping[str, Any]] | None = None, **fields: Any) -> ServiceItem:
    """Change an item; an admin edit of a plugin item is remembered (sync then reports a conflict)."""
    current = {"basic_code": item.basic_code, "name": item.name, "synonyms": item.synonyms,
               "item_type": item.item_type,
               "service_object": item.service_object, "exercise_level": item.exercise_level,
               "parent_code": item.parent.basic_code if item.parent else None}
    current.update(fields)
    values = clean_item(session, current, existing=item)
    item.parent = _resolve_parent(session, values.pop("parent_code"))
    if item.parent is item:
        raise _error("parent_code", "不能是事项自身。")
    for key, value in values.items():
        setattr(item, key, value)
    if legal_bases is not None:
        replace_children(item.legal_bases, [clean_legal_basis(b) for b in legal_bases], LegalBasis)
    if by_admin:
        mark_admin_edit(item)
    session.flush()
    return item


def mark_admin_edit(obj: ServiceItem | Implementation) -> None:
    """Record that an admin changed a plugin-sourced row, so sync never overwrites it silently."""
    if (obj.source or "").startswith("plugin:"):
        obj.updated_by_admin = True


def replace_children(existing: list, new_values: list[dict[str, Any]], factory: type) -> None:
    """Update child rows in place by position (ids referenced by cases survive), add or drop the rest."""
    for position, values in enumerate(new_values):
        if position < len(existing):
            row = existing[position]
            for key, value in values.items():
                setattr(row, key, value)
            row.position = position
        else:
            existing.append(factory(position=position, **values))
    del existing[len(new_values):]


# --- Implementations --------------------------------------------------------------------------


def clean_implementation(session: Session, data: Mapping[str, Any], *, item: ServiceItem | None = None,
                         existing: Implementation | None = None, check_duplicate: bool = True) -> dict[str, Any]:
    """Validate implementation fields (code layout, USCC check char, deadlines, vocabularies, division)."""
    raw_code = _text(data, "code", required=True)
    try:
        parsed = parse_implementation_code(raw_code)
    except ValidationError as exc:
        raise _error("code", exc.message) from None
    code = str(parsed)
    version = _int(data, "version", default=existing.version if existing else 1, minimum=1)
    if check_duplicate:
        query = select(Implementation).where(Implementation.code == code)
        if existing is not None and existing.id is not None:
            query = query.where(Implementation.id != existing.id)
        for other in session.scalars(query):
            if other.version == version:
                raise _error("code", f"“{code}”第 {version} 版已存在，实施编码和版本不能重复。")
            if item is not None and other.item_id is not None and other.item_id != item.id:
                raise _error("code", f"“{code}”已被事项“{other.item.name}”使用，实施编码不能重复。")
    division = find_division(session, data.get("division_code"))
    legal_days = _int(data, "legal_days", default=20)
    promised_days = _int(data, "promised_days", default=min(10, legal_days))
    if promised_days > legal_days:
        raise ValidationError(f"承诺时限（{promised_days} 个工作日）不能超过法定时限（{legal_days} 个工作日），"
                              "请缩短承诺时限或核对法定时限。", field="promised_days")
    forms = split_list(_text(data, "handling_forms")) or ["窗口办理"]
    for form in forms:
        if form not in HANDLING_FORMS:
            raise _error("handling_forms", f"“{form}”无效，应为以下之一：{'、'.join(HANDLING_FORMS)}。")
    item_type = _text(data, "item_type")
    if item_type:
        resolved = national_item_type(session, item_type)
        if resolved is None:
            raise _error("item_type", f"“{item_type}”无效，应为 {'、'.join(ITEM_TYPES)} 之一。")
        item_type = resolved
    status = _choice(data, "status", [s.value for s in ImplementationStatus], DRAFT)
    return {
        "code": code,
        "version": version,
        "exercise_level": parsed.level,
        "name": _text(data, "name", max_length=200) or (item.name if item is not None else None),
        "division": division,
        "department": _text(data, "department", max_length=200),
        "implementing_body": _text(data, "implementing_body", max_length=200),
        "item_type": item_type,
        "legal_basis": _text(data, "legal_basis"),
        "status": status,
        "effective_from": _date(data, "effective_from"),
        "effective_to": _date(data, "effective_to"),
        "conditions": _text(data, "conditions"),
        "legal_days": legal_days,
        "promised_days": promised_days,
        "kind": _choice(data, "kind", IMPLEMENTATION_KINDS, "承诺件"),
        "handling_forms": "、".join(forms),
        "online_mode": _choice(data, "online_mode", ONLINE_MODES, COUNTER_ONLY),
        "visits_needed": _int(data, "visits_needed", default=1),
        "proxy_allowed": _bool(data, "proxy_allowed", True),
        "presence_required": _bool(data, "presence_required", False),
        "free": _bool(data, "free", True),
        "consult_phone": _text(data, "consult_phone", max_length=50),
        "complaint_phone": _text(data, "complaint_phone", max_length=50),
        "place": _text(data, "place", max_length=300),
        "hours": _text(data, "hours", max_length=200),
    }


def find_or_create_department(session: Session, division: Division, name: str | None,
                              uscc: str | None = None) -> Department | None:
    """The department called ``name`` at ``division`` (created when missing)."""
    if not name:
        return None
    for pending in session.new:  # created earlier in this unit of work, not flushed yet
        if isinstance(pending, Department) and pending.division is division and pending.name == name:
            return pending
    with session.no_autoflush:
        department = session.scalar(select(Department).where(Department.division_id == division.id,
                                                             Department.name == name))
    if department is None:
        department = Department(division=division, name=name, uscc=uscc)
        session.add(department)
    return department


def apply_implementation_values(session: Session, impl: Implementation, values: dict[str, Any]) -> None:
    values = dict(values)
    division = values.pop("division")
    department = values.pop("department")
    with session.no_autoflush:  # ``impl`` may be half-built; flush only when complete
        impl.division = division
        impl.department = find_or_create_department(session, division, department, values["code"][:18])
        for key, value in values.items():
            setattr(impl, key, value)


def _check_fees(values: dict[str, Any], fees: list[dict[str, Any]]) -> None:
    if values["free"] and fees:
        raise _error("free", "已标为不收费，却填写了收费项目；请删除收费项目或改为收费。")
    if not values["free"] and not fees:
        raise _error("free", "已标为收费，请至少填写一个收费项目（金额和依据）。")


def create_implementation(session: Session, item: ServiceItem | str, *, materials: Iterable[Mapping] = (),
                          fees: Iterable[Mapping] = (), steps: Iterable[Mapping] = (),
                          special_procedures: Iterable[Mapping] = (), source: str = "admin",
                          **fields: Any) -> Implementation:
    """Create a draft implementation (实施清单) version 1 of ``item`` (object or basic code)."""
    if isinstance(item, str):
        found = session.scalar(select(ServiceItem).where(ServiceItem.basic_code == item.strip().upper()))
        if found is None:
            raise _error("basic_code", f"事项“{item}”不存在，请先创建基本目录事项。")
        item = found
    fields.setdefault("status", DRAFT)
    # The implementation list carries its own item type (三级四同 compares it); default: the item's.
    fields.setdefault("item_type", item.item_type)
    values = clean_implementation(session, fields, item=item)
    clean_fees = [clean_fee(f) for f in fees]
    if "free" not in fields and clean_fees:
        values["free"] = False
    _check_fees(values, clean_fees)
    # Validate every child before building objects: a half-built row must not linger in the session.
    clean_materials = [clean_material(m) for m in materials]
    clean_steps = [clean_step(s) for s in steps]
    clean_specials = [clean_special_procedure(s) for s in special_procedures]
    impl = Implementation(item=item, source=source)
    session.add(impl)
    apply_implementation_values(session, impl, values)
    impl.materials = [Material(position=i, **m) for i, m in enumerate(clean_materials)]
    impl.fees = [Fee(position=i, **f) for i, f in enumerate(clean_fees)]
    impl.steps = [ProcedureStep(position=i, **s) for i, s in enumerate(clean_steps)]
    impl.special_procedures = [SpecialProcedure(position=i, **s) for i, s in enumerate(clean_specials)]
    session.flush()
    return impl


def implementation_values(impl: Implementation) -> dict[str, Any]:
    """The editable fields of ``impl`` as a plain mapping (for update and copies)."""
    return {
        "code": impl.code, "version": impl.version, "name": impl.name,
        "division_code": impl.division.code if impl.division else None,
        "department": impl.department.name if impl.department else None,
        "implementing_body": impl.implementing_body, "item_type": impl.item_type,
        "legal_basis": impl.legal_basis, "status": impl.status, "effective_from": impl.effective_from,
        "effective_to": impl.effective_to, "conditions": impl.conditions, "legal_days": impl.legal_days,
        "promised_days": impl.promised_days, "kind": impl.kind, "handling_forms": impl.handling_forms,
        "online_mode": impl.online_mode,
        "visits_needed": impl.visits_needed, "proxy_allowed": impl.proxy_allowed,
        "presence_required": impl.presence_required, "free": impl.free, "consult_phone": impl.consult_phone,
        "complaint_phone": impl.complaint_phone, "place": impl.place, "hours": impl.hours,
    }


def update_implementation(session: Session, impl: Implementation, *, by_admin: bool = True,
                          **fields: Any) -> Implementation:
    """Change a draft implementation; published versions are immutable (use :func:`revise`)."""
    if impl.status != DRAFT:
        raise ValidationError(f"“{impl.name}”第 {impl.version} 版{impl.status}，不能直接修改；"
                              "请先“新建修订版”，修改后再发布。", field="status")
    values = implementation_values(impl)
    values.update(fields)
    cleaned = clean_implementation(session, values, item=impl.item, existing=impl)
    _check_fees(cleaned, list(impl.fees))
    apply_implementation_values(session, impl, cleaned)
    if by_admin:
        mark_admin_edit(impl)
    session.flush()
    return impl


def validate_implementation(session: Session, impl: Implementation) -> None:
    """Validate an implementation object as it stands (used by the admin screens before saving)."""
    values = implementation_values(impl)
    if impl.division is None and impl.division_id is not None:
        values["division_code"] = session.get(Division, impl.division_id).code
    cleaned = clean_implementation(session, values, item=impl.item, existing=impl)
    impl.code = cleaned["code"]
    impl.exercise_level = cleaned["exercise_level"]
    impl.handling_forms = cleaned["handling_forms"]
    impl.online_mode = cleaned["online_mode"]
    impl.item_type = cleaned["item_type"] or (impl.item.item_type if impl.item is not None else None)
    if not impl.name and impl.item is not None:
        impl.name = impl.item.name


def _copy(impl: Implementation, **overrides: Any) -> Implementation:
    skip = {"id", "version", "status", "effective_from", "effective_to", "created_at", "updated_at",
            "pinyin_initials", "item", "division", "department"}
    columns = {c.key: getattr(impl, c.key) for c in Implementation.__table__.columns if c.key not in skip}
    copy = Implementation(**columns, **overrides)

    def rows(children: list, model: type) -> list:
        keys = [c.key for c in model.__table__.columns if c.key not in ("id", "implementation_id")]
        return [model(**{k: getattr(child, k) for k in keys}) for child in children]

    copy.materials = rows(impl.materials, Material)
    copy.fees = rows(impl.fees, Fee)
    copy.steps = rows(impl.steps, ProcedureStep)
    copy.special_procedures = rows(impl.special_procedures, SpecialProcedure)
    return copy


def next_version(session: Session, code: str) -> int:
    return (session.scalar(select(func.max(Implementation.version)).where(Implementation.code == code)) or 0) + 1


def revise(session: Session, impl: Implementation) -> Implementation:
    """Start a revision (修订版): a draft copy of ``impl`` with the next version number."""
    draft = session.scalar(select(Implementation).where(Implementation.code == impl.code,
                                                        Implementation.status == DRAFT))
    if draft is not None:
        raise ValidationError(f"“{impl.name}”已有未发布的修订草稿（第 {draft.version} 版），请修改并发布该草稿。",
                              field="status")
    copy = _copy(impl, version=next_version(session, impl.code), status=DRAFT)
    session.add(copy)
    session.flush()
    return copy


def publish(session: Session, implementation: Implementation, *, effective_from: date | None = None,
            on: date | None = None) -> Implementation:
    """Publish a draft version: 已发布 from ``effective_from`` (default today); the previously
    published version of the same code gets ``effective_to`` = that day and 已停用. Cases accepted
    under the old version keep pointing at its row."""
    if implementation.status != DRAFT:
        raise ValidationError(f"第 {implementation.version} 版{implementation.status}，只有草稿可以发布。"
                              "如需修改已发布的内容，请先“新建修订版”。", field="status")
    validate_implementation(session, implementation)
    start = effective_from or on or local_date()
    previous = session.scalars(select(Implementation).where(
        Implementation.code == implementation.code, Implementation.status == PUBLISHED,
        Implementation.id != implementation.id))
    for old in previous:
        old.status = RETIRED
        old.effective_to = start
    implementation.status = PUBLISHED
    implementation.effective_from = start
    implementation.effective_to = None
    session.flush()
    return implementation


def current_implementation(session: Session, code: str, on: date | None = None) -> Implementation | None:
    """The published version of implementation ``code`` in force ``on`` (default: now)."""
    code = code.strip().upper()
    query = select(Implementation).where(Implementation.code == code)
    if on is None:
        query = query.where(Implementation.status == PUBLISHED)
    else:
        query = query.where(Implementation.status != DRAFT,
                            or_(Implementation.effective_from.is_(None), Implementation.effective_from <= on),
                            or_(Implementation.effective_to.is_(None), Implementation.effective_to > on))
    return session.scalars(query.order_by(Implementation.version.desc()).limit(1)).first()


# --- Search -----------------------------------------------------------------------------------


def _search_clause(model: Any, code_column: Any, text: str):
    text = text.strip()
    return or_(model.name.contains(text, autoescape=True), code_column.startswith(text.upper(), autoescape=True),
               model.pinyin_initials.contains(text.lower(), autoescape=True))


def search_items(session: Session, text: str, limit: int = 50) -> list[ServiceItem]:
    """Items whose name contains ``text``, whose basic code starts with it, or whose pinyin
    initials start with it (``zdsh`` finds 最低生活保障审核确认)."""
    if not text.strip():
        return []
    query = select(ServiceItem).where(_search_clause(ServiceItem, ServiceItem.basic_code, text))
    return list(session.scalars(query.order_by(ServiceItem.basic_code).limit(limit)))


def search_implementations(session: Session, text: str, scope: Any = None, *, include_retired: bool = False,
                           limit: int = 50) -> list[Implementation]:
    """Implementations matched by name, implementation code or pinyin initials, within ``scope``."""
    if not text.strip():
        return []
    query = select(Implementation).join(Implementation.division).where(
        _search_clause(Implementation, Implementation.code, text))
    if scope is not None:
        query = query.where(scope.clause(Division.code))
    if not include_retired:
        query = query.where(Implementation.status != RETIRED)
    return list(session.scalars(query.order_by(Implementation.code, Implementation.version).limit(limit)))
