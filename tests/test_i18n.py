"""Simplified Chinese is the default UI language; govkit's catalog fills FAB's gaps.

govkit ships ``govkit/translations/zh/LC_MESSAGES/messages.{po,mo}``; Flask-Babel merges
it over Flask-AppBuilder's own zh catalog (ours is loaded last, so it wins).
"""
from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import flask_appbuilder
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import govkit

TRANSLATIONS = Path(govkit.__file__).parent / "translations"
PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo"
FAB_DIR = Path(flask_appbuilder.__file__).parent

#: English labels FAB shows on an admin list page; none may remain in Chinese mode.
ENGLISH_LABELS = (
    "Add", "Edit", "Show", "Delete", "Search", "Back", "Actions", "Record Count", "Add Filter",
    "Cancel", "OK", "Security", "List Users", "List Roles", "List Groups", "Groups", "Logout",
    "User info", "Refresh", "Filters", "Created on", "Changed on", "Last login",
)


def _po_catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="zh")


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    titles = " ".join(re.findall(r'(?:title|placeholder)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + titles


def _english_labels_in(html: str) -> list[str]:
    text = _visible_text(html)
    return [label for label in ENGLISH_LABELS if re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", text)]


def _compiled(catalog_or_mo) -> dict:
    """The gettext catalog of a Babel catalog (compiled here) or of a .mo path, with the header's
    Generated-By removed: it names whichever Babel compiled the file, not a translation."""
    if isinstance(catalog_or_mo, Path):
        with catalog_or_mo.open("rb") as f:
            compiled = gettext.GNUTranslations(f)._catalog
    else:
        buffer = io.BytesIO()
        write_mo(buffer, catalog_or_mo)
        buffer.seek(0)
        compiled = gettext.GNUTranslations(buffer)._catalog
    compiled[""] = re.sub(r"(?m)^Generated-By: .*\n?", "", compiled[""])
    return compiled


def test_compiled_catalog_matches_po():
    """The committed .mo is what compiling the committed .po gives (recompile after editing)."""
    shipped = _compiled(MO)
    assert "Content-Type: text/plain; charset=utf-8" in shipped[""]
    assert shipped == _compiled(_po_catalog()), "messages.mo is stale: run `pybabel compile -d govkit/translations`"


def test_catalog_check_catches_a_stale_translation():
    """The comparison above sees one changed translation (it does not only compare headers)."""
    catalog = _po_catalog()
    message = next(m for m in catalog if isinstance(m.id, str) and m.id and m.string)
    message.string += "（旧）"
    assert _compiled(catalog) != _compiled(MO)


def test_catalog_translates_every_fab_message():
    """Every msgid FAB extracts (templates and Python) has a non-empty Chinese translation."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "__": None}
    fab_ids = {
        message for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(FAB_DIR), method_map=method_map, keywords=keywords)
        if isinstance(message, str) and message
    }
    assert len(fab_ids) > 100  # the extraction itself worked
    catalog = _po_catalog()
    untranslated = sorted(m for m in fab_ids if not (catalog.get(m) and catalog.get(m).string))
    assert untranslated == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


@pytest.mark.parametrize("msgid, expected", [
    ("Add", "新增"), ("Edit", "编辑"), ("Show", "详情"), ("Delete", "删除"), ("Refresh", "刷新"),
    ("Filters", "过滤条件"), ("Logout", "退出登录"), ("Back", "返回"), ("Record Count", "记录数"),
])
def test_key_translations(msgid, expected):
    assert _po_catalog().get(msgid).string == expected


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login/").get_data(as_text=True)
    for word in ("用户名", "密码", "登录"):
        assert word in html
    assert "Enter your login and password below" not in html
    assert "Sign In" not in _visible_text(html)


def test_admin_list_page_has_no_english_ui_labels(client, login_as):
    login_as("Admin", "621002000000")
    html = client.get("/users/list/").get_data(as_text=True)
    for label in ("新增", "编辑", "详情", "删除", "添加过滤条件", "记录数", "用户列表", "安全管理", "退出登录",
                  "取消", "确定"):
        assert label in html, label
    assert _english_labels_in(html) == []


def test_show_page_is_chinese(client, login_as):
    user = login_as("Admin", "621002000000")
    html = client.get(f"/users/show/{user.id}").get_data(as_text=True)
    assert "用户详情" in html and "返回" in html
    assert _english_labels_in(html) == []


def test_english_is_selectable(client, login_as):
    login_as("Admin", "621002000000")
    response = client.get("/lang/en")
    assert response.status_code == 302
    html = client.get("/users/list/").get_data(as_text=True)
    assert "Record Count" in html and "Add Filter" in html
    assert "记录数" not in html
    client.get("/lang/zh")
    assert "记录数" in client.get("/users/list/").get_data(as_text=True)


def test_translation_directory_is_configured(app):
    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert str(TRANSLATIONS) in directories
    # FAB's catalog comes first, govkit's afterwards, so govkit's strings win on merge.
    assert directories.index(str(TRANSLATIONS)) > 0
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh"
