"""Catalog import/export in CSV, XLSX and JSON (批量导入导出), lossless and deterministic.

All three formats carry the same seven tables (事项, 设定依据, 实施清单, 申请材料, 收费,
办理流程, 特别程序). XLSX has one sheet per table; CSV has the tables one after another,
each introduced by a line ``#表名`` followed by its header line; JSON nests them
(items → legal_bases, implementations → materials/fees/steps/special_procedures).

Import validates every row first and reports all errors with their line numbers
(:class:`~govkit.errors.ImportRowError`); nothing is written unless every row is valid.
Items are upserted by basic code, implementations by (code, version); the file is the
truth for the rows it contains, so their children are replaced (in place, by position).
Export sorts everything by code and position and writes fixed timestamps, so
export → import into an empty catalog → export gives byte-identical files.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govkit.catalog import services
from govkit.catalog.models import Fee, Implementation, Material, ProcedureStep, ServiceItem, SpecialProcedure
from govkit.errors import ImportRowError, ValidationError
from govkit.hierarchy.models import Division
from govkit.spreadsheet import csv_writer, restore, xlsx_row

FORMATS = ("csv", "xlsx", "json")
JSON_FORMAT = "govkit-catalog"
JSON_VERSION = 1

_TRACKING = [("source", "来源"), ("source_hash", "来源摘要"), ("updated_by_admin", "管理员已修改")]
_PARENT = [("code", "实施编码"), ("version", "版本"), ("position", "序号")]

#: Table name → (field, header) columns, in file order.
TABLES: dict[str, list[tuple[str, str]]] = {
    "事项": [("basic_code", "基本编码"), ("name", "事项名称"), ("item_type", "事项类型"),
           ("service_object", "服务对象"), ("exercise_level", "行使层级"), ("parent_code", "上级事项编码"),
           ("synonyms", "别名简称"), *_TRACKING],
    "设定依据": [("basic_code", "基本编码"), ("position", "序号"), ("law", "法律法规名称"), ("article", "条款"),
             ("text", "条文内容")],
    "实施清单": [("code", "实施编码"), ("version", "版本"), ("basic_code", "基本编码"), ("name", "实施名称"),
             ("division_code", "实施区划代码"), ("department", "实施部门"), ("implementing_body", "实施主体"),
             ("item_type", "事项类型"), ("legal_basis", "设定依据"), ("status", "状态"),
             ("effective_from", "生效日期"), ("effective_to", "停用日期"), ("conditions", "受理条件"),
             ("legal_days", "法定时限"), ("promised_days", "承诺时限"), ("kind", "办件类型"),
             ("handling_forms", "办理形式"), ("online_mode", "网上办理深度"), ("visits_needed", "到现场次数"),
             ("proxy_allowed", "可代办"),
             ("presence_required", "须本人到场"), ("free", "不收费"), ("consult_phone", "咨询电话"),
             ("complaint_phone", "投诉电话"), ("place", "办理地点"), ("hours", "办理时间"), *_TRACKING],
    "申请材料": [*_PARENT, ("name", "材料名称"), ("form", "材料形式"), ("copies", "份数"), ("necessity", "必要性"),
             ("condition_text", "情形说明"), ("source_channel", "来源渠道"), ("acceptance_standard", "受理标准"),
             ("blank_form_path", "空白表格文件"), ("blank_form_name", "空白表格名称"),
             ("sample_path", "示范文本文件"), ("sample_name", "示范文本名称")],
    "收费": [*_PARENT, ("name", "收费项目"), ("amount", "金额（元）"), ("basis", "收费依据")],
    "办理流程": [*_PARENT, ("name", "环节名称"), ("days", "时限（工作日）"), ("actor", "承办人"),
             ("description", "环节说明")],
    "特别程序": [*_PARENT, ("name", "程序名称"), ("days", "时限（工作日）"), ("counts_in_deadline", "计入办理时限"),
             ("description", "程序说明")],
}
_CHILDREN = {  # table → (relationship attribute, model, JSON key, cleaner)
    "申请材料": ("materials", Material, "materials", services.clean_material),
    "收费": ("fees", Fee, "fees", services.clean_fee),
    "办理流程": ("steps", ProcedureStep, "steps", services.clean_step),
    "特别程序": ("special_procedures", SpecialProcedure, "special_procedures", services.clean_special_procedure),
}

Row = tuple[int, dict[str, Any]]  # (line number, field → value)


# --- Export -----------------------------------------------------------------------------------


def _children_rows(impl: Implementation, attribute: str, table: str) -> list[dict[str, Any]]:
    fields = [f for f, _ in TABLES[table] if f not in ("code", "version", "position")]
    return [{"code": impl.code, "version": impl.version, "position": i + 1,
             **{f: getattr(child, f) for f in fields}} for i, child in enumerate(getattr(impl, attribute))]


def export_tables(session: Session, scope: Any = None) -> dict[str, list[dict[str, Any]]]:
    """The catalog as the seven tables (native Python values), sorted deterministically.

    With a ``scope`` only implementations of divisions in it are exported (items: all).
    """
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    items = session.scalars(select(ServiceItem).options(selectinload(ServiceItem.legal_bases),
                                                        selectinload(ServiceItem.parent))
                            .order_by(ServiceItem.basic_code))
    for item in items:
        tables["事项"].append({
            "basic_code": item.basic_code, "name": item.name, "synonyms": item.synonyms, "item_type": item.item_type,
            "service_object": item.service_object, "exercise_level": item.exercise_level,
            "parent_code": item.parent.basic_code if item.parent else None, "source": item.source,
            "source_hash": item.source_hash, "updated_by_admin": item.updated_by_admin})
        for i, basis in enumerate(item.legal_bases):
            tables["设定依据"].append({"basic_code": item.basic_code, "position": i + 1, "law": basis.law,
                                   "article": basis.article, "text": basis.text})
    impls = select(Implementation).options(
        selectinload(Implementation.item), selectinload(Implementation.division),
        selectinload(Implementation.department), selectinload(Implementation.materials),
        selectinload(Implementation.fees), selectinload(Implementation.steps),
        selectinload(Implementation.special_procedures)).order_by(Implementation.code, Implementation.version)
    if scope is not None:
        impls = impls.join(Implementation.division).where(scope.clause(Division.code))
    for impl in session.scalars(impls):
        row = services.implementation_values(impl)
        row.update(basic_code=impl.item.basic_code, source=impl.source, source_hash=impl.source_hash,
                   updated_by_admin=impl.updated_by_admin)
        tables["实施清单"].append(row)
        for table, (attribute, *_rest) in _CHILDREN.items():
            tables[table].extend(_children_rows(impl, attribute, table))
    return tables


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def tables_to_csv(tables: dict[str, list[dict[str, Any]]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv_writer(out, lineterminator="\r\n")
    for index, (name, columns) in enumerate(TABLES.items()):
        if index:
            writer.writerow([])
        writer.writerow([f"#{name}"])
        writer.writerow([header for _, header in columns])
        for row in tables[name]:
            writer.writerow([_cell(row.get(field)) for field, _ in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM so Excel opens it as UTF-8


_FIXED_TIME = datetime(2000, 1, 1)


def tables_to_xlsx(tables: dict[str, list[dict[str, Any]]]) -> bytes:
    from openpyxl import Workbook  # deferred: openpyxl is slow to import and only xlsx needs it
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, columns in TABLES.items():
        sheet = workbook.create_sheet(name)
        sheet.append(xlsx_row(sheet, [header for _, header in columns]))
        for row in tables[name]:
            sheet.append(xlsx_row(sheet, [_cell(row.get(field)) for field, _ in columns]))
    workbook.properties.created = workbook.properties.modified = _FIXED_TIME
    workbook.properties.creator = "govkit"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    # Rewrite with fixed entry timestamps: zip entries otherwise carry the current time.
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, zipfile.ZipFile(fixed, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def tables_to_json(tables: dict[str, list[dict[str, Any]]]) -> bytes:
    children: dict[tuple[str, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for table, (_attr, _model, key, _clean) in _CHILDREN.items():
        for row in tables[table]:
            fields = {f: _json_value(row.get(f)) for f, _ in TABLES[table] if f not in ("code", "version", "position")}
            children[(row["code"], row["version"])][key].append(fields)
    bases: dict[str, list] = defaultdict(list)
    for row in tables["设定依据"]:
        bases[row["basic_code"]].append({f: row.get(f) for f in ("law", "article", "text")})
    impls: dict[str, list] = defaultdict(list)
    for row in tables["实施清单"]:
        record = {f: _json_value(row.get(f)) for f, _ in TABLES["实施清单"] if f != "basic_code"}
        for _attr, _model, key, _clean in _CHILDREN.values():
            record[key] = children[(row["code"], row["version"])][key]
        impls[row["basic_code"]].append(record)
    items = []
    for row in tables["事项"]:
        record = {f: row.get(f) for f, _ in TABLES["事项"]}
        record["legal_bases"] = bases[row["basic_code"]]
        record["implementations"] = impls[row["basic_code"]]
        items.append(record)
    document = {"format": JSON_FORMAT, "version": JSON_VERSION, "items": items}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export_catalog(session: Session, fmt: str, scope: Any = None) -> bytes:
    """The catalog as ``csv``, ``xlsx`` or ``json`` bytes (deterministic; ``scope`` limits implementations)."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValidationError(f"不支持的导出格式“{fmt}”，请选择 csv、xlsx 或 json。")
    tables = export_tables(session, scope)
    return {"csv": tables_to_csv, "xlsx": tables_to_xlsx, "json": tables_to_json}[fmt](tables)


