"""Personal data in application forms (申请表中的个人信息): declared per field, masked by role, revealed on record.

An item's form (the ``item_application_form`` hook) declares which of its fields hold personal data, and
of which class, in a class attribute that mixins may share::

    class BankAccountMixin:
        govkit_personal_data = {"account_number": "bank_account"}

Classes: ``id_number`` (ID numbers, also those written inside a text such as a household list),
``bank_account``, ``phone``, ``health`` (health and disability data: a sensitive class under
《个人信息保护法》第二十八条, hidden entirely), ``other`` (hidden entirely). The case page, the REST API and
any export show these fields masked, like the applicant's own ID number (:func:`mask_id_number`); the
roles in :data:`REVEAL_ROLES` may reveal them in full, and each reveal is an audit entry (第五十一条: the
handler takes access control and logging measures). Plain Python: no Flask.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.hierarchy.scope import ADMIN_ROLE

__all__ = ["DATA_CLASSES", "REVEAL_ROLES", "declared", "case_fields", "mask_value", "mask_form_data",
           "has_personal_data"]

#: Data class → label shown next to a masked value.
DATA_CLASSES = {"id_number": "身份证件号码", "bank_account": "银行账号", "phone": "电话号码",
                "health": "健康信息", "other": "个人信息"}
#: Roles that see the applicant's ID in full in the API, and may reveal personal form fields (audited).
REVEAL_ROLES = ("受理员", "办理员", ADMIN_ROLE)
HIDDEN = "（已隐藏）"
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def declared(form_class: Any) -> dict[str, str]:
    """Field name → data class declared by ``form_class`` and its bases (``govkit_personal_data``)."""
    result: dict[str, str] = {}
    for cls in reversed(getattr(form_class, "__mro__", ())):
        result.update(vars(cls).get("govkit_personal_data", {}) or {})
    unknown = sorted(set(result.values()) - set(DATA_CLASSES))
    if unknown:
        raise ValueError(f"{form_class.__name__}.govkit_personal_data: unknown data class {unknown}; "
                         f"use one of {sorted(DATA_CLASSES)}")
    return result


def case_fields(workflow: Any, session: Any, case: Any) -> dict[str, str]:
    """The personal-data fields declared by the form of ``case``'s item (empty without a form)."""
    if not case.form_data:
        return {}
    form_class = workflow.pm.hook.item_application_form(item_code=workflow.item_code(session, case),
                                                        implementation=case.implementation)
    return declared(form_class) if form_class is not None else {}


def _mask_account(text: str) -> str:
    digits = text.replace(" ", "")
    return "*" * len(digits) if len(digits) <= 8 else digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_value(data_class: str, value: Any) -> Any:
    """``value`` masked for its data class (lists and nested mappings masked element by element)."""
    if value is None or value == "":
        return value
    if isinstance(value, list):
        return [mask_value(data_class, v) for v in value]
    if isinstance(value, Mapping):
        return {k: mask_value(data_class, v) for k, v in value.items()}
    text = str(value)
    if data_class == "id_number":
        masked = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(1)), text)
        return masked if masked != text else mask_id_number(text)
    if data_class == "bank_account":
        return _mask_account(text)
    if data_class == "phone":
        return mask_phone(text)
    return HIDDEN


def mask_form_data(form_data: Mapping[str, Any] | None, classes: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``form_data`` with every declared field masked."""
    data = dict(form_data or {})
    for name, data_class in classes.items():
        if name in data:
            data[name] = mask_value(data_class, data[name])
    return data


def has_personal_data(form_data: Mapping[str, Any] | None, classes: Mapping[str, str]) -> bool:
    """True when ``form_data`` holds a non-empty value in a declared field."""
    return any((form_data or {}).get(name) not in (None, "", []) for name in classes)
