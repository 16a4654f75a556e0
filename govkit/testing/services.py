"""Throwaway real services for tests on loopback ports: a PostgreSQL cluster, Redis, RabbitMQ."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def require_services() -> bool:
    return os.environ.get("GOVKIT_REQUIRE_SERVICES") == "1"


def missing(what: str) -> None:
    """Skip, or fail when GOVKIT_REQUIRE_SERVICES=1 (CI), because ``what`` is not installed."""
    message = f"{what} is not available on this machine"
    if require_services():
        pytest.fail(message + " (GOVKIT_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    return shutil.which(name)


class PostgresCluster:
    """initdb + pg_ctl under a temp dir, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="govkit-pg-"))
        self.data = self.dir / "data"
        self.user = "govkit"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_root:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def start(self) -> "PostgresCluster":
        if self._as_root:
            shutil.chown(self.dir, "postgres")
        self._run(self.initdb, "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8" if Path("/usr/lib/locale/C.utf8").exists() else "--locale=C")
        return self.serve()

    def serve(self) -> "PostgresCluster":
        """Start the server on its data folder (again, after :meth:`halt`)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-w", "-l", str(self.dir / "log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start")
        return self

    def halt(self) -> None:
        """Stop the server at once (as a crash would), keeping its data folder for :meth:`serve`."""
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass

    def replica(self) -> "PostgresReplica":
        """A streaming replica of this cluster (``pg_basebackup -R``) on a port of its own, started."""
        return PostgresReplica(self).start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
        import sqlalchemy as sa

        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresReplica(PostgresCluster):
    """A hot standby of ``primary``: ``pg_basebackup -R`` over the replication connection the primary's
    trust ``pg_hba.conf`` allows on 127.0.0.1, then the same server options on its own port."""

    def __init__(self, primary: PostgresCluster) -> None:
        super().__init__()
        self.primary = primary

    def start(self) -> "PostgresReplica":
        if self._as_root:
            shutil.chown(self.dir, "postgres")
        self._run(_pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", self.primary.user,
                  "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        return self.serve()


def start_postgres() -> PostgresCluster | None:
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        return None
    for _ in range(3):
        cluster = PostgresCluster()
        try:
            return cluster.start()
        except subprocess.CalledProcessError as exc:
            last = exc
            cluster.stop()
            time.sleep(0.5)
    raise RuntimeError(f"could not start PostgreSQL: {last.stdout.decode(errors='replace')}")


class RedisServer:
    """Debian's ``redis-server`` on a free loopback port, in a temp dir, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="govkit-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--logfile", str(self.dir / "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer PING within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_redis() -> RedisServer | None:
    """A started :class:`RedisServer`, or None when ``redis-server`` is not installed."""
    return RedisServer().start() if shutil.which("redis-server") else None


def _wait_for_port(port: int, seconds: float, process: subprocess.Popen) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"  # Debian's; /usr/sbin's wrapper switches to the system user


class RabbitServer:
    """Debian's RabbitMQ as a node of its own: its name, AMQP port, Erlang distribution and epmd
    ports, database, logs and cookie all in a temp dir, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="govkit-rabbitmq-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> "RabbitServer":
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\nloopback_users = none\n", encoding="ascii")
        (self.dir / "enabled_plugins").write_text("[].\n", encoding="ascii")
        self.env = {
            **os.environ, "HOME": str(self.dir), "RABBITMQ_NODENAME": f"govkit{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port), "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1", "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"), "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.dir / "pid"), "RABBITMQ_LOGS": str(self.dir / "rabbit.log"),
        }
        self.process = subprocess.Popen([RABBITMQ_SERVER], env=self.env, cwd=self.dir, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not (_wait_for_port(self.port, 60, self.process) and self._answers_amqp(60)):
            path = self.dir / "rabbit.log"
            log = path.read_text(errors="replace")[-2000:] if path.exists() else ""
            self.stop()
            raise RuntimeError(f"rabbitmq-server did not answer AMQP within 60 s: {log}")
        return self

    def _answers_amqp(self, seconds: float) -> bool:
        """True once an AMQP connection opens: a port that accepts TCP is not yet a broker that speaks AMQP (a
        node still booting, or another program on a port that was free when it was picked, closes the
        handshake — pika's "Transport indicated EOF")."""
        import pika  # deferred: the pytest plugin loads in every run; pika only when a test starts a broker

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process is not None and self.process.poll() is None:
            try:
                parameters = pika.URLParameters(self.url)
                parameters.connection_attempts, parameters.socket_timeout = 1, 5
                pika.BlockingConnection(parameters).close()
                return True
            except pika.exceptions.AMQPError:
                time.sleep(0.5)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        # The node started its own epmd on its own port: end that one (and only that one).
        epmd = shutil.which("epmd") or next(iter(sorted(glob.glob("/usr/lib/erlang/erts-*/bin/epmd"))), None)
        if epmd:
            subprocess.run([epmd, "-port", str(self.epmd_port), "-kill"], env=getattr(self, "env", None),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def start_rabbitmq() -> RabbitServer | None:
    """A started :class:`RabbitServer` that answers AMQP, or None when RabbitMQ is not installed. A node that does
    not answer is stopped and one more is started on other ports before giving up."""
    if not os.path.exists(RABBITMQ_SERVER):
        return None
    try:
        return RabbitServer().start()
    except RuntimeError:
        return RabbitServer().start()


#: Debian's Chromium, started headless without any traffic to the internet.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def launch_chromium(playwright):
    """Launch Debian's headless Chromium with Playwright (skip, or fail in CI, when absent)."""
    if not os.path.exists(CHROMIUM):
        missing("Chromium (Debian package chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class LiveServer:
    """Serve a Flask app on a free loopback port in a thread (``with LiveServer(app) as base_url``)."""

    def __init__(self, app) -> None:
        # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
        from werkzeug.serving import make_server

        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)

    def __enter__(self) -> str:
        import threading  # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs

        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)
