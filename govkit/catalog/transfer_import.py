"""The import half of :mod:`govkit.catalog.transfer`: validate every row, then write all or nothing."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.catalog import services
from govkit.catalog.models import Implementation, LegalBasis, ServiceItem
from govkit.catalog.transfer import _CHILDREN, Row
from govkit.errors import ImportRowError, ValidationError

Key = tuple[str, int]  # (implementation code, version)


class _Errors(list):
    def add(self, table: str, line: int, message: str) -> None:
        self.append((line, f"〔{table}〕第 {line} 行：{message}"))


def _upper(value: Any) -> str:
    return str(value or "").strip().upper()


def _position(raw: dict[str, Any], default: int) -> int:
    return services._int(raw, "position", default=default, minimum=0)


def _tracking(raw: dict[str, Any], default_source: str) -> dict[str, Any]:
    return {"source": (str(raw.get("source") or "").strip() or default_source),
            "source_hash": (str(raw.get("source_hash") or "").strip() or None),
            "updated_by_admin": services._bool(raw, "updated_by_admin", False)}


def import_tables(session: Session, tables: dict[str, list[Row]], *, default_source: str = "import") -> dict[str, int]:
    """Validate all rows of ``tables``; raise ImportRowError listing every error, else upsert them."""
    errors = _Errors()
    db_items = dict(session.execute(select(ServiceItem.basic_code, ServiceItem.name)).all())

    items: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, raw in tables["事项"]:
        try:
            cleaned = services.clean_item(session, raw, check_duplicate=False)
            cleaned.update(_tracking(raw, default_source))
        except ValidationError as exc:
            errors.add("事项", line, exc.message)
            continue
        code = cleaned["basic_code"]
        if code in items:
            errors.add("事项", line, f"基本编码：“{code}”在文件中重复（第 {items[code][0]} 行已有）。")
            continue
        items[code] = (line, cleaned)
    # Rows naming an item whose own row is invalid are still checked, without a second error.
    present = {_upper(raw.get("basic_code")) for _, raw in tables["事项"]}
    known = present | set(db_items)
    for code, (line, cleaned) in items.items():
        if cleaned["parent_code"] and cleaned["parent_code"] not in known:
            errors.add("事项", line, f"上级事项编码：“{cleaned['parent_code']}”既不在文件中也不在系统中。")

    bases: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, (line, raw) in enumerate(tables["设定依据"]):
        code = _upper(raw.get("basic_code"))
        if code not in present:
            errors.add("设定依据", line, f"基本编码：“{code}”不在本文件的〔事项〕表中。")
            continue
        try:
            bases[code].append((_position(raw, index), services.clean_legal_basis(raw)))
        except ValidationError as exc:
            errors.add("设定依据", line, exc.message)

    impls: dict[Key, tuple[int, str, dict[str, Any]]] = {}
    owners: dict[str, str] = {}
    for line, raw in tables["实施清单"]:
        basic = _upper(raw.get("basic_code"))
        if basic not in known:
            errors.add("实施清单", line, f"基本编码：“{basic}”既不在文件中也不在系统中，请先导入该事项。")
            continue
        try:
            cleaned = services.clean_implementation(session, raw, check_duplicate=False)
            cleaned.update(_tracking(raw, default_source))
        except ValidationError as exc:
            errors.add("实施清单", line, exc.message)
            continue
        key = (cleaned["code"], cleaned["version"])
        if key in impls:
            errors.add("实施清单", line,
                       f"实施编码：“{key[0]}”第 {key[1]} 版在文件中重复（第 {impls[key][0]} 行已有）。")
            continue
        owner = owners.setdefault(key[0], basic)
        db_owner = session.scalar(select(ServiceItem.basic_code).join(Implementation.item)
                                  .where(Implementation.code == key[0]).limit(1))
        if owner != basic or (db_owner is not None and db_owner != basic):
            errors.add("实施清单", line, f"实施编码：“{key[0]}”已属于事项“{db_owner or owner}”，实施编码不能重复。")
            continue
        if not cleaned["name"]:
            cleaned["name"] = items[basic][1]["name"] if basic in items else db_items.get(basic, basic)
        impls[key] = (line, basic, cleaned)

    impl_present = set()
    for _, raw in tables["实施清单"]:
        try:
            impl_present.add((_upper(raw.get("code")), services._int(raw, "version", default=1, minimum=1)))
        except ValidationError:
            pass  # that row's own error is already listed
    children: dict[str, dict[Key, list[tuple[int, dict[str, Any]]]]] = {t: defaultdict(list) for t in _CHILDREN}
    for table, (_attr, _model, _key, clean) in _CHILDREN.items():
        for index, (line, raw) in enumerate(tables[table]):
            try:
                key = (_upper(raw.get("code")), services._int(raw, "version", default=1, minimum=1))
                if key not in impl_present:
                    raise ValidationError(f"实施编码：“{key[0]}”第 {key[1]} 版不在本文件的〔实施清单〕表中。")
                children[table][key].append((_position(raw, index), clean(raw)))
            except ValidationError as exc:
                errors.add(table, line, exc.message)
    for key, (line, _basic, cleaned) in impls.items():
        try:
            services._check_fees(cleaned, children["收费"].get(key, []))
        except ValidationError as exc:
            errors.add("实施清单", line, exc.message)

    if errors:
        errors.sort(key=lambda e: e[0])
        raise ImportRowError(f"导入失败：共 {len(errors)} 处错误，没有导入任何数据。第一处：{errors[0][1]}",
                             errors=list(errors))
    return _apply(session, items, bases, impls, children)


def _apply(session: Session, items, bases, impls, children) -> dict[str, int]:
    by_code = {i.basic_code: i for i in session.scalars(select(ServiceItem))}
    for code, (_line, cleaned) in items.items():
        values = {k: v for k, v in cleaned.items() if k != "parent_code"}
        item = by_code.get(code)
        if item is None:
            item = by_code[code] = ServiceItem(**values)
            session.add(item)
        else:
            for key, value in values.items():
                setattr(item, key, value)
    for code, (_line, cleaned) in items.items():
        by_code[code].parent = by_code.get(cleaned["parent_code"]) if cleaned["parent_code"] else None
        services.replace_children(by_code[code].legal_bases,
                                  [b for _, b in sorted(bases.get(code, []), key=lambda p: p[0])], LegalBasis)
    session.flush()
    for key, (_line, basic, cleaned) in impls.items():
        impl = session.scalar(select(Implementation).where(Implementation.code == key[0],
                                                           Implementation.version == key[1]))
        if impl is None:
            impl = Implementation(item=by_code[basic])
            session.add(impl)
        impl.item = by_code[basic]
        services.apply_implementation_values(session, impl, cleaned)
        for table, (attribute, model, _json_key, _clean) in _CHILDREN.items():
            rows = [values for _, values in sorted(children[table].get(key, []), key=lambda p: p[0])]
            services.replace_children(getattr(impl, attribute), rows, model)
    session.flush()
    counts = {"事项": len(items), "实施清单": len(impls),
              "设定依据": sum(len(v) for v in bases.values())}
    counts.update({t: sum(len(v) for v in children[t].values()) for t in _CHILDREN})
    return counts
