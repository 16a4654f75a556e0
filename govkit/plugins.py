"""Build the plugin manager: specs → built-in plugins → entry points → config modules.

A plugin that fails to import, declares a misspelt hook, or raises inside a hook
produces a :class:`~govkit.errors.PluginError` naming the plugin and the hook.

The manager is the one door to the hooks. Code that needs each plugin's answer, or
the answers in load order, uses :meth:`GovkitPluginManager.calls`, ``results``,
``collect`` or ``collect_by_plugin``; hooks whose answers nobody reads one by one
(``register_views``, ``register_commands``, ``startup``) and the ``firstresult``
hook are called as ``pm.hook.<name>(...)``. Nothing outside this module reads
pluggy's implementation lists (``get_hookimpls``), so the order is decided here
once and documented in docs/plugin_hooks.md (tests/test_plugins.py scans for it).
"""
from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Iterable

import pluggy

from govkit import hookspecs
from govkit.errors import GovkitError, PluginError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "govkit"

#: Built-in behaviour, registered exactly like third-party plugins.
DEFAULT_PLUGINS: tuple[str, ...] = tuple(
    f"govkit.builtins.{name}"
    for name in (
        "settings", "commands", "admin", "hierarchy", "catalog", "cases", "desk", "calendar",
        "print_templates", "ldap_directories", "publicity", "supervision", "outbox", "forms", "audit", "online",
        "consult", "inforequest", "online_apply", "jobs",
    )
)

hookimpl = pluggy.HookimplMarker("govkit")


@dataclass(frozen=True)
class HookCall:
    """One plugin's implementation of a hook, bound to the arguments it names; call it to run it."""

    plugin: str
    hook: str
    function: Callable[..., Any]
    args: tuple[Any, ...]

    def __call__(self) -> Any:
        return self.function(*self.args)


@dataclass(frozen=True)
class PluginInfo:
    """What ``govkit plugins`` and the admin page show for one loaded plugin."""

    name: str
    version: str | None
    source: str  # "builtin", "entrypoint" or "config"
    hooks: tuple[str, ...]


