"""``govkit storage check``: find scans no case refers to and temp files left by a crash."""
from __future__ import annotations

import time

import click
from sqlalchemy import select

from govkit.cases.models import Attachment
from govkit.db import db
from govkit.desk.storage import FileStore, stored_hashes


@click.group("storage")
def storage_group() -> None:
    """Uploaded scans (扫描件存储)."""


@storage_group.command("check")
@click.option("--delete", is_flag=True, help="删除无人引用的文件和 1 小时前遗留的临时文件。")
def check_command(delete: bool) -> None:
    """List (or delete) stored files without an Attachment row and stale temp files."""
    # deferred: looked up when run, so tests can replace govkit.app.create_app
    from govkit.app import create_app, get_state

    app = create_app()
    with app.app_context():
        store = FileStore(app.config["GOVKIT_STORAGE_DIR"], get_state(app).settings["UPLOAD_MAX_BYTES"])
        used = set(db.session.scalars(select(Attachment.sha256).distinct()))
        orphans = [h for h in stored_hashes(store) if h not in used]
        stale = [p for p in store.stale_incoming() if time.time() - p.stat().st_mtime > 3600]
    for sha in orphans:
        click.echo(f"无引用  {store.path_for(sha)}")
        if delete:
            store.delete(sha)
    for path in stale:
        click.echo(f"临时文件 {path}")
        if delete:
            path.unlink(missing_ok=True)
    verb = "已删除" if delete else "发现"
    click.echo(f"{verb}无引用文件 {len(orphans)} 个、遗留临时文件 {len(stale)} 个。", err=True)
