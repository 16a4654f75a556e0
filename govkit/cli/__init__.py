"""The ``govkit`` command line. Every command, built-in or not, comes from a plugin."""
from __future__ import annotations

import os
import sys

import click

from govkit.app import load_settings
from govkit.errors import GovkitError


@click.group(help="govkit：县域四级政务服务网络框架。")
@click.option("-c", "--config", "config_path", metavar="FILE",
              help="部署配置文件（govkit.toml）；默认读取 $GOVKIT_CONFIG。")
@click.version_option(package_name="govkit")
def cli(config_path: str | None) -> None:
    if config_path:
        os.environ["GOVKIT_CONFIG"] = os.path.abspath(config_path)


def _peek_config(argv: list[str]) -> None:
    """Honour ``--config`` before click parses, so plugins listed in it add their commands."""
    for i, arg in enumerate(argv):
        if arg in ("-c", "--config") and i + 1 < len(argv):
            os.environ["GOVKIT_CONFIG"] = os.path.abspath(argv[i + 1])
        elif arg.startswith("--config="):
            os.environ["GOVKIT_CONFIG"] = os.path.abspath(arg.split("=", 1)[1])
    if "GOVKIT_CONFIG" not in os.environ and os.path.exists("govkit.toml"):
        os.environ["GOVKIT_CONFIG"] = os.path.abspath("govkit.toml")


def build_cli() -> click.Group:
    """Load plugins and let each add its commands."""
    _, pm = load_settings()
    pm.hook.register_commands(cli=cli)
    return cli


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _peek_config(argv)
        group = build_cli()
        group.main(args=argv, prog_name="govkit", standalone_mode=True)
    except GovkitError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
