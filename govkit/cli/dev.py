"""Developer helper: regenerate the initial migration from the models (pre-release only).

Usage: python -m govkit.cli.dev regenerate-migration
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from govkit.migrate import MIGRATIONS, alembic_config


def regenerate_initial_migration() -> Path:
    versions = MIGRATIONS / "versions"
    for old in versions.glob("*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/empty.db"
        cfg = alembic_config(url)
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001_initial")
    return next(versions.glob("0001_initial*.py"))


if __name__ == "__main__":
    if sys.argv[1:] == ["regenerate-migration"]:
        print(regenerate_initial_migration())
    else:
        print(__doc__)
