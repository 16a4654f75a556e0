"""``govkit import divisions`` and ``govkit export divisions``."""
from __future__ import annotations

import click

from govkit.cli.core import make_app
from govkit.db import db
from govkit.errors import ImportRowError
from govkit.hierarchy.sample import sample_for_code
from govkit.hierarchy.scope import Scope
from govkit.hierarchy.services import export_divisions as run_export, import_divisions as run_import


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
@click.argument("path", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--sample", metavar="县级代码", default=None,
              help="导入 govkit 自带的样例区划而不是文件：621002（甘肃省庆阳市西峰区）或 629901（演示用示范县）。")
@click.option("--format", "fmt", type=click.Choice(["nbs", "five-level"]), default="nbs", show_default=True,
              help="nbs：代码,名称,城乡分类代码；"
                   "five-level：公开数据集的五级 CSV（代码,名称,级别,上级代码[,城乡分类]）。")
@click.option("--encoding", default=None, help="文件编码；默认自动识别 UTF-8 / GB18030。")
@click.option("--batch-size", default=5000, show_default=True, help="每批写入的行数。")
def import_divisions(path: str | None, sample: str | None, fmt: str, encoding: str | None, batch_size: int) -> None:
    """Import division codes (统计用区划代码) from a CSV file or a shipped sample: all rows are checked
    first, then written in one transaction (re-import updates, never duplicates)."""
    if (path is None) == (sample is None):
        raise click.UsageError("请给出区划文件 PATH，或用 --sample 621002 导入自带样例（二者选一）。")
    if sample is not None:
        try:
            path, fmt = str(sample_for_code(sample)), "nbs"
        except KeyError as exc:
            raise click.BadParameter(exc.args[0], param_hint="--sample") from None
    app = make_app()
    with app.app_context():
        bar = _ProgressBar()
        try:
            result = run_import(db.session, path, fmt, encoding=encoding, progress=bar, batch_size=batch_size)
        except ImportRowError as error:
            bar.close()
            for line, message in error.errors:
                click.echo(f"第 {line} 行：{message}", err=True)
            raise click.ClickException(str(error)) from None
        finally:
            bar.close()
    levels = "，".join(f"{LEVELS[k]} {v}" for k, v in sorted(result.by_level.items()) if v)
    click.echo(f"已导入 {result.rows} 行（新增 {result.created}，更新或不变 {result.updated}）：{levels}。")


LEVELS = {1: "省级", 2: "市级", 3: "县级", 4: "乡级", 5: "村级"}


class _ProgressBar:
    """progress(done, total, phase) callback drawing one click progress bar per phase."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.bar = None
        self.done = 0

    def __call__(self, done: int, total: int, phase: str) -> None:
        if phase != self.phase:
            self.close()
            self.phase, self.done = phase, 0
            self.bar = click.progressbar(length=total or None, label=phase, file=None, show_pos=True)
            self.bar.__enter__()
        if total and self.bar.length in (None, 0):
            self.bar.length = total
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("divisions")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--under", default=None, help="只导出此区划代码及其下级。")
def export_divisions(path: str, under: str | None) -> None:
    """Export divisions to CSV (统计用区划代码,名称,城乡分类代码), re-importable with --format nbs."""
    scope = Scope.for_division(under) if under else None
    app = make_app()
    with app.app_context():
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            count = run_export(db.session, out, scope=scope)
    click.echo(f"已导出 {count} 个区划到 {path}。")
