"""``import govkit`` does not load ldap3: DirectoryConfig is exported, the client loads on first use."""
from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = "import sys; {imports}; print('ldap3' in sys.modules)"


def ldap3_loaded_by(imports: str) -> bool:
    """Whether ``imports`` (Python statements) load ldap3 in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(imports=imports)],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out in ("True", "False"), out
    return out == "True"


@pytest.mark.parametrize("imports", ["import govkit", "from govkit.auth.ldap import DirectoryConfig"])
def test_importing_govkit_does_not_load_ldap3(imports):
    assert ldap3_loaded_by(imports) is False


def test_guard_the_probe_sees_ldap3_when_the_client_is_imported():
    # The same probe answers True once something does load ldap3, so the test above can fail.
    assert ldap3_loaded_by("import govkit; import govkit.auth.ldap.client") is True
    assert ldap3_loaded_by("import govkit; from govkit.auth.ldap import authenticate") is True


def test_the_package_offers_every_name_it_lists():
    from govkit.auth import ldap

    for name in ldap.__all__:
        assert getattr(ldap, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        ldap.no_such_name  # noqa: B018
