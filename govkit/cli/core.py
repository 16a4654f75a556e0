"""Core commands: init, db upgrade, create-admin, run, demo, plugins."""
from __future__ import annotations

import getpass
import os
import secrets
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from govkit.app import create_app, load_settings
from govkit.auth.passwords import require_change as require_password_change
from govkit.auth.roles import sync_roles
from govkit.migrate import upgrade
from govkit.partitions import detach_before, ensure_partitions, is_postgres, list_partitions, parse_month

CONFIG_TEMPLATE = '''# govkit deployment configuration. Every key is documented in docs/configuration.md.
# Environment variables GOVKIT_<KEY> override these values.
[govkit]
SITE_NAME = "{name}政务服务网"
COUNTY_CODE = "{county}"
INSTANCE_PATH = "instance"
# DATABASE_URL = "postgresql://govkit:secret@127.0.0.1/govkit"
SECRET_KEY = "{secret}"
PLUGINS = ["local_plugin"]
PUBLIC_BASE_URL = "http://127.0.0.1:5000"
'''

PLUGIN_TEMPLATE = '''"""Local plugin of this deployment: add county items, forms, templates here.

See docs/plugin_hooks.md for every hook. This module is loaded because it is
listed in govkit.toml under PLUGINS.
"""
from govkit import hookimpl


@hookimpl
def register_service_items(settings):
    return []
'''


def make_app(*, update_perms: bool = True):
    """The app a command works in; a long-running background process passes ``update_perms=False``
    (see :func:`govkit.app.create_app`)."""
    return create_app(update_perms=update_perms)


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", default="示范县", help="县（区）名称。")
@click.option("--county-code", default="", help="本县 12 位统计用区划代码。")
def init_command(directory: str, name: str, county_code: str) -> None:
    """Scaffold a county deployment: config file, instance folder, local plugin stub."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    config = target / "govkit.toml"
    if config.exists():
        raise click.ClickException(f"{config} 已存在，未做任何修改。")
    (target / "instance").mkdir(exist_ok=True)
    config.write_text(
        CONFIG_TEMPLATE.format(name=name, county=county_code, secret=secrets.token_hex(32)), encoding="utf-8"
    )
    plugin = target / "local_plugin.py"
    if not plugin.exists():
        plugin.write_text(PLUGIN_TEMPLATE, encoding="utf-8")
    click.echo(f"已创建部署目录 {target}：govkit.toml、instance/、local_plugin.py")
    click.echo(f"下一步：cd {target} && govkit db upgrade && govkit import divisions --sample 621002 "
               "&& govkit create-admin（区划请用本县的统计用区划代码文件；样例仅供试用）")


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations and sync built-in roles and permissions."""
    settings, _ = load_settings()
    url = settings["DATABASE_URL"] or _default_sqlite_url(settings)
    click.echo("正在升级数据库结构 …")
    result = upgrade(url, revision)
    app = make_app()
    with app.app_context():
        sync_roles(app.appbuilder)
    click.echo(result.message())


@db_group.group("partitions")
def partitions_group() -> None:
    """PostgreSQL 分区历史表（办件事件、发件箱、审计日志按月分区）：查看、提前建分区、分离归档。"""


def _partition_engine() -> tuple[sa.Engine, dict]:
    settings, _ = load_settings()
    url = settings["DATABASE_URL"] or _default_sqlite_url(settings)
    engine = sa.create_engine(url)
    if not _is_postgres_engine(engine):
        engine.dispose()
        raise click.ClickException("只有 PostgreSQL 的办件事件、发件箱和审计日志按月分区；SQLite 不分区，无需此命令。")
    return engine, settings


