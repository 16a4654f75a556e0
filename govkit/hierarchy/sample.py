"""The division samples shipped with govkit (``govkit/hierarchy/data``).

* ``sample_county`` — 甘肃省庆阳市西峰区 (621002): its real county, city and province codes,
  10 townships (3 街道, 5 镇, 2 乡) and 38 villages/communities in the NBS layout. Township
  and village rows are representative of the real ones, not an authoritative copy: import
  the NBS file for production.
* ``demo_county`` — the fictional 示范县 (629901) of the county demo: one province, one city,
  one county, 城关街道 (001), 清河镇 (101), 石岭乡 (201) and 20 villages/communities.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from govkit.hierarchy.services import ImportResult, import_divisions

DATA = Path(__file__).parent / "data"
SAMPLES = {"sample_county": "621002000000", "demo_county": "629901000000"}


def sample_path(name: str = "sample_county") -> Path:
    """Path of a shipped sample CSV (``sample_county`` or ``demo_county``)."""
    if name not in SAMPLES:
        raise KeyError(f"unknown sample {name!r}; choose one of {', '.join(SAMPLES)}")
    return DATA / f"{name}.csv"


def sample_for_code(code: str) -> Path:
    """Path of the sample whose county is ``code`` (6 or 12 digits, e.g. ``621002``) or named ``code``."""
    code = code.strip()
    for name, county in SAMPLES.items():
        if code in (name, county, county[:6]):
            return sample_path(name)
    choices = "、".join(f"{county[:6]}（{name}）" for name, county in SAMPLES.items())
    raise KeyError(f"没有区划代码为 {code} 的样例；可选：{choices}。")


def load_sample(session: Session, name: str = "sample_county") -> ImportResult:
    """Import a shipped sample (idempotent; commits)."""
    return import_divisions(session, sample_path(name))
