"""Built-in plugin: supervision (电子监察) — yellow/red cards, completion rates, 好差评 and complaints,
督办单, automatic escalation, deadline cards and charts."""
from govkit.plugins import hookimpl
from govkit.settings import Setting


@hookimpl
def register_settings():
    return [
        Setting("SUPERVISION_ORDER_DAYS", int, 5,
                "Default working days a unit has to answer a 督办单 (also the deadline of escalated orders)."),
        Setting("ESCALATE_CASE_RED_DAYS", int, 3,
                "Working days a case may stay red (past its due date) before `govkit supervision escalate` "
                "orders it from the level above (township → county → city)."),
        Setting("ESCALATE_CASE_RED_DAYS_BY_ITEM", dict, {},
                "Per item: basic code (基本编码) → working days red before escalation; overrides "
                "ESCALATE_CASE_RED_DAYS."),
        Setting("COMPLAINT_HANDLING_DAYS", int, 15,
                "Working days to answer a complaint (投诉办理期限); past it the complaint escalates one level up."),
        Setting("RATING_VERIFY_DAYS", int, 3,
                "Working days to verify a 差评 (核实, 国办发〔2019〕51号 强化差评整改) before its card turns red."),
        Setting("PERFORMANCE_WEIGHTS", dict,
                {"on_time_rate": 60, "early_rate": 10, "satisfaction": 30, "overdue": -1, "complaints": -2,
                 "orders": -2},
                "Weights of the performance score (绩效综合得分 = Σ weight × figure): on_time_rate, early_rate, "
                "satisfaction (fractions 0–1), overdue, complaints, orders, completed, received (counts)."),
        Setting("CALLBACK_DAYS", int, 5,
                "Working days after a 差评 is rectified within which the rater is called back (回访)."),
    ]


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.supervision import accountability_views, monitor_views, order_views, views

    views.register(appbuilder, app)
    order_views.register(appbuilder, app)
    monitor_views.register(appbuilder, app)
    accountability_views.register(appbuilder, app)


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.supervision.cli import supervision

    cli.add_command(supervision)
