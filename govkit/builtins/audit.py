"""Built-in plugin: the audit trail — its screen and the ``govkit audit`` commands."""
from govkit.plugins import hookimpl


@hookimpl
def register_views(appbuilder, app):
    from govkit.audit import views  # deferred: built-ins load with the settings; domain code loads when the hook runs

    views.register(appbuilder)


@hookimpl
def register_commands(cli):
    from govkit.audit import cli as audit_cli  # deferred: built-ins load with the settings; domain code loads later

    audit_cli.register(cli)
