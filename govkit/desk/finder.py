"""Find an item at the intake desk by name, code or pinyin initials (拼音首字母). Plain Python.

A clerk may register every published implementation of their own division and of
the divisions above it (a village desk takes applications for township and county
items); an unrestricted user sees all of them.
"""
from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from govkit.catalog.models import Implementation, ImplementationStatus, ServiceItem
from govkit.hierarchy.codes import parent_code
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope

_LETTERS = re.compile(r"^[a-z]+$")


def chain_codes(code: str) -> list[str]:
    """``code`` and every ancestor's code, nearest first."""
    codes = []
    current: str | None = code
    while current:
        codes.append(current)
        current = parent_code(current)
    return codes


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters in ``text`` (申请 → sq)."""
    from pypinyin import Style, lazy_pinyin  # deferred: pypinyin loads its dictionaries (slow) on import

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(ch for ch in "".join(letters).lower() if "a" <= ch <= "z")


def _available(scope: Scope):
    query = (
        select(Implementation)
        .join(ServiceItem, Implementation.item_id == ServiceItem.id)
        .join(Division, Implementation.division_id == Division.id)
        .where(Implementation.status == ImplementationStatus.PUBLISHED.value)
        .options(joinedload(Implementation.item), joinedload(Implementation.division))
    )
    if scope.is_unrestricted:
        return query
    if scope.division_code is None:
        return query.where(Division.id.is_(None))
    return query.where(or_(Division.code.in_(chain_codes(scope.division_code)), scope.clause(Division.code)))


def _escape(ch: str) -> str:
    return "\\" + ch if ch in "%_\\" else ch


def _newest(rows: list[Implementation]) -> list[Implementation]:
    best: dict[str, Implementation] = {}
    for impl in rows:
        if impl.code not in best or impl.version > best[impl.code].version:
            best[impl.code] = impl
    return list(best.values())


def find_items(session: Session, scope: Scope, text: str, limit: int = 20) -> list[Implementation]:
    """Published implementations the user may register whose name, code, initials or item synonyms (别名简称:
    户口 → 户口迁移, 社保卡) match ``text``."""
    q = (text or "").strip()
    query = _available(scope)
    if q:
        # Characters in order, gaps allowed: 低保 finds 最低生活保障, the way clerks abbreviate.
        pattern = "%" + "%".join(_escape(ch) for ch in q if not ch.isspace()) + "%"
        conditions = [
            Implementation.name.like(pattern, escape="\\"),
            ServiceItem.name.like(pattern, escape="\\"),
            ServiceItem.synonyms.icontains(q, autoescape=True),
            ServiceItem.basic_code.istartswith(q, autoescape=True),
            Implementation.code.icontains(q, autoescape=True),
        ]
        letters = q.lower()
        if _LETTERS.match(letters):
            conditions.append(ServiceItem.pinyin_initials.icontains(letters, autoescape=True))
            # Items whose initials were never computed are matched in Python below.
            conditions.append(ServiceItem.pinyin_initials.is_(None))
        query = query.where(or_(*conditions))
    rows = list(session.scalars(query.order_by(ServiceItem.name, Implementation.version.desc()).limit(2000)).unique())
    hits = []
    for impl in _newest(rows):
        if q and impl.item.pinyin_initials is None and _LETTERS.match(q.lower()):
            # Included only as a candidate for the Python-side initials match.
            if not _matches_text(impl, q) and q.lower() not in initials(impl.name):
                continue
        hits.append(impl)
    hits.sort(key=lambda i: (_rank(i, q), i.name))
    return hits[:limit]


def _subsequence(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(ch in chars for ch in needle if not ch.isspace())


def _matches_text(impl: Implementation, q: str) -> bool:
    lower = q.lower()
    return (
        _subsequence(q, impl.name) or _subsequence(q, impl.item.name) or impl.item.basic_code.lower().startswith(lower)
        or lower in impl.code.lower() or lower in (impl.item.synonyms or "").lower()
    )


def _rank(impl: Implementation, q: str) -> int:
    if not q:
        return 0
    lower = q.lower()
    if impl.item.basic_code.lower() == lower or impl.name == q:
        return 0
    if impl.name.startswith(q) or initials(impl.name).startswith(lower) or q in (impl.item.synonyms or "").split("、"):
        return 1
    return 2


def available_implementation(session: Session, scope: Scope, implementation_id: int) -> Implementation | None:
    """The implementation when the user may register it (published and in their chain)."""
    return session.scalar(_available(scope).where(Implementation.id == implementation_id))
