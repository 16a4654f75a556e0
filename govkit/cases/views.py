"""Thin FAB views of cases: a scoped, read-only case list for administrators and supervisors.

The desk UI (受理/办理 screens) is built on :mod:`govkit.cases.workflow` elsewhere; this
list only lets staff find a case and see its state, deadline and events.
"""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import false
from wtforms import SelectField

from govkit.cases.cards import case_scope_clause
from govkit.cases.idnumber import mask_id_number
from govkit.cases.models import Case
from govkit.cases.states import STATE_LABELS, state_code, state_label
from govkit.web.actor import request_actor
from govkit.web.scope import ScopeFilter
from govkit.web.scoped import FastListMixin


class FilterCaseInScope(ScopeFilter):
    """FAB filter: accepting, current or implementing division is in the user's scope."""

    name = "在管辖范围内"
    arg_name = "gkcasescope"

    def apply(self, query, value):
        return query.filter(case_scope_clause(request_actor().scope))

    def count_branches(self, value):
        """The scope's three conditions, the accepting division first (most cases in scope meet it): a list's
        bounded count counts them one index at a time (:func:`govkit.web.scoped.branch_count`)."""
        scope = request_actor().scope
        if scope.empty or scope.is_unrestricted:
            return None
        return list(case_scope_clause(scope).clauses)

    def branches_in_key_order(self, value):
        """True when the scope is one division (a village): each condition is then ``code = X``, which
        ``ix_gk_case_{accepting,current,implementing}_id`` return newest first, so a list page sorted by id reads
        the page's rows of each branch from its own index (:func:`govkit.web.scoped.list_page`). A wider scope is
        a code range, whose rows no index returns in id order; most of the table meets it, so walking the
        primary key backwards finds a page at once."""
        return request_actor().scope.is_one_division


class FilterCaseState(BaseFilter):
    """FAB filter: the case is in this state, chosen by its Chinese label (状态 is a list of choices, not text).

    FAB's own filters for a text column are 开始于/结束于/包含/等于 over what the user types, so finding the
    accepted cases meant typing the code ``accepted`` — and ``LIKE 'accepted%'`` cannot use the state indexes
    (a sequential scan under a Chinese collation; 13–23 ms at 1M cases even under ``C``). This one compares
    with ``=`` (index-backed) and also takes a label (``已受理``); a value that is neither finds nothing.
    """

    name = "是"
    arg_name = "eq"

    def apply(self, query, value):
        code = state_code(value)
        return query.filter(Case.state == code) if code else query.filter(false())

    def statement_key(self, value):
        return repr(value)


class CaseAdminView(FastListMixin, ModelView):
    """办件列表（只读）: bounded count, the item eager-loaded (:class:`govkit.web.scoped.FastListMixin`)."""

    datamodel = SQLAInterface(Case)
    route_base = "/cases"
    class_permission_name = "CaseAdminView"
    base_permissions = ["can_list", "can_show"]
    base_filters = [["id", FilterCaseInScope, None]]
    base_order = ("id", "desc")
    list_title = "办件列表"
    show_title = "办件详情"
    list_columns = ["number", "applicant_name", "implementation", "state", "current_division_code",
                    "due_date", "due_provisional"]
    show_columns = ["number", "state", "implementation", "applicant_name", "applicant_id_number",
                    "accepting_division_code", "current_division_code", "implementing_division_code",
                    "received_date", "accepted_date", "due_date", "due_provisional", "extension_days",
                    "completed_date", "decision", "result_number", "delivery_method", "delivered_at"]
    search_columns = ["number", "state", "accepting_division_code", "current_division_code", "due_date"]
    search_form_extra_fields = {
        "state": SelectField("状态", choices=list(STATE_LABELS.items()), widget=Select2Widget()),
    }
    label_columns = {
        "number": "办件编号", "applicant_name": "申请人", "applicant_id_number": "证件号码",
        "implementation": "事项", "state": "状态", "accepting_division_code": "受理单位区划",
        "current_division_code": "当前所在区划", "implementing_division_code": "实施机关区划",
        "received_date": "收件日期", "accepted_date": "受理日期", "due_date": "承诺办结日期",
        "due_provisional": "期限暂定", "extension_days": "延长天数", "completed_date": "办结日期",
        "decision": "决定", "result_number": "结果文号", "delivery_method": "送达方式", "delivered_at": "送达时间",
    }
    formatters_columns = {
        "state": state_label,
        "applicant_id_number": mask_id_number,
        "due_provisional": lambda v: "暂定" if v else "",
    }
    govkit_role_permissions = {
        role: ["can_list", "can_show"] for role in ("受理员", "代办员", "办理员", "指挥中心", "监察")
    }

    def _init_properties(self) -> None:
        super()._init_properties()
        # 状态: one filter, "是" a state chosen from the list (FilterCaseState), in the form and in the URL
        # (``_flt_0_state=accepted``) alike.
        state = [FilterCaseState("state", self.datamodel)]
        self._filters.get_search_filters()["state"] = state
        self._filters._all_filters["state"] = state