def _is_postgres_engine(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        return is_postgres(connection)


@partitions_group.command("list")
def partitions_list() -> None:
    """List each table's monthly partitions (attached or detached) and the default partition's rows."""
    engine, _ = _partition_engine()
    try:
        with engine.connect() as connection:
            partitions = list_partitions(connection)
    finally:
        engine.dispose()
    for p in partitions:
        state = "已挂接" if p.attached else "已分离（待归档）"
        rows = f"{p.rows} 行" if p.month is None else f"约 {p.rows} 行"
        click.echo(f"{p.table}\t{p.label}\t{p.name}\t{state}\t{rows}")
    if not partitions:
        click.echo("没有分区表：请先运行 govkit db upgrade。")


@partitions_group.command("ensure")
@click.option("--ahead", type=int, default=None, help="提前创建的月数（默认 PARTITION_MONTHS_AHEAD）。")
def partitions_ensure(ahead: int | None) -> None:
    """Create this month's and the next months' partitions; move rows out of the default partition. Idempotent."""
    engine, settings = _partition_engine()
    months = int(settings["PARTITION_MONTHS_AHEAD"]) if ahead is None else ahead
    try:
        with engine.begin() as connection:
            report = ensure_partitions(connection, months_ahead=months)
    finally:
        engine.dispose()
    click.echo(report.message())


@partitions_group.command("detach")
@click.option("--before", "before_text", required=True, metavar="YYYY-MM",
              help="分离这个月份之前（不含）的所有月分区。")
@click.option("--table", "tables", multiple=True, type=click.Choice(["gk_case_event", "gk_outbox", "gk_audit_entry"]),
              help="只分离这些表的分区（可重复；默认三张表都分离）。")
def partitions_detach(before_text: str, tables: tuple[str, ...]) -> None:
    """Detach (never drop) the monthly partitions before a month, for archive; each detach is audited.

    The detached tables stay in the database: dump them (pg_dump -t) and drop them (docs/deployment.md)."""
    try:
        before = parse_month(before_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--before") from None
    engine, _ = _partition_engine()
    try:
        with Session(engine) as session:
            session.info["govkit_actor"] = f"命令行 govkit db partitions detach（{getpass.getuser()}）"
            try:
                detached = detach_before(session, before, **({"tables": tables} if tables else {}))
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
            session.commit()
    finally:
        engine.dispose()
    for item in detached:
        click.echo(f"已分离 {item.name}（{item.rows} 行）：表仍在数据库中，归档后可删除。")
    click.echo(f"共分离 {len(detached)} 个分区（{before:%Y-%m} 之前）。" if detached
               else f"{before:%Y-%m} 之前没有已挂接的月分区。")


def _default_sqlite_url(settings) -> str:
    instance = Path(settings["INSTANCE_PATH"] or os.path.join(os.getcwd(), "instance")).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance / 'govkit.db'}"


@click.command("create-admin")
@click.option("--username", prompt="用户名")
@click.option("--name", "full_name", default="系统管理员", show_default=True, help="姓名。")
@click.option("--email", default=None)
@click.option("--password", prompt="密码", hide_input=True, confirmation_prompt=True,
              help="不给出时提示输入（从标准输入读取时需输入两遍，每遍一行）。")
@click.option("--must-change", is_flag=True, default=False,
              help="初始密码：该账号首次登录后须先修改密码（交给他人使用的账号用这一项）。")
def create_admin(username: str, full_name: str, email: str | None, password: str, must_change: bool) -> None:
    """Create an administrator account (asks for what the options do not give)."""
    app = make_app()
    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username=username):
            raise click.ClickException(f"用户 {username} 已存在。")
        user = sm.add_user(username, full_name, "", email or f"{username}@localhost.invalid",
                           sm.find_role(app.config["AUTH_ROLE_ADMIN"]), password=password)
        if not user:
            raise click.ClickException("创建管理员失败，请查看日志。")
        if must_change:
            require_password_change(sm.session, user.id, "seeded")
            sm.session.commit()
    click.echo(f"已创建管理员 {username}。")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--debug/--no-debug", default=False)
def run_command(host: str, port: int, debug: bool) -> None:
    """Start the development server (use gunicorn in production)."""
    app = make_app()
    app.run(host=host, port=port, debug=debug, use_reloader=False)


@click.command("plugins")
def plugins_command() -> None:
    """List loaded plugins, their versions, the hooks they implement and active print templates."""
    settings, pm = load_settings()
    for info in pm.info():
        click.echo(f"{info.name}  {info.version or '-'}  [{info.source}]")
        click.echo(f"    钩子：{', '.join(info.hooks) or '（无）'}")
    try:
        # deferred: optional example package, installed for `govkit demo` only
        from govkit.printing.registry import registry_from_plugins
    except ImportError:
        return
    registry = registry_from_plugins(pm, settings)
    click.echo("打印模板（生效中）：")
    for template in registry.active():
        replaced = registry.replaced.get(template.name, [])
        note = f"（替换了 {', '.join(replaced)}）" if replaced else ""
        click.echo(f"    {template.name}  {template.title}  ← {template.source}{note}")


@click.command("demo")
@click.option("--folder", default="govkit-demo", show_default=True, help="演示数据库所在文件夹。")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--reset", is_flag=True, help="删除并重新生成演示数据。")
@click.option("--no-serve", is_flag=True, help="只生成数据，不启动服务。")
def demo_command(folder: str, host: str, port: int, reset: bool, no_serve: bool) -> None:
    """Create or reuse the county demo database, seed it and serve it."""
    try:
        import county_demo  # deferred: optional example package, installed for `govkit demo` only
    except ImportError as exc:
        raise click.ClickException(
            "未安装示范县演示包。请运行 `pip install -e examples/county_demo`（或 `make demo`）。"
        ) from exc
    # Every printed link and QR code must point at what this command serves (PUBLIC_BASE_URL).
    base_url = f"http://{host}:{port}"
    app = county_demo.prepare(Path(folder).resolve(), reset=reset, echo=click.echo, PUBLIC_BASE_URL=base_url)
    click.echo(f"演示县已就绪：{base_url}/")
    for line in county_demo.login_lines():
        click.echo("  " + line)
    if not no_serve:
        app.run(host=host, port=port, use_reloader=False)


from govkit.cli.settings_cmd import settings_command  # noqa: E402

COMMANDS = [init_command, db_group, create_admin, run_command, plugins_command, demo_command, settings_command]


from govkit.cli.plugin_new import plugin_group  # noqa: E402  (govkit plugin new NAME)
COMMANDS.append(plugin_group)
