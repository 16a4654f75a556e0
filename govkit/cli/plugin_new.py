"""``govkit plugin new NAME``: scaffold a plugin package (插件脚手架).

The package has a ``pyproject.toml`` declaring an entry point in group ``govkit``, a
module with one working example per main hook, and tests that use the fixtures of the
``govkit.testing`` pytest plugin. Templates live in ``govkit/cli/scaffold/`` as
``*.tmpl`` files filled with :class:`string.Template` (``$package`` …), so the Python
code inside them needs no brace escaping.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

import click

SCAFFOLD = Path(__file__).parent / "scaffold"

#: Scaffold file → path in the new project ("{package}" is replaced).
FILES: tuple[tuple[str, str], ...] = (
    ("pyproject.toml.tmpl", "pyproject.toml"),
    ("README.md.tmpl", "README.md"),
    ("package/__init__.py.tmpl", "{package}/__init__.py"),
    ("package/plugin.py.tmpl", "{package}/plugin.py"),
    ("package/forms.py.tmpl", "{package}/forms.py"),
    ("package/notices.py.tmpl", "{package}/notices.py"),
    ("package/views.py.tmpl", "{package}/views.py"),
    ("tests/conftest.py.tmpl", "tests/conftest.py"),
    ("tests/test_plugin.py.tmpl", "tests/test_{package}.py"),
)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class PluginNames:
    """The names derived from the NAME argument."""

    distribution: str  # pip name, e.g. govkit-water
    package: str  # import name and entry point name, e.g. govkit_water
    title: str  # human title shown in menus

    def as_mapping(self) -> dict[str, str]:
        return {"distribution": self.distribution, "package": self.package, "title": self.title,
                "package_upper": self.package.upper(),
                # View class names become FAB blueprint and permission names: keep them unique.
                "view_class": "".join(part.capitalize() for part in self.package.split("_")) + "View"}


def plugin_names(name: str, title: str | None = None) -> PluginNames:
    """Derive distribution and package names from ``name``; raise ValueError if unusable."""
    if not _NAME.match(name or ""):
        raise ValueError(f"插件名称 {name!r} 无效：只能包含字母、数字、-、_ 和 .，且以字母开头。")
    package = re.sub(r"[-.]+", "_", name).lower()
    if keyword.iskeyword(package) or package in {"govkit", "test", "tests"}:
        raise ValueError(f"插件名称 {name!r} 与 Python 或 govkit 的名称冲突，请换一个名称。")
    distribution = re.sub(r"[_.]+", "-", name).lower()
    return PluginNames(distribution=distribution, package=package, title=title or name)


def scaffold_plugin(name: str, directory: Path, *, title: str | None = None) -> Path:
    """Write the plugin project for ``name`` into ``directory/<distribution>``; return that folder.

    Refuses to overwrite an existing non-empty folder.
    """
    names = plugin_names(name, title)
    target = Path(directory) / names.distribution
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} 已存在且不为空，未做任何修改。")
    values = names.as_mapping()
    # Render everything before writing anything, so a failure leaves no half project.
    rendered = [
        (target / dest.format(**values), Template((SCAFFOLD / source).read_text(encoding="utf-8")).substitute(values))
        for source, dest in FILES
    ]
    for path, text in rendered:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


@click.group("plugin")
def plugin_group() -> None:
    """Plugin author tools."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--dir", "directory", default=".", show_default=True, type=click.Path(file_okay=False),
              help="在此文件夹下创建插件项目。")
@click.option("--title", default=None, help="菜单和说明中显示的插件中文名称。")
def plugin_new(name: str, directory: str, title: str | None) -> None:
    """Scaffold a plugin package NAME (entry point, one example per hook, tests)."""
    try:
        target = scaffold_plugin(name, Path(directory), title=title)
    except (ValueError, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from exc
    names = plugin_names(name, title)
    click.echo(f"已创建插件项目 {target}")
    click.echo(f"  包名 {names.package}，入口点 govkit = {names.package}.plugin")
    click.echo("下一步：")
    click.echo(f"  pip install -e {target}")
    click.echo(f"  pytest {target / 'tests'}")
    click.echo("  govkit plugins   # 确认插件已加载")