# --- Reading files into tables ------------------------------------------------------------------


def _by_header(name: str, headers: list[str], line: int) -> list[str | None]:
    known = {header: field for field, header in TABLES[name]}
    fields = [known.get((h or "").strip()) for h in headers]
    missing = [header for field, header in TABLES[name][:1] if field not in fields]
    if missing:
        raise ImportRowError(f"〔{name}〕第 {line} 行的表头缺少“{missing[0]}”列。",
                             errors=[(line, f"〔{name}〕表头缺少“{missing[0]}”列")])
    return fields


def _row(fields: list[str | None], values: Iterable[Any]) -> dict[str, Any]:
    row = {}
    for field, value in zip(fields, values):
        if field is not None:
            row[field] = None if value is None or (isinstance(value, str) and value.strip() == "") else value
    return row


def csv_to_tables(data: bytes) -> dict[str, list[Row]]:
    text = data.decode("utf-8-sig")
    tables: dict[str, list[Row]] = {name: [] for name in TABLES}
    reader = csv.reader(io.StringIO(text, newline=""))
    current: str | None = None
    fields: list[str | None] | None = None
    end = 0
    for values in reader:
        values = [restore(v) for v in values]  # a govkit export's '=… is the text =…
        # A record may span several physical lines (quoted line breaks): report where it starts.
        line, end = end + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        first = values[0].strip()
        if first.startswith("#"):
            current, fields = first[1:].strip(), None
            if current not in TABLES:
                raise ImportRowError(f"第 {line} 行：未知的表“{current}”，应为 {'、'.join(TABLES)} 之一。",
                                     errors=[(line, f"未知的表“{current}”")])
            continue
        if current is None:
            raise ImportRowError(f"第 {line} 行：文件应以“#事项”这样的表名行开头。",
                                 errors=[(line, "缺少表名行（如 #事项）")])
        if fields is None:
            fields = _by_header(current, values, line)
            continue
        tables[current].append((line, _row(fields, values)))
    return tables


