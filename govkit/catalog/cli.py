"""``govkit catalog import|export|sync|load-demo`` (also ``govkit import catalog`` / ``govkit export catalog``)."""
from __future__ import annotations

from pathlib import Path

import click

from govkit.catalog.demo import load_demo_catalog
from govkit.catalog.models import seed_item_type_mappings
from govkit.catalog.sync import sync_plugin_items
from govkit.catalog.transfer import FORMATS, export_catalog, format_of, import_catalog
from govkit.cli.core import make_app
from govkit.db import db
from govkit.errors import ImportRowError
from govkit.state import get_state


@click.group("catalog", help="事项目录：批量导入导出、插件本地事项同步、演示目录。")
def catalog_group() -> None:
    pass


@click.command("import", help="导入事项目录文件（csv/xlsx/json）：先检查全部行，有任何错误则不导入任何数据并列出行号。")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default=None,
              help="文件格式；默认按扩展名判断。")
def import_command(path: str, fmt: str | None) -> None:
    """Import a catalog file: every row is checked first; nothing is written when any row is wrong."""
    app = make_app()
    with app.app_context():
        try:
            seed_item_type_mappings(db.session)
            counts = import_catalog(db.session, Path(path).read_bytes(), fmt or format_of(path))
        except ImportRowError as error:
            db.session.rollback()
            for _line, message in error.errors:
                click.echo(message, err=True)
            raise click.ClickException(f"共 {len(error.errors)} 处错误，没有导入任何数据。") from None
        db.session.commit()
    click.echo("已导入：" + "，".join(f"{table} {n} 行" for table, n in counts.items()) + "。")


@click.command("export", help="导出全部事项目录（可原样导入；往返导出逐字节一致）。")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default=None,
              help="文件格式；默认按扩展名判断。")
def export_command(path: str, fmt: str | None) -> None:
    """Export the whole catalog (re-importable, byte-identical after a round trip)."""
    fmt = fmt or format_of(path)
    if fmt not in FORMATS:
        raise click.ClickException("请用 --format 指定 csv、xlsx 或 json（或使用对应的扩展名）。")
    app = make_app()
    with app.app_context():
        data = export_catalog(db.session, fmt)
    Path(path).write_bytes(data)
    click.echo(f"已导出到 {path}（{len(data)} 字节）。")


@click.command("sync", help="同步各插件提供的本地事项（register_service_items），报告与管理员修改的冲突。")
@click.option("--overwrite", multiple=True, metavar="基本编码", help="冲突时采用插件内容（可多次使用）。")
@click.option("--keep", multiple=True, metavar="基本编码", help="冲突时保留管理员修改，不再提示（可多次使用）。")
def sync_command(overwrite: tuple[str, ...], keep: tuple[str, ...]) -> None:
    """Upsert the local items of every plugin (register_service_items) and report conflicts."""
    app = make_app()
    with app.app_context():
        state = get_state(app)
        seed_item_type_mappings(db.session)
        report = sync_plugin_items(db.session, state.pm, state.settings, overwrite=overwrite, keep=keep)
        db.session.commit()
    echo_report(report)
    if report.conflicts or report.errors:
        raise SystemExit(1)


def echo_report(report) -> None:
    click.echo(f"新增 {len(report.created)}，更新 {len(report.updated)}，未变 {len(report.unchanged)}，"
               f"保留管理员修改 {len(report.kept)}，冲突 {len(report.conflicts)}，错误 {len(report.errors)}。")
    for conflict in report.conflicts:
        click.echo(f"冲突：{conflict}", err=True)
    for error in report.errors:
        click.echo(f"错误：{error}", err=True)


@click.command("load-demo", help="载入示范县演示事项目录（需先导入示范县区划）。")
def load_demo_command() -> None:
    """Load the demo county's catalog (the demo divisions must be imported first)."""
    app = make_app()
    with app.app_context():
        try:
            counts = load_demo_catalog(db.session)
        except ImportRowError as error:
            db.session.rollback()
            raise click.ClickException(f"{error}（请先导入 govkit/hierarchy/data/demo_county.csv）") from None
        db.session.commit()
    click.echo("已载入演示事项目录：" + "，".join(f"{t} {n} 行" for t, n in counts.items()) + "。")


for _command in (import_command, export_command, sync_command, load_demo_command):
    catalog_group.add_command(_command)


def register(cli: click.Group) -> None:
    cli.add_command(catalog_group)
    try:
        # deferred: optional: the catalog commands also work without the hierarchy ones
        from govkit.hierarchy.cli import group
    except ImportError:  # hierarchy CLI absent: the catalog group alone still works
        return
    group(cli, "import", "导入数据（行政区划、事项目录等）。").add_command(import_command, "catalog")
    group(cli, "export", "导出数据。").add_command(export_command, "catalog")