def _guard(plugin_name: str, hook_name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a hook implementation so an exception names the plugin and the hook."""

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except PluginError:
            raise
        except GovkitError as exc:
            # Domain errors from a plugin keep their type but say where they came from.
            exc.message = f"插件 {plugin_name} 的 {hook_name} 钩子：{exc.message}"
            exc.details.setdefault("plugin", plugin_name)
            raise
        except Exception as exc:
            raise PluginError(
                f"插件 {plugin_name} 在钩子 {hook_name} 中出错：{type(exc).__name__}: {exc}",
                plugin=plugin_name,
                hook=hook_name,
            ) from exc

    return guarded


class GovkitPluginManager(pluggy.PluginManager):
    """pluggy manager that records each plugin's source and version and guards its hooks."""

    def __init__(self) -> None:
        super().__init__("govkit")
        self.add_hookspecs(hookspecs)
        self.sources: dict[str, str] = {}
        self.versions: dict[str, str | None] = {}

    def register_plugin(self, plugin: object, name: str, source: str, version: str | None = None) -> None:
        """Register ``plugin`` and wrap its hook implementations with :func:`_guard`."""
        if self.has_plugin(name) or self.is_blocked(name):
            return
        try:
            self.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"插件 {name} 的钩子声明无效：{exc}", plugin=name) from exc
        self.sources[name] = source
        self.versions[name] = version
        for caller in self.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and not (impl.hookwrapper or impl.wrapper):
                    impl.function = _guard(name, caller.name, impl.function)

    def check(self) -> None:
        """``check_pending`` with an error naming the plugin that implements an unknown hook."""
        try:
            self.check_pending()
        except pluggy.PluginValidationError as exc:
            plugin_name = self.get_name(exc.plugin) if exc.plugin is not None else "?"
            raise PluginError(
                f"插件 {plugin_name} 实现了不存在的钩子：{exc}。请检查钩子名称拼写（见 docs/plugin_hooks.md）。",
                plugin=plugin_name,
            ) from exc

    def info(self) -> list[PluginInfo]:
        """Loaded plugins with version, source and the hooks each implements."""
        result = []
        for name, plugin in self.list_name_plugin():
            if plugin is None:  # a blocked (DISABLED_PLUGINS) name
                continue
            hooks = tuple(sorted(c.name for c in self.get_hookcallers(plugin) or ()))
            result.append(PluginInfo(name, self.versions.get(name), self.sources.get(name, "?"), hooks))
        return result

    def load_order(self) -> list[str]:
        """Names of the registered plugins in the order they were loaded (blocked names left out)."""
        return [name for name, plugin in self.list_name_plugin() if plugin is not None]

    def calls(self, hook_name: str, /, **kwargs: Any) -> list[HookCall]:
        """Each implementation of ``hook_name`` in load order, bound to the arguments it names.

        Load order is built-ins, then entry-point plugins, then modules named in config (then
        test plugins), each group in the order registered; ``tryfirst`` implementations come
        before all others and ``trylast`` ones after, in load order too. pluggy itself calls
        the other way round (last registered first), so never read its lists directly.
        ``kwargs`` must be exactly the hook's arguments; each implementation gets only those
        it names. Run each call yourself when one plugin's error must not stop the others.
        """
        caller = getattr(self.hook, hook_name, None)
        if caller is None or caller.spec is None:
            raise TypeError(f"no hook named {hook_name!r} in govkit.hookspecs")
        expected = set(caller.spec.argnames)
        if set(kwargs) != expected:
            raise TypeError(f"hook {hook_name} takes {sorted(expected)}, called with {sorted(kwargs)}")
        impls = caller.get_hookimpls()
        for impl in impls:
            if impl.hookwrapper or impl.wrapper:
                raise PluginError(f"插件 {impl.plugin_name} 的 {hook_name} 钩子是 wrapper 实现；"
                                  "该钩子按加载顺序逐个调用，不支持 wrapper。", plugin=impl.plugin_name, hook=hook_name)
        rank = {name: i for i, name in enumerate(self.load_order())}
        impls.sort(key=lambda impl: (0 if impl.tryfirst else 2 if impl.trylast else 1, rank[impl.plugin_name]))
        return [HookCall(impl.plugin_name, hook_name, impl.function, tuple(kwargs[name] for name in impl.argnames))
                for impl in impls]

    def results(self, hook_name: str, /, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook_name`` and return ``(plugin name, result)`` pairs in load order (see :meth:`calls`)."""
        return [(call.plugin, call()) for call in self.calls(hook_name, **kwargs)]

    def collect_by_plugin(self, hook_name: str, /, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a ``register_*`` hook; each item of the lists it returns with its plugin's name, in load order."""
        flat: list[tuple[str, Any]] = []
        for plugin, result in self.results(hook_name, **kwargs):
            if result is None:
                continue
            flat.extend((plugin, item) for item in (result if isinstance(result, (list, tuple)) else [result]))
        return flat

    def collect(self, hook_name: str, /, **kwargs: Any) -> list[Any]:
        """Call a ``register_*`` hook and flatten the lists it returns, in load order."""
        return [item for _, item in self.collect_by_plugin(hook_name, **kwargs)]


def _import(module_name: str, label: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except Exception as exc:
        raise PluginError(
            f"插件 {label} 无法加载（导入 {module_name} 失败）：{type(exc).__name__}: {exc}",
            plugin=label,
        ) from exc


def _entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def build_plugin_manager(
    *,
    load_entrypoints: bool = True,
    modules: Iterable[str] = (),
    disabled: Iterable[str] = (),
    extra_plugins: Iterable[tuple[str, object]] = (),
) -> GovkitPluginManager:
    """Create the manager for one app (or one CLI run) and load every plugin."""
    pm = GovkitPluginManager()
    for name in disabled:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        pm.register_plugin(_import(module_name, module_name), module_name, "builtin")
    if load_entrypoints:
        for ep in _entry_points():
            if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
                continue
            dist = ep.dist
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"插件 {ep.name}（{dist.name if dist else '?'}）无法加载：{type(exc).__name__}: {exc}",
                    plugin=ep.name,
                ) from exc
            pm.register_plugin(plugin, ep.name, "entrypoint", dist.version if dist else None)
    for module_name in modules:
        pm.register_plugin(_import(module_name, module_name), module_name, "config")
    for name, plugin in extra_plugins:
        pm.register_plugin(plugin, name, "test")
    pm.check()
    return pm
