"""Built-in plugin: the default case workflow (DESIGN §2.3), case API and case admin list."""
from govkit.plugins import hookimpl
from govkit.settings import Setting


@hookimpl
def register_settings():
    return [
        Setting("CALENDAR_CACHE_SECONDS", int, 60,
                "Seconds a worker keeps the built working-day calendar before reloading it from the database."),
    ]


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.cases.cli import cases_group

    cli.add_command(cases_group)


@hookimpl
def register_workflow_actions():
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.cases.actions import DEFAULT_ACTIONS

    return list(DEFAULT_ACTIONS)


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.cases.api import CaseApi
    from govkit.cases.views import CaseAdminView

    appbuilder.add_api(CaseApi)
    appbuilder.add_view(CaseAdminView, "办件列表", category="办件", category_label="办件", icon="fa-folder-open")
