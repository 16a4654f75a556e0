"""Declared settings: every setting has a type, a default and a one-line description.

Values are resolved in this order, later wins:
declared defaults → a deployment's config file (``govkit.toml`` or a ``.py`` file)
→ ``GOVKIT_*`` environment variables → the mapping passed to ``create_app``.
An invalid value stops start-up with a :class:`~govkit.errors.SettingsError` naming the key.
Plain Python: no Flask imports, so the CLI can read settings before an app exists.
"""
from __future__ import annotations

import json
import os
import runpy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from govkit.errors import SettingsError

ENV_PREFIX = "GOVKIT_"


@dataclass(frozen=True)
class Setting:
    """One declared setting. ``type`` is one of str, int, float, bool, list, dict."""

    name: str
    type: type
    default: Any
    description: str
    secret: bool = False
    choices: tuple[Any, ...] | None = None
    #: Applied to the converted value (e.g. the database URL's default driver).
    normalise: Any = None
    #: Changeable at run time by an administrator on 运行参数 (govkit.auth.runtime_settings), within these
    #: (lowest, highest) bounds; every change is audited. None: only the config file and environment set it.
    runtime: tuple[float, float] | None = None

    def convert(self, value: Any, source: str) -> Any:
        """Convert ``value`` (from ``source``) to this setting's type or raise SettingsError."""
        if value is None:
            return None
        try:
            converted = _CONVERTERS[self.type](value)
        except (TypeError, ValueError, json.JSONDecodeError) as exc:
            raise SettingsError(
                f"配置项 {self.name} 的值 {value!r}（来自 {source}）无效：应为 {_TYPE_NAMES[self.type]}。"
                f"（{exc}）",
                key=self.name,
            ) from exc
        if self.choices is not None and converted not in self.choices:
            raise SettingsError(
                f"配置项 {self.name} 的值 {converted!r}（来自 {source}）无效：可选值为 "
                + "、".join(map(str, self.choices)),
                key=self.name,
            )
        return self.normalise(converted) if self.normalise is not None else converted


