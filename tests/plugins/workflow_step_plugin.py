"""Fake county plugin: a village public notice (村级公示) step for one item.

After the township signs for a case of item ``ITEM_CODE``, the village committee posts
the application publicly for a few days before the township review: the case goes
``signed → publicising`` (by the village clerk) and back ``publicising → signed``.
The steps pass the same role and scope checks as the built-in ones.
"""
from govkit import hookimpl
from govkit.cases.workflow import WorkflowAction

ITEM_CODE = "000123456001"


def _note_days(ctx):
    ctx.data["notice_days"] = int(ctx.fields.get("days") or 5)


@hookimpl
def register_workflow_actions():
    return [
        WorkflowAction("publicise", "村级公示", ("signed",), "publicising", ("受理员",), scope="accepting",
                       items=(ITEM_CODE,), to_state_label="村级公示中", effect=_note_days),
        WorkflowAction("end_publicity", "公示结束", ("publicising",), "signed", ("受理员",), scope="accepting",
                       items=(ITEM_CODE,)),
    ]
