"""Plugin items (本地事项): upsert what ``register_service_items`` returns into the catalog.

Each item is marked ``source = "plugin:<plugin name>"`` and stores a hash of the spec it
came from. When the plugin later returns a different spec:

* if nobody edited the item on the admin screens, the item is updated and every changed
  implementation is published as a new version (cases keep the version they were accepted
  under);
* if an admin edited it (``updated_by_admin``), nothing is overwritten: a
  :class:`SyncConflict` is reported. ``overwrite`` (take the plugin's version) or ``keep``
  (keep the admin's edit and stop reporting this spec) resolve it, per basic code.

A spec that fails validation is reported as an error and not written; others still sync.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.catalog import services
from govkit.catalog.models import (Fee, Implementation, LegalBasis, Material, ProcedureStep, ServiceItem,
                                   SpecialProcedure)
from govkit.catalog.specs import ImplementationSpec, ServiceItemSpec
from govkit.errors import PluginError, ValidationError
from govkit.hierarchy.models import Department, Division
from govkit.clock import local_date


@dataclass(frozen=True)
class SyncConflict:
    """An item the plugin wants to change but an admin (or another source) changed first."""

    plugin: str
    basic_code: str
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.basic_code} {self.name}（插件 {self.plugin}）：{self.reason}"


@dataclass
class SyncReport:
    """What one sync did, by basic code."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    conflicts: list[SyncConflict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def spec_hash(spec: Any) -> str:
    """Stable SHA-256 of a spec dataclass (field order and Decimal/str formatting fixed)."""
    text = json.dumps(dataclasses.asdict(spec), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def collect_plugin_items(pm: Any, settings: Any) -> list[tuple[str, ServiceItemSpec]]:
    """Call each plugin's ``register_service_items`` and keep which plugin returned what (load order)."""
    collected = pm.collect_by_plugin("register_service_items", settings=settings)
    for plugin, spec in collected:
        if not isinstance(spec, ServiceItemSpec):
            raise PluginError(f"插件 {plugin} 的 register_service_items 钩子应返回 ServiceItemSpec 列表，"
                              f"却返回了 {type(spec).__name__}。", plugin=plugin, hook="register_service_items")
    return collected


def _admin_edited(item: ServiceItem) -> bool:
    return item.updated_by_admin or any(i.updated_by_admin for i in item.implementations
                                        if i.status != services.RETIRED)


def _implementation_data(session: Session, item_spec: ServiceItemSpec, spec: ImplementationSpec) -> dict[str, Any]:
    code = spec.code
    if not code:
        uscc = spec.implementing_uscc
        if not uscc and spec.department:
            uscc = session.scalar(select(Department.uscc).join(Department.division).where(
                Division.code == spec.division_code, Department.name == spec.department))
        if not uscc:
            raise ValidationError(f"实施编码：区划 {spec.division_code} 的实施清单"
                                  "既没有 code 也没有 implementing_uscc，"
                                  "无法生成实施编码；请在 ImplementationSpec 中填写其一。", field="code")
        code = f"{uscc}{spec.exercise_level or item_spec.exercise_level}{item_spec.basic_code}"
    data = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)
            if f.name not in ("materials", "fees", "steps", "special_procedures", "implementing_uscc",
                              "exercise_level")}
    data.update(code=code, name=spec.name or item_spec.name, free=not spec.fees, status=services.DRAFT,
                item_type=item_spec.item_type)
    return data


def _clean_spec(session: Session, spec: ServiceItemSpec) -> tuple[dict, list, list]:
    item = services.clean_item(session, {
        "basic_code": spec.basic_code, "name": spec.name, "item_type": spec.item_type,
        "service_object": spec.service_object, "exercise_level": spec.exercise_level,
        "parent_code": spec.parent_code}, check_duplicate=False)
    bases = [services.clean_legal_basis(dataclasses.asdict(b)) for b in spec.legal_bases]
    impls = []
    for impl_spec in spec.implementations:
        values = services.clean_implementation(session, _implementation_data(session, spec, impl_spec),
                                               check_duplicate=False)
        owner = session.scalar(select(ServiceItem.basic_code).join(Implementation.item)
                               .where(Implementation.code == values["code"]).limit(1))
        if owner is not None and owner != item["basic_code"]:
            raise ValidationError(f"实施编码：“{values['code']}”已属于事项“{owner}”。", field="code")
        children = {
            "materials": (Material, [services.clean_material(dataclasses.asdict(m)) for m in impl_spec.materials]),
            "fees": (Fee, [services.clean_fee(dataclasses.asdict(f)) for f in impl_spec.fees]),
            "steps": (ProcedureStep, [services.clean_step(dataclasses.asdict(s)) for s in impl_spec.steps]),
            "special_procedures": (SpecialProcedure, [services.clean_special_procedure(dataclasses.asdict(s))
                                                      for s in impl_spec.special_procedures]),
        }
        impls.append((values, children, spec_hash(impl_spec)))
    return item, bases, impls


