"""Field parsing and validation shared by the services, the import and plugin sync (plain Python).

Every helper raises :class:`~govkit.errors.ValidationError` whose message starts with the field's
Chinese label; ``error.details["field"]`` holds the attribute name.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from govkit.catalog.models import MATERIAL_FORMS, MATERIAL_NECESSITIES
from govkit.errors import ValidationError

#: Field labels used in messages (and as column headers by the import/export).
LABELS: dict[str, str] = {
    "basic_code": "基本编码", "name": "名称", "synonyms": "别名简称", "item_type": "事项类型",
    "service_object": "服务对象", "blank_form_path": "空白表格文件", "sample_path": "示范文本文件",
    "exercise_level": "行使层级", "parent_code": "上级事项编码", "code": "实施编码", "version": "版本",
    "division_code": "实施区划代码", "department": "实施部门", "legal_days": "法定时限",
    "promised_days": "承诺时限", "max_extensions": "可延期次数", "max_extension_days": "每次延期上限（工作日）",
    "kind": "办件类型", "handling_forms": "办理形式", "online_mode": "网上办理深度",
    "visits_needed": "到现场次数", "status": "状态", "form": "材料形式", "copies": "份数",
    "necessity": "必要性", "condition_text": "情形说明", "amount": "收费金额", "basis": "收费依据",
    "days": "时限（工作日）", "law": "法律法规名称", "free": "不收费",
}


def _error(field: str, message: str) -> ValidationError:
    return ValidationError(f"{LABELS.get(field, field)}：{message}", field=field)


def _text(data: Mapping[str, Any], field: str, *, required: bool = False, max_length: int | None = None) -> str | None:
    value = data.get(field)
    value = None if value is None else str(value).strip()
    if not value:
        if required:
            raise _error(field, "不能为空，请填写。")
        return None
    if max_length and len(value) > max_length:
        raise _error(field, f"最多 {max_length} 个字，实际 {len(value)} 个字，请精简。")
    return value


def _int(data: Mapping[str, Any], field: str, *, default: int | None = None, minimum: int = 0) -> int:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise _error(field, "不能为空，请填写整数。")
        return default
    if isinstance(value, bool):
        raise _error(field, f"应为整数，实际为“{value}”。")
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise _error(field, f"应为整数，实际为“{value}”。") from None
    if number < minimum:
        raise _error(field, f"不能小于 {minimum}，实际为 {number}。")
    return number


def _bool(data: Mapping[str, Any], field: str, default: bool) -> bool:
    value = data.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"是", "true", "1", "yes", "y"}:
        return True
    if text in {"否", "false", "0", "no", "n"}:
        return False
    raise _error(field, f"应填“是”或“否”，实际为“{value}”。")


def _choice(data: Mapping[str, Any], field: str, choices: Iterable[str], default: str) -> str:
    value = _text(data, field) or default
    if value not in choices:
        raise _error(field, f"“{value}”无效，应为以下之一：{'、'.join(choices)}。")
    return value


def _date(data: Mapping[str, Any], field: str) -> date | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _error(field, f"日期“{value}”无效，请写成 2025-01-31 的格式。") from None


def split_list(value: str | None) -> list[str]:
    """Split ``"窗口办理、网上办理"`` (、 , ， ; or ；) into its parts."""
    if not value:
        return []
    for sep in ("，", ",", "；", ";"):
        value = value.replace(sep, "、")
    return [part.strip() for part in value.split("、") if part.strip()]


def clean_legal_basis(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"law": _text(data, "law", required=True, max_length=200),
            "article": _text(data, "article", max_length=100), "text": _text(data, "text")}


def clean_material(data: Mapping[str, Any]) -> dict[str, Any]:
    necessity = _choice(data, "necessity", MATERIAL_NECESSITIES, "必需")
    condition = _text(data, "condition_text")
    if necessity == "情形必需" and not condition:
        raise _error("condition_text", "必要性为“情形必需”时必须写明在什么情形下需要该材料。")
    return {
        "name": _text(data, "name", required=True, max_length=200),
        "form": _choice(data, "form", MATERIAL_FORMS, "原件"),
        "copies": _int(data, "copies", default=1, minimum=0),
        "necessity": necessity,
        "condition_text": condition,
        "source_channel": _text(data, "source_channel", max_length=100),
        "acceptance_standard": _text(data, "acceptance_standard"),
        "blank_form_path": _attachment_path(data, "blank_form_path"),
        "blank_form_name": _text(data, "blank_form_name", max_length=200),
        "sample_path": _attachment_path(data, "sample_path"),
        "sample_name": _text(data, "sample_name", max_length=200),
    }


def _attachment_path(data: Mapping[str, Any], field: str) -> str | None:
    """A form's path relative to the storage folder, inside its ``catalog/`` part (where uploads go): an imported
    file must not point the public download at case scans or issued documents."""
    path = _text(data, field, max_length=300)
    if path is None:
        return None
    parts = path.replace("\\", "/").split("/")
    if parts[0] != "catalog" or len(parts) < 2 or any(part in ("", ".", "..") for part in parts):
        raise _error(field, f"“{path}”无效：附件须是存储目录下 catalog/ 中的文件（如 catalog/ab/….pdf）。")
    return path


def clean_fee(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("amount")
    try:
        amount = Decimal(str(raw).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise _error("amount", f"应为金额（元），实际为“{raw}”。") from None
    if amount < 0:
        raise _error("amount", f"不能为负数，实际为 {amount}。")
    return {"name": _text(data, "name", required=True, max_length=100), "amount": amount,
            "basis": _text(data, "basis", required=True)}


def clean_step(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": _text(data, "name", required=True, max_length=100), "days": _int(data, "days", default=0),
            "description": _text(data, "description"), "actor": _text(data, "actor", max_length=100)}


def clean_special_procedure(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": _text(data, "name", required=True, max_length=100), "days": _int(data, "days", default=0),
            "counts_in_deadline": _bool(data, "counts_in_deadline", False),
            "description": _text(data, "description")}
