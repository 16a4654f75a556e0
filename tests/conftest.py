"""Shared test configuration; fixtures come from the govkit.testing pytest plugin."""
import os
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("GOVKIT_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder where tests save screenshots and rendered pages for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
