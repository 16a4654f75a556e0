"""Built-in plugin: the core ``govkit`` commands (init, db, create-admin, run, demo, plugins)."""
from govkit.plugins import hookimpl


@hookimpl
def register_commands(cli):
    from govkit.cli import core  # deferred: built-ins load with the settings; domain code loads when the hook runs

    for command in core.COMMANDS:
        cli.add_command(command)
