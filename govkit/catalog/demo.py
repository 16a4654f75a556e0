"""The demo county's catalog (示范县事项目录): 35 village-relevant items, 70+ implementations.

The data file ``data/demo_catalog.json`` is in the import format (see :mod:`govkit.catalog.transfer`)
and is rebuilt by ``python -m govkit.catalog.data.build_demo_catalog``. Its implementations sit at
the division codes of ``govkit/hierarchy/data/demo_county.csv`` (示范市 629900000000, 示范县
629901000000, 城关街道 629901001000, 清河镇 629901101000, 石岭乡 629901201000), which must be
imported first.
"""
from __future__ import annotations

from importlib import resources

from sqlalchemy.orm import Session

from govkit.catalog.models import seed_item_type_mappings
from govkit.catalog.transfer import import_catalog

DEMO_DIVISIONS = ("629900000000", "629901000000", "629901001000", "629901101000", "629901201000")


def demo_catalog_bytes() -> bytes:
    return resources.files("govkit.catalog").joinpath("data/demo_catalog.json").read_bytes()


def load_demo_catalog(session: Session) -> dict[str, int]:
    """Import the demo catalog (idempotent: re-running updates in place); the caller commits."""
    seed_item_type_mappings(session)
    return import_catalog(session, demo_catalog_bytes(), "json")