def database_url(url: str) -> str:
    """A PostgreSQL URL that names no driver connects with psycopg 3 (``postgresql+psycopg``).

    SQLAlchemy's own default for ``postgresql://`` is psycopg2; psycopg 3 prepares the
    statements a worker runs again and again on the server, which halves PostgreSQL's CPU
    per request (docs/deployment.md). ``postgresql+psycopg2://`` still selects psycopg2.
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "是"}:
        return True
    if text in {"0", "false", "no", "off", "否", ""}:
        return False
    raise ValueError("expected true/false")


def _to_list(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    text = str(value).strip()
    if text.startswith("["):
        return list(json.loads(text))
    return [part.strip() for part in text.split(",") if part.strip()]


def _to_dict(value: Any) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    result = json.loads(str(value))
    if not isinstance(result, dict):
        raise ValueError("expected a JSON object")
    return result


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an integer")
    return int(value)


_CONVERTERS = {str: str, int: _to_int, float: float, bool: _to_bool, list: _to_list, dict: _to_dict}
_TYPE_NAMES = {str: "文本", int: "整数", float: "数字", bool: "true/false", list: "列表", dict: "JSON 对象"}


#: Settings of the core. Plugins add theirs through the ``register_settings`` hook.
CORE_SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", str, None,
            "Key that signs sessions and CSRF tokens; generated into the instance folder when unset.", secret=True),
    Setting("DATABASE_URL", str, None, "SQLAlchemy URL; default is a SQLite file govkit.db in the instance folder. "
            "postgresql://… connects with psycopg 3.", normalise=database_url),
    Setting("DATABASE_REPLICA_URL", str, None,
            "PostgreSQL streaming replica (hot standby) that serves the public portal, dashboards, reports and "
            "exports (GET only); writes and the staff's own fresh writes stay on DATABASE_URL. Unset = one database.",
            secret=True, normalise=database_url),
    Setting("REPLICA_MAX_LAG_SECONDS", float, 5.0,
            "With DATABASE_REPLICA_URL: a replica further behind than this (or down) is skipped and reads go to the "
            "primary (logged); a session that wrote reads from the primary until the replica has replayed its write."),
    Setting("REPLICA_CHECK_SECONDS", float, 1.0,
            "With DATABASE_REPLICA_URL: a worker measures the replica's lag (and whether it answers) at most this "
            "often; 0 = before every routed request."),
    Setting("INSTANCE_PATH", str, None,
            "Deployment folder holding the database, secret key and storage; default ./instance."),
    Setting("STORAGE_DIR", str, None,
            "Folder for uploaded scans and issued notices (outside the web root); default INSTANCE_PATH/storage."),
    Setting("PLUGINS", list, [],
            "Python modules to load as plugins without packaging them (e.g. a county's local_plugin)."),
    Setting("DISABLED_PLUGINS", list, [], "Names of installed plugins (entry point names) not to load."),
    Setting("COUNTY_CODE", str, None, "12-digit division code of the county this deployment serves."),
    Setting("SITE_NAME", str, "政务服务网", "Name shown in page titles and on printed notices."),
    Setting("DEFAULT_LOCALE", str, "zh", "Default UI language.", choices=("zh", "en")),
    Setting("PUBLIC_BASE_URL", str, "http://127.0.0.1:5000",
            "Public address of this deployment: the only source of every absolute link printed or encoded "
            "(progress and verify pages, QR codes). `govkit demo --host/--port` sets it to the address it serves; "
            "a production start-up logs a warning when it is unset."),
    Setting("UPLOAD_MAX_BYTES", int, 20 * 1024 * 1024, "Largest accepted upload in bytes."),
    Setting("YELLOW_CARD_RATIO", float, 0.8, "Share of the promised time used that raises a yellow card.",
            runtime=(0.1, 1.0)),
    Setting("YELLOW_CARD_DAYS", int, 2, "Working days left at or below which a yellow card is raised.",
            runtime=(0, 30)),
    Setting("SUPPLEMENT_NOTICE_DAYS", int, 5,
            "Working days within which a supplement notice must be issued (行政许可法 §32)."),
    Setting("SUPPLEMENT_PERIOD_DAYS", int, 20,
            "Default 补正 period in working days after the 一次性告知书 (per item: supplement_days); printed on the "
            "notice with the resulting date (逾期未补正的，视为撤回).", runtime=(1, 90)),
    Setting("ON_TIME_RATE_TARGET", float, 0.95,
            "按时办结率 at or above which the rates page draws the bar as met (blue); below it amber.",
            runtime=(0.5, 1.0)),
    Setting("ON_TIME_RATE_FLOOR", float, 0.8,
            "按时办结率 below which the rates page draws the bar red (a unit to follow up).", runtime=(0.1, 1.0)),
    Setting("RECTIFICATION_DAYS", int, 10, "Working days to rectify after a 差评.", runtime=(1, 90)),
    Setting("TRANSFER_OVERDUE_DAYS", int, 3, "Working days after which a paper transfer batch in transit is reported.",
            runtime=(1, 60)),
    Setting("PROGRESS_RATE_LIMIT", str, "10 per minute", "Rate limit per IP for the public progress lookup."),
    Setting("COMPLAINT_RATE_LIMIT", str, "5 per hour", "Rate limit per IP for public complaints."),
    Setting("RATELIMIT_STORAGE_URI", str, "memory://",
            "Storage for rate-limit counters (memory:// or redis://...); memory:// with REDIS_URL set "
            "counts in REDIS_URL."),
    Setting("REDIS_URL", str, None,
            "Redis shared by every app node (redis://host:6379/0): rate limits, look-up budgets and cache "
            "invalidation (logout, role and calendar changes) across nodes. Unset = one node, as before.",
            secret=True),
    Setting("REDIS_KEY_PREFIX", str, "govkit",
            "Prefix of govkit's keys in REDIS_URL (one per deployment sharing a Redis)."),
    Setting("SHARED_STATE_CHECK_SECONDS", float, 0.5,
            "With REDIS_URL: a node checks at most this often (before a request) whether another node changed "
            "users, roles, sessions or the calendar, and drops its caches; 0 = before every request."),
    Setting("LDAP_DIRECTORIES", list, [], "LDAP directories tried in order; each a table of DirectoryConfig keys."),
    Setting("LOGIN_MAX_FAILURES", int, 5, "Failed logins of one account from one address before that pair is locked."),
    Setting("LOGIN_MAX_FAILURES_PER_IP", int, 20, "Failed logins per client IP before a temporary lockout."),
    Setting("LOGIN_LOCKOUT_SECONDS", int, 900, "How long a lockout lasts."),
    Setting("LOGIN_ACCOUNT_MAX_FAILURES", int, 50,
            "Failed logins of one account from all addresses before its slower back-off "
            "(not from its known addresses)."),
    Setting("LOGIN_ACCOUNT_LOCKOUT_SECONDS", int, 300, "How long the per-account back-off lasts."),
    Setting("SESSION_IDLE_MINUTES", int, 30,
            "Minutes without a request after which a session ends (0 = no idle timeout).", runtime=(0, 1440)),
    Setting("AUTH_CACHE_SECONDS", float, 30.0,
            "How long a worker trusts its cached bearer tokens, signed-in users, user roles/scope and role "
            "permissions; changes made in the same process apply at once, other workers see them within this time. "
            "0 = no cache."),
    Setting("BADGE_CACHE_SECONDS", float, 20.0,
            "How long a worker reuses the work-queue and card counts of one user (menu badges, home page) and the "
            "completion rates of /supervision/rates; a case "
            "change made in the same process refreshes them at once, other workers within this time. 0 = no cache."),
    Setting("SEAL_P12_PATH", str, None,
            "PKCS#12 certificate used to sign notices (electronic seal); unset = unsigned."),
    Setting("SEAL_PASSPHRASE", str, None, "Passphrase of the seal certificate.", secret=True),
    Setting("SYNC_ITEMS_ON_START", bool, False, "Upsert plugin service items into the catalog at start-up."),
    Setting("OUTBOX_BATCH_SIZE", int, 500, "Outbox rows sent per drain batch."),
    Setting("AMQP_URL", str, None,
            "RabbitMQ the outbox relay publishes to and `govkit inbound consume` reads from "
            "(amqp://user:password@host:5672/vhost); `govkit outbox relay` / `drain --amqp`.", secret=True),
    Setting("AMQP_EXCHANGE", str, "govkit.outbox",
            "Durable topic exchange the outbox publishes to (routing key = the message's topic)."),
    Setting("AMQP_QUEUE", str, "govkit.outbox",
            "Durable queue the relay declares and binds to every topic of AMQP_EXCHANGE (empty = declare none; "
            "a message no queue takes then stays pending)."),
    Setting("AMQP_INBOUND_QUEUE", str, "govkit.inbound",
            "Durable queue `govkit inbound consume` takes the provincial platform's registrations and status "
            "queries from (docs/data_exchange.md)."),
    Setting("OUTBOX_RELAY_SECONDS", float, 1.0, "How long `govkit outbox relay` waits when no row is pending."),
    Setting("TESTING", bool, False, "Test mode (used by the test suite)."),
    Setting("WTF_CSRF_ENABLED", bool, True, "CSRF protection on every form (keep on)."),
)


@dataclass
class Settings:
    """Resolved settings: ``values[name]`` plus where each came from."""

    declared: dict[str, Setting]
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read a ``.toml`` or ``.py`` config file into a flat mapping of UPPERCASE keys."""
    p = Path(path)
    if not p.exists():
        raise SettingsError(f"配置文件 {p} 不存在。请检查路径，或用 `govkit init` 生成。", key="config")
    if p.suffix == ".py":
        data = {k: v for k, v in runpy.run_path(str(p)).items() if k.isupper()}
    else:
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"配置文件 {p} 不是有效的 TOML：{exc}", key="config") from exc
        data = data.get("govkit", data)
    result = {str(k).upper(): v for k, v in data.items()}
    # Paths in a config file are relative to the file, not to the working directory.
    for key in ("INSTANCE_PATH", "STORAGE_DIR", "SEAL_P12_PATH"):
        if isinstance(result.get(key), str) and not os.path.isabs(result[key]):
            result[key] = str((p.parent / result[key]).resolve())
    return result


def resolve(
    declared: Iterable[Setting],
    *,
    config_file: str | os.PathLike | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve every declared setting through defaults → file → env → overrides."""
    decl: dict[str, Setting] = {}
    for setting in declared:
        decl[setting.name] = setting
    settings = Settings(declared=decl)
    for name, setting in decl.items():
        settings.values[name] = setting.default
        settings.sources[name] = "default"
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if config_file:
        layers.append((str(config_file), read_config_file(config_file)))
    env = os.environ if environ is None else environ
    layers.append(("environment", {k[len(ENV_PREFIX):]: v for k, v in env.items()
                                   if k.startswith(ENV_PREFIX) and k != "GOVKIT_CONFIG"}))
    if overrides:
        layers.append(("create_app(config)", {str(k).upper(): v for k, v in overrides.items()}))
    for source, layer in layers:
        for key, value in layer.items():
            if key in decl:
                settings.values[key] = decl[key].convert(value, source)
                settings.sources[key] = source
            elif source != "environment":
                # Undeclared keys pass through (e.g. Flask or FAB keys in a .py config);
                # undeclared GOVKIT_* variables belong to tools (tests, CI), not to the app.
                settings.extra[key] = value
    return settings
