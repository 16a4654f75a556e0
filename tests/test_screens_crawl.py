"""Every screen, crawled as every demo role, shows no raw values (issue 18, item 7).

The demo county is seeded once; each demo role logs in through the real login form, opens every
link on its home page (the menu and the start page) and, from each of those pages, the first link
of every other kind (a detail, an edit form, the next page …). A page fails on visible ``None`` /
``True`` / ``False`` / ``__None``, English Flask-AppBuilder strings, a division code or a bare code
where a label belongs, a timestamp with seconds, or a link the role may not follow (403, or sent
back to the login page).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from county_demo.accounts import ACCOUNTS
from tests.demo_pages import demo_county, login

SMALL = 48

#: Literal values that mean a Python value reached the page unformatted.
RAW_WORDS = re.compile(r"(?<![\w-])(None|True|False|__None|nan|NaT)(?![\w-])")
#: English strings Flask-AppBuilder shows until they are translated or replaced.
ENGLISH = (
    "can list on", "can show on", "can add on", "can edit on", "can delete on", "menu access on", "can read on",
    "Login Count", "Failed Login Count", "Description", "Add Filter", "Record Count", "First Name", "Last Name",
    "Active", "Changed On", "Created On", "Changed By", "Created By", "Last login", "Permissions", "Permission",
    "View Menus", "Roles", "User Name", "Email", "Search", "List ", "Show ", "Edit ", "Add ", "Back", "Save",
    "Actions", "Refresh", "Reset Password", "User info", "Not Active", "No records found", "Admin", "Public",
    "Equal to", "Starts with", "Contains", "Not Equal to", "Greater than", "Smaller than",
)
#: A timestamp with seconds (and maybe microseconds or an offset): times are shown to the minute.
SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")
#: A whole cell holding a 12-digit division code, outside a column that is about codes.
DIVISION_CODE = re.compile(r"^[1-9]\d{11}$")
CODE_COLUMNS = ("代码", "编码", "编号")
#: Columns whose values are labelled codes: a bare number there is a raw code.
LABELLED_COLUMNS = ("事项类型", "行使层级", "层级", "级别", "区划", "所属区划", "行政区划", "状态", "角色")
BARE_CODE = re.compile(r"^\d{1,2}$")
#: Links not to follow: leaving, changing language, downloads, destructive or API endpoints.
SKIP = re.compile(r"^/(logout|lang|static|appbuilder|api|swagger)|/(delete|download|export|print|pdf)"
                  r"|\.(pdf|csv|xlsx|json|xml|png|js|css)(\?|$)|_flt_|_oc_|psize_")


class _Page(HTMLParser):
    """Visible text of a page, its table cells with their column (or row) header, and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, bool]] = []  # (text, typed into a field)
        self.cells: list[tuple[str, str]] = []
        self.links: list[str] = []
        self._skip = 0  # inside <script>/<style>
        self._tables: list[dict] = []  # open tables: column headers, in <thead>?, current row
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        table = self._tables[-1] if self._tables else None
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "input" and a.get("type") not in ("hidden", "checkbox", "radio", "password") and a.get("value"):
            self.texts.append((a["value"], True))
        elif tag == "table":
            self._tables.append({"headers": [], "thead": False, "row_header": "", "column": 0})
        elif table and tag == "thead":
            table["thead"] = True
        elif table and tag == "tr":
            table.update(row_header="", column=0)
        elif table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        table = self._tables[-1] if self._tables else None
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == "table" and table:
            self._tables.pop()
        elif table and tag == "thead":
            table["thead"] = False
        elif table and tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            self._cell = None
            if tag == "th":
                if table["thead"]:
                    table["headers"].append(text)
                else:
                    table["row_header"] = text
                return
            headers, column = table["headers"], table["column"]
            header = headers[column] if column < len(headers) else table["row_header"]
            self.cells.append((header, text))
            table["column"] += 1

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        if data.strip():
            self.texts.append((data.strip(), False))


def raw_values(html: str) -> list[str]:
    """What on a page is a raw value; an empty list for a clean page."""
    page = _Page()
    page.feed(html)
    found: list[str] = []
    for text, is_input in page.texts:
        if RAW_WORDS.search(text):
            found.append(f"raw value: {text[:80]!r}")
        if SECONDS.search(text):
            found.append(f"time with seconds: {text[:80]!r}")
        for english in () if is_input else ENGLISH:  # typed data (a role's stored name) is not FAB's text
            if english.strip() == text or (len(english) > 6 and english in text):
                found.append(f"English: {text[:80]!r}")
                break
    for header, text in page.cells:
        if DIVISION_CODE.match(text) and not any(column in header for column in CODE_COLUMNS):
            found.append(f"division code under {header!r}: {text}")
        if BARE_CODE.match(text) and any(column in header for column in LABELLED_COLUMNS):
            found.append(f"bare code under {header!r}: {text}")
    return found


def _links(html: str, base: str) -> list[str]:
    page = _Page()
    page.feed(html)
    out = []
    for href in page.links:
        parts = urlsplit(urljoin("http://localhost" + base, href))
        if parts.netloc != "localhost" or not parts.path or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(url):
            out.append(url)
    return out


