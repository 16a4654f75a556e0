"""The govkit command line: init, db upgrade, create-admin, plugins, plugin commands."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import types

import click
from click.testing import CliRunner

from govkit import hookimpl


def govkit(*args, cwd=None, env=None):
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("GOVKIT_CONFIG", None)
    if env and "GOVKIT_CONFIG" in env:
        full_env["GOVKIT_CONFIG"] = env["GOVKIT_CONFIG"]
    # The installed console script, as an operator runs it (`python -c` would put the working directory on sys.path).
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "govkit"), *args],
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


def test_init_db_upgrade_create_admin_and_plugins(tmp_path):
    target = tmp_path / "county"
    result = govkit("init", str(target), "--name", "测试县", "--county-code", "621002000000")
    assert result.returncode == 0, result.stderr
    assert (target / "govkit.toml").exists() and (target / "local_plugin.py").exists()
    assert (target / "instance").is_dir()
    again = govkit("init", str(target))
    assert again.returncode != 0 and "已存在" in again.stderr

    env = {"PYTHONPATH": ""}  # the local plugin is found next to govkit.toml
    upgrade = govkit("db", "upgrade", cwd=target, env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    assert (target / "instance" / "govkit.db").exists()
    assert "已创建数据库结构并升级到最新版本" in upgrade.stdout

    # A background process starts without syncing FAB's permissions (several at once would race on the rows);
    # a one-off command syncs them.
    def admin_permissions() -> int:
        with sqlite3.connect(target / "instance" / "govkit.db") as conn:
            return conn.execute("SELECT count(*) FROM ab_permission_view_role JOIN ab_role r ON r.id = role_id "
                                "WHERE r.name = 'Admin'").fetchone()[0]

    synced = admin_permissions()
    with sqlite3.connect(target / "instance" / "govkit.db") as conn:
        conn.execute("DELETE FROM ab_permission_view_role")
    consumer = govkit("inbound", "consume", cwd=target, env=env)
    assert consumer.returncode != 0 and "未配置 AMQP_URL" in consumer.stderr, consumer.stderr
    assert synced > 100 and admin_permissions() == 0
    admin = govkit("create-admin", "--username", "admin", "--name", "管理员", "--password", "s3cret-pw",
                   cwd=target, env=env)
    assert admin.returncode == 0, admin.stderr
    assert admin_permissions() == synced
    duplicate = govkit("create-admin", "--username", "admin", "--name", "管理员", "--password", "x",
                       cwd=target, env=env)
    assert duplicate.returncode != 0 and "已存在" in duplicate.stderr

    plugins = govkit("plugins", cwd=target, env=env)
    assert plugins.returncode == 0, plugins.stderr
    assert "local_plugin" in plugins.stdout and "[config]" in plugins.stdout
    assert "govkit.builtins.settings" in plugins.stdout


def test_invalid_setting_in_config_file_is_reported_with_key(tmp_path):
    (tmp_path / "govkit.toml").write_text('[govkit]\nUPLOAD_MAX_BYTES = "big"\n', encoding="utf-8")
    result = govkit("plugins", cwd=tmp_path)
    assert result.returncode != 0
    assert "UPLOAD_MAX_BYTES" in result.stderr


def test_plugin_adds_a_command():
    from govkit.cli import cli
    from govkit.plugins import build_plugin_manager

    plugin = types.SimpleNamespace()

    @hookimpl
    def register_commands(cli):
        @cli.command("hello-county")
        def hello():
            click.echo("你好，县里")

    plugin.register_commands = register_commands
    pm = build_plugin_manager(load_entrypoints=False, extra_plugins=[("hello", plugin)])
    group = click.Group(commands=dict(cli.commands))
    pm.hook.register_commands(cli=group)
    result = CliRunner().invoke(group, ["hello-county"])
    assert result.exit_code == 0 and "你好，县里" in result.output
    assert "db" in group.commands and "init" in group.commands


def test_plugin_adds_a_view(make_app, login_as):
    from flask_appbuilder import BaseView, expose, has_access

    class HelloView(BaseView):
        route_base = "/hello"
        default_view = "index"
        govkit_role_permissions = {"代办员": ["can_index"]}

        @expose("/")
        @has_access
        def index(self):
            return "便民服务"

    plugin = types.SimpleNamespace()

    @hookimpl
    def register_views(appbuilder, app):
        appbuilder.add_view(HelloView, "便民", category="便民服务")

    plugin.register_views = register_views
    app = make_app(plugins=[("hello-views", plugin)])
    client = app.test_client()
    with app.app_context():
        from govkit.testing.fixtures import create_user

        user = create_user(app, "代办员", "621002100201")
        client.post("/login/", data={"username": user.username, "password": "pw-123456"})
    response = client.get("/hello/")
    assert response.status_code == 200 and "便民服务" in response.get_data(as_text=True)