def xlsx_to_tables(data: bytes) -> dict[str, list[Row]]:
    from openpyxl import load_workbook  # deferred: openpyxl is slow to import and only xlsx needs it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportRowError(f"无法读取 Excel 文件：{exc}。请确认是 .xlsx 格式。",
                             errors=[(0, "文件无法读取")]) from None
    tables: dict[str, list[Row]] = {name: [] for name in TABLES}
    for name in TABLES:
        if name not in workbook.sheetnames:
            continue
        rows = workbook[name].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            continue
        fields = _by_header(name, [str(h or "") for h in header], 1)
        for line, values in enumerate(rows, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            tables[name].append((line, _row(fields, [None if v is None else str(v) if not isinstance(v, str) else v
                                                     for v in values])))
    workbook.close()
    return tables


def json_to_tables(data: bytes) -> dict[str, list[Row]]:
    """Flatten the JSON document; the "line" of a row is the ordinal of its item (第 N 个事项)."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRowError(f"JSON 文件无法解析：{exc}", errors=[(getattr(exc, "lineno", 0), str(exc))]) from None
    if not isinstance(document, dict) or document.get("format") != JSON_FORMAT:
        raise ImportRowError(f"JSON 文件不是 govkit 事项目录格式（缺少 \"format\": \"{JSON_FORMAT}\"）。",
                             errors=[(1, "格式标识缺失")])
    tables: dict[str, list[Row]] = {name: [] for name in TABLES}
    for n, item in enumerate(document.get("items") or [], start=1):
        tables["事项"].append((n, {k: v for k, v in item.items() if k not in ("legal_bases", "implementations")}))
        for position, basis in enumerate(item.get("legal_bases") or [], start=1):
            tables["设定依据"].append((n, {**basis, "basic_code": item.get("basic_code"), "position": position}))
        for impl in item.get("implementations") or []:
            keys = [k for *_r, k, _c in _CHILDREN.values()]
            tables["实施清单"].append((n, {**{k: v for k, v in impl.items() if k not in keys},
                                         "basic_code": item.get("basic_code")}))
            for table, (_attr, _model, key, _clean) in _CHILDREN.items():
                for position, child in enumerate(impl.get(key) or [], start=1):
                    tables[table].append((n, {**child, "code": impl.get("code"), "version": impl.get("version"),
                                              "position": position}))
    return tables


def read_tables(data: bytes, fmt: str) -> dict[str, list[Row]]:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValidationError(f"不支持的导入格式“{fmt}”，请使用 csv、xlsx 或 json 文件。")
    return {"csv": csv_to_tables, "xlsx": xlsx_to_tables, "json": json_to_tables}[fmt](data)


def format_of(path: str | Path) -> str:
    return Path(path).suffix.lower().lstrip(".")


def import_catalog(session: Session, data: bytes, fmt: str, *, default_source: str = "import") -> dict[str, int]:
    """Validate and import a catalog file; returns counts. Raises ImportRowError listing every bad row.

    Nothing is written when any row is invalid; the caller commits on success.
    """
    from govkit.catalog.transfer_import import import_tables  # deferred: transfer_import imports this module

    return import_tables(session, read_tables(data, fmt), default_source=default_source)
