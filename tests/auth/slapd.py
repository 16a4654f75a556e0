"""Run a throw-away OpenLDAP ``slapd`` for the directory-login tests.

The server lives in a temp directory, listens on free loopback ports
(plain ``ldap://`` with StartTLS, and ``ldaps://`` when ``openssl`` can make
a test CA), and is loaded with an LDIF through ``ldapadd`` so the
``memberof`` overlay sees every group as it is added.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from govkit.auth.ldap import DirectoryConfig

SLAPD = "/usr/sbin/slapd"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
SUFFIX = "dc=county,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
READER_DN = f"cn=govkit-reader,ou=system,{SUFFIX}"
READER_PASSWORD = "reader-secret"

#: Group → role mapping used by most tests: by name, and one by full DN.
GROUP_ROLES = {
    "村代办员": ["village_clerk"],
    "乡镇办理员": ["township_handler"],
    "县级办理员": ["county_handler"],
    "事项管理员": ["catalog_admin"],
    f"cn=监察,ou=groups,{SUFFIX}": ["supervisor"],
}
DIVISION_MAP = {"山城镇": "220581102000"}

# OpenLDAP reads ~/.ldaprc and /etc/ldap/ldap.conf unless told not to; the
# tests must not depend on whatever the machine has there.
_CLIENT_ENV = {**os.environ, "LDAPNOINIT": "1"}


def missing_tools() -> list[str]:
    """Names of the programs these tests need that are not installed."""
    wanted = {"slapd": SLAPD, "ldapadd": shutil.which("ldapadd")}
    return [name for name, path in wanted.items() if not path or not os.access(path, os.X_OK)]


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _module_available(name: str) -> bool:
    return (MODULE_DIR / f"{name}.la").exists() or (MODULE_DIR / f"{name}.so").exists()


def make_test_ca(directory: Path) -> dict[str, Path] | None:
    """Create a CA and a server certificate for 127.0.0.1 with ``openssl``.

    Returns the paths (``ca``, ``cert``, ``key``), or None without ``openssl``.
    """
    openssl = shutil.which("openssl")
    if not openssl:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "ca": directory / "ca.pem",
        "ca_key": directory / "ca.key",
        "cert": directory / "server.pem",
        "key": directory / "server.key",
        "csr": directory / "server.csr",
        "ext": directory / "server.ext",
    }
    paths["ext"].write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
    )
    steps = [
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=govkit test CA", "-keyout", paths["ca_key"], "-out", paths["ca"]],
        [openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", paths["key"], "-out", paths["csr"]],
        [openssl, "x509", "-req", "-in", paths["csr"], "-CA", paths["ca"], "-CAkey",
         paths["ca_key"], "-CAcreateserial", "-days", "2", "-extfile", paths["ext"],
         "-out", paths["cert"]],
    ]
    for step in steps:
        subprocess.run([str(part) for part in step], check=True, capture_output=True)
    return {"ca": paths["ca"], "cert": paths["cert"], "key": paths["key"]}


@dataclass
class Slapd:
    """One slapd process serving ``dc=county,dc=example`` from ``workdir``."""

    workdir: Path
    tls: bool = True
    suffix: str = SUFFIX
    port: int = field(default_factory=free_port)
    ldaps_port: int | None = None
    ca_file: Path | None = None
    memberof: bool = False
    process: subprocess.Popen | None = None

    @property
    def root_dn(self) -> str:
        return f"cn=admin,{self.suffix}"

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str | None:
        return f"ldaps://127.0.0.1:{self.ldaps_port}" if self.ldaps_port else None

    def _config(self, certs: dict[str, Path] | None) -> str:
        schemas = ["core", "cosine", "inetorgperson", "nis"]
        lines = [f"include {SCHEMA_DIR / name}.schema" for name in schemas]
        lines += [f"modulepath {MODULE_DIR}"]
        if _module_available("back_mdb"):
            lines += ["moduleload back_mdb"]
        if self.memberof:
            lines += ["moduleload memberof"]
        lines += [
            f"pidfile {self.workdir / 'slapd.pid'}",
            f"argsfile {self.workdir / 'slapd.args'}",
        ]
        if certs:
            lines += [
                f"TLSCACertificateFile {certs['ca']}",
                f"TLSCertificateFile {certs['cert']}",
                f"TLSCertificateKeyFile {certs['key']}",
            ]
        lines += [
            "database mdb",
            "maxsize 10485760",
            f'suffix "{self.suffix}"',
            f'rootdn "{self.root_dn}"',
            f"rootpw {ROOT_PASSWORD}",
            f"directory {self.workdir / 'data'}",
            # Anonymous clients may only bind; everything else needs a login,
            # like a real county directory.
            "access to attrs=userPassword by anonymous auth by * none",
            "access to * by users read by * none",
        ]
        if self.memberof:
            lines += ["overlay memberof"]
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> None:
        """Write the config, start slapd in the foreground and wait until it answers."""
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        self.memberof = _module_available("memberof")
        certs = make_test_ca(self.workdir / "tls") if self.tls else None
        if certs:
            self.ca_file = certs["ca"]
            self.ldaps_port = free_port()
        config = self.workdir / "slapd.conf"
        config.write_text(self._config(certs))
        listen = self.url + "/" + (f" {self.ldaps_url}/" if self.ldaps_url else "")
        log = open(self.workdir / "slapd.log", "wb")
        # "-d 0" keeps slapd in the foreground so the test owns the process.
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(config), "-h", listen, "-d", "0"],
            stdout=log, stderr=subprocess.STDOUT, env=_CLIENT_ENV,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.log_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"slapd did not start within {timeout}s: {self.log_text()}")

    def load(self, ldif: Path) -> None:
        """Add the entries of ``ldif`` as the root DN."""
        result = subprocess.run(
            ["ldapadd", "-x", "-H", self.url, "-D", self.root_dn, "-w", ROOT_PASSWORD,
             "-f", str(ldif)],
            capture_output=True, text=True, env=_CLIENT_ENV,
        )
        if result.returncode != 0:
            raise RuntimeError(f"ldapadd failed: {result.stderr or result.stdout}")

    def stop(self) -> None:
        """Terminate slapd and wait for it; safe to call twice."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        path = self.workdir / "slapd.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def county_config(server: Slapd, **overrides) -> DirectoryConfig:
    """The county directory in search mode with the standard mappings."""
    settings = dict(
        name="county",
        urls=[server.url],
        base_dn=SUFFIX,
        bind_dn=READER_DN,
        bind_password=READER_PASSWORD,
        group_roles=GROUP_ROLES,
        division_attribute="departmentNumber",
        division_map=DIVISION_MAP,
        department_attribute="ou",
        connect_timeout=2,
        receive_timeout=5,
    )
    if not server.memberof:
        # Without the memberof overlay, find groups by searching them.
        settings["group_search_base"] = f"ou=groups,{SUFFIX}"
    settings.update(overrides)
    return DirectoryConfig(**settings)
