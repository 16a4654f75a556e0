"""The govkit demo county (示范县): ``prepare()`` builds and seeds it, ``login_lines()`` lists logins.

``govkit demo`` calls :func:`prepare` with a folder; the SQLite database, secret key and
storage live there. The seed runs once (``reset=True`` starts over).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

__version__ = "0.1.0"

from county_demo.accounts import ACCOUNTS, login_lines  # noqa: E402, F401 -- re-exported: govkit demo calls county_demo.login_lines()

CONFIG_FILE = Path(__file__).with_name("govkit.toml")
SEEDED_MARKER = "county_demo_seeded"


def demo_config(folder: Path, **overrides) -> dict:
    """Settings of the demo app in ``folder`` (the config file plus the folder's paths)."""
    folder = Path(folder)
    config = {
        "CONFIG_FILE": str(CONFIG_FILE),
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
    }
    config.update(overrides)
    return config


def prepare(folder: Path, reset: bool = False, echo: Callable[[str], None] = print, *,
            cases: int = 2000, seed: int = 20260301, **overrides):
    """Create or reuse the demo database under ``folder``, seed it once, return the Flask app."""
    from govkit.toolkit import create_app, load_settings, sync_roles, upgrade_database

    from county_demo import seed as seeding

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = demo_config(folder, **overrides)
    database = folder / "demo.db"
    marker = folder / SEEDED_MARKER
    # Seeding is all or nothing: a database without the marker (a first run, or one that
    # stopped half-way) is started afresh.
    if reset or not marker.exists():
        for path in (database, folder / "demo.db-wal", folder / "demo.db-shm", marker):
            path.unlink(missing_ok=True)
    url = config["DATABASE_URL"]
    echo("正在准备数据库结构 …")
    load_settings(config)  # loads the plugins first, so their tables are in the metadata (as `govkit db upgrade`)
    upgrade_database(url)
    app = create_app(config)
    with app.app_context():
        sync_roles(app.appbuilder)
        if not marker.exists():
            seeding.seed_all(app, cases=cases, seed=seed, echo=echo)
            marker.write_text("seeded\n", encoding="utf-8")
        else:
            echo("演示数据已存在（使用 --reset 重新生成）。")
    return app