def _write(session: Session, item: ServiceItem | None, cleaned: dict, bases: list, impls: list, source: str,
           digest: str, today: date) -> ServiceItem:
    values = {k: v for k, v in cleaned.items() if k != "parent_code"}
    if item is None:
        item = ServiceItem(**values, source=source)
        session.add(item)
    else:
        for key, value in values.items():
            setattr(item, key, value)
    parent_code = cleaned["parent_code"]
    item.parent = (session.scalar(select(ServiceItem).where(ServiceItem.basic_code == parent_code))
                   if parent_code else None)
    services.replace_children(item.legal_bases, bases, LegalBasis)
    item.source_hash, item.updated_by_admin = digest, False
    session.flush()
    for values, children, impl_digest in impls:
        rows = session.scalars(select(Implementation).where(Implementation.code == values["code"])).all()
        for row in rows:
            row.updated_by_admin = False
        current = next((r for r in sorted(rows, key=lambda r: -r.version) if r.status != services.RETIRED), None)
        if current is not None and current.source_hash == impl_digest and current.status == services.PUBLISHED:
            continue
        draft = current if current is not None and current.status == services.DRAFT else None
        if draft is None:
            values = dict(values, version=services.next_version(session, values["code"]))
            draft = Implementation(item=item, source=source)
            session.add(draft)
        else:
            values = dict(values, version=draft.version)
        services.apply_implementation_values(session, draft, values)
        draft.item, draft.source, draft.source_hash = item, source, impl_digest
        for attribute, (model, rows_values) in children.items():
            services.replace_children(getattr(draft, attribute), rows_values, model)
        session.flush()
        services.publish(session, draft, effective_from=today)
    return item


def sync_plugin_items(session: Session, pm: Any, settings: Any, *, overwrite: Iterable[str] = (),
                      keep: Iterable[str] = (), today: date | None = None) -> SyncReport:
    """Upsert every plugin's local items; the caller commits. Returns what happened, conflicts included."""
    overwrite, keep = {c.upper() for c in overwrite}, {c.upper() for c in keep}
    today = today or local_date()
    report = SyncReport()
    seen: dict[str, str] = {}
    for plugin, spec in collect_plugin_items(pm, settings):
        source, digest, code = f"plugin:{plugin}", spec_hash(spec), spec.basic_code.strip().upper()
        if code in seen:
            report.conflicts.append(SyncConflict(plugin, code, spec.name,
                                                 f"插件 {seen[code]} 已提供同一基本编码的事项，本条未同步。"))
            continue
        seen[code] = plugin
        try:
            cleaned, bases, impls = _clean_spec(session, spec)
        except ValidationError as exc:
            report.errors.append(f"插件 {plugin} 的事项 {code} {spec.name}：{exc.message}")
            continue
        item = session.scalar(select(ServiceItem).where(ServiceItem.basic_code == cleaned["basic_code"]))
        if item is not None and item.source != source and code not in overwrite:
            report.conflicts.append(SyncConflict(plugin, code, spec.name,
                                                 f"系统中已有同一基本编码的事项（来源：{item.source}），"
                                                 "插件未覆盖。如需由插件接管，请运行 govkit catalog sync --overwrite "
                                                 + code))
            continue
        if item is not None and item.source == source and item.source_hash == digest:
            report.unchanged.append(code)
            continue
        if item is not None and item.source == source and _admin_edited(item) and code not in overwrite:
            if code in keep:
                item.source_hash = digest
                report.kept.append(code)
                continue
            report.conflicts.append(SyncConflict(plugin, code, spec.name,
                                                 "管理员在界面上修改过该事项，插件又提供了新内容，未覆盖。"
                                                 f"请核对后运行 govkit catalog sync --overwrite {code}（采用插件内容）"
                                                 f"或 --keep {code}（保留管理员修改）。"))
            continue
        if item is not None:
            item.source = source
        _write(session, item, cleaned, bases, impls, source, digest, today)
        (report.created if item is None else report.updated).append(code)
    return report
