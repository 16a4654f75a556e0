"""Shared test configuration; fixtures come from the govkit.testing pytest plugin."""
import os
import sys
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

# The calendar tests work through real dates: 2025/2026 from the chinesecalendar package and
# a December 2026 case whose deadline stays provisional (暂定) until an admin enters 2027.
# A later package release that ships 2027 would make those dates final by itself, so the
# suite reads the package as 1.11 ships it (2004–2026) whatever version pip installed.
# Trimmed before govkit.cases.calendar reads the package (it does so once, at import).
PACKAGE_LAST_YEAR = 2026
assert "govkit.cases.calendar" not in sys.modules, "trim the package before govkit reads it"
for _table in (chinese_calendar.holidays, chinese_calendar.workdays, chinese_calendar.constants.in_lieu_days):
    for _day in [d for d in _table if isinstance(d, date) and d.year > PACKAGE_LAST_YEAR]:
        del _table[_day]

ARTIFACTS = Path(os.environ.get("GOVKIT_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder where tests save screenshots and rendered pages for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
