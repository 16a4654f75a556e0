"""Built-in plugin: the core ``govkit`` commands (init, db, create-admin, run, demo, plugins)."""
from govkit.plugins import hookimpl


@hookimpl
def register_commands(cli):
    from govkit.cli import core

    for command in core.COMMANDS:
        cli.add_command(command)