def _kind(url: str) -> str:
    """Links of one kind share a path once ids are replaced (so one detail page stands for all)."""
    path = urlsplit(url).path
    return re.sub(r"/[0-9a-f-]{1,36}(?=/|$)", "/<id>", re.sub(r"/\d+", "/<id>", path))


@pytest.fixture(scope="module")
def demo_app(govkit_backend, tmp_path_factory, request):
    return demo_county(govkit_backend, tmp_path_factory, request, "crawl", SMALL)



def crawl(client, start: str = "/", budget: int = 120) -> dict[str, list[str]]:
    """Open ``start``, every link on it, and the first link of each other kind on those pages.

    Returns the problems found per page: raw values, errors, links the user may not follow.
    """
    problems: dict[str, list[str]] = {}
    seen_kinds: set[str] = set()
    queue: list[tuple[str, str, int]] = [(start, "", 0)]
    while queue and budget:
        url, came_from, depth = queue.pop(0)
        budget -= 1
        response = client.get(url)
        hops = 0
        while response.status_code in (301, 302, 303) and hops < 3:
            location = urlsplit(response.headers["Location"])
            if location.path.startswith("/login"):
                break
            response = client.get(location.path + (f"?{location.query}" if location.query else ""))
            hops += 1
        where = f"{url} (linked from {came_from or 'start'})"
        if response.status_code in (301, 302, 303):
            problems.setdefault(where, []).append(f"sent to the login page: {response.headers['Location']}")
            continue
        if response.status_code != 200:
            problems.setdefault(where, []).append(f"status {response.status_code}")
            continue
        if not response.mimetype.startswith("text/html"):
            continue
        html = response.get_data(as_text=True)
        found = raw_values(html)
        if found:
            problems.setdefault(where, []).extend(sorted(set(found)))
        if depth >= 2:
            continue
        for link in _links(html, url):
            kind = _kind(link)
            if depth == 0 or kind not in seen_kinds:
                if kind in seen_kinds and depth == 0 and link in {q[0] for q in queue}:
                    continue
                seen_kinds.add(kind)
                queue.append((link, url, depth + 1))
    return problems


def test_the_checker_flags_raw_values():
    """The guard: each kind of raw value on a sample page is reported; a clean page is not."""
    bad = ("<table><thead><tr><th>名称</th><th>事项类型</th><th>所属区划</th><th>备注</th></tr></thead>"
           "<tr><td>临时救助</td><td>05</td><td>629901000000</td><td>None</td></tr></table>"
           "<p>2026-12-04 03:15:09.123456</p><span>Login Count</span><p>True</p>"
           "<input type='text' value='__None'>")
    found = raw_values(bad)
    assert any("'None'" in f for f in found)
    assert any("bare code under '事项类型'" in f for f in found)
    assert any("division code under '所属区划'" in f for f in found)
    assert any("seconds" in f for f in found)
    assert any("Login Count" in f for f in found)
    assert any("'True'" in f for f in found)
    assert any("__None" in f for f in found)
    show = "<table><tr><th>行使层级</th><td>4</td></tr><tr><th>区划代码</th><td>629901000000</td></tr></table>"
    assert raw_values(show) == ["bare code under '行使层级': 4"]
    clean = ("<table><thead><tr><th>区划代码</th><th>名称</th><th>启用</th></tr></thead>"
             "<tr><td>629901000000</td><td>示范县</td><td>是</td></tr></table><p>2026-12-04 11:15</p><p>—</p>")
    assert raw_values(clean) == []
    assert raw_values("<script>var x = None;</script><td>Nonetheless</td>") == []


def test_the_crawler_reports_a_forbidden_link(demo_app):
    """The guard for links: a page linking to a screen the role may not open is reported."""
    client = login(demo_app, "dby101202", "demo1234")
    problems = crawl(_GuardClient(client), "/__crawl_guard__", budget=3)
    assert any("/users/list/" in where and problems[where] for where in problems), problems


class _GuardClient:
    """A test client whose start page links to the user list (admin only)."""

    def __init__(self, client):
        self.client = client

    def get(self, url):
        if url == "/__crawl_guard__":
            from werkzeug.wrappers import Response

            return Response('<a href="/users/list/">用户</a>', mimetype="text/html")
        return self.client.get(url)


ROLES = sorted({a.role for a in ACCOUNTS})


@pytest.mark.parametrize("role", ROLES)
def test_every_screen_shows_labels_not_raw_values(demo_app, role):
    account = next(a for a in ACCOUNTS if a.role == role)
    problems = crawl(login(demo_app, account.username, account.password))
    report = "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in sorted(problems.items()))
    assert not problems, f"{account.username} ({role}) sees raw values or forbidden links:\n{report}"


def test_the_public_portal_shows_labels_not_raw_values(demo_app):
    """The citizens' portal, crawled without logging in."""
    problems = crawl(demo_app.test_client(), "/public/")
    report = "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in sorted(problems.items()))
    assert not problems, f"the public portal shows raw values or forbidden links:\n{report}"
