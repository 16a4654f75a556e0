"""``govkit import divisions`` and ``govkit export divisions``."""
from __future__ import annotations

import click


def group(cli: click.Group, name: str, help_text: str) -> click.Group:
    """The sub-group ``name`` of ``cli``, created if no plugin added it yet (shared by plugins)."""
    existing = cli.commands.get(name)
    if isinstance(existing, click.Group):
        return existing
    new = click.Group(name, help=help_text)
    cli.add_command(new)
    return new


def register(cli: click.Group) -> None:
    group(cli, "import", "导入数据（行政区划、事项目录等）。").add_command(import_divisions)
    group(cli, "export", "导出数据为 CSV。").add_command(export_divisions)


@click.command("divisions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["nbs", "five-level"]), default="nbs", show_default=True,
              help="nbs：代码,名称,城乡分类代码；five-level：公开数据集的五级 CSV。")
def import_divisions(path: str, fmt: str) -> None:
    """Import division codes (统计用区划代码) from a CSV file."""
    raise click.ClickException("尚未实现")


@click.command("divisions")
@click.argument("path", type=click.Path(dir_okay=False))
def export_divisions(path: str) -> None:
    """Export every division to CSV (code,name,urban-rural class)."""
    raise click.ClickException("尚未实现")
