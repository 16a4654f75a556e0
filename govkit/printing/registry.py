"""Print templates and the registry that picks the active one (打印模板登记).

The app fills one :class:`TemplateRegistry` from the ``register_print_templates``
hook: govkit's built-ins first, then each county plugin in load order.  A
later template with the same name replaces the earlier one; the registry
remembers what it replaced so ``govkit plugins`` can show which is active.

A template limited to some items (``applies_to``) replaces the earlier one
only for those items: asking for ``acceptance_notice`` for another item still
finds the built-in.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from govkit.errors import GovkitError, PluginError

__all__ = [
    "PrintTemplate", "TemplateRegistry", "TemplateNotFound", "SUBJECTS", "builtin_templates",
    "registry_from_plugins",
]

#: What a template prints: one case, one item implementation (办事指南), a
#: date range of cases (登记簿), a paper transfer batch (交接单), a letter that belongs to no case
#: (依申请公开的答复书) or a supervision document (督办通知书, 电子监察月报).
SUBJECTS = ("case", "implementation", "range", "batch", "request", "supervision")


class TemplateNotFound(GovkitError):
    """No registered print template has that name (or applies to that item)."""

    status_code = 404


@dataclass(frozen=True, kw_only=True)
class PrintTemplate:
    """A printable document (打印模板).

    ``render(context) -> bytes`` returns a PDF; the context type follows
    ``subject`` (:class:`~govkit.printing.context.CaseNotice` for "case",
    ``ImplementationGuide``, ``RegisterRange``, ``TransferBatch``, ``Letter`` for "request",
    ``SupervisionNotice`` for "supervision").
    ``applies_to`` is ``None`` for every item or a set of basic codes.
    ``source`` names the plugin that provided it ("govkit" for built-ins).
    """

    name: str
    title: str
    subject: str
    render: Callable[[Any], bytes]
    applies_to: frozenset[str] | None = None
    source: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if self.applies_to is not None and not isinstance(self.applies_to, frozenset):
            codes = [self.applies_to] if isinstance(self.applies_to, str) else self.applies_to
            object.__setattr__(self, "applies_to", frozenset(codes))

    def applies(self, item_code: str | None) -> bool:
        """True when the template may print for ``item_code`` (None: any)."""
        return self.applies_to is None or item_code is None or item_code in self.applies_to


class TemplateRegistry:
    """Active print templates by name, with what each registration replaced."""

    def __init__(self) -> None:
        # name -> registrations, oldest first; the last one is active.
        self._stacks: dict[str, list[PrintTemplate]] = {}

    def register(self, template: PrintTemplate, source: str | None = None) -> PrintTemplate:
        """Add ``template`` (from plugin ``source``); same name replaces. Returns it."""
        src = source or template.source or "unknown"
        if not isinstance(template, PrintTemplate):
            raise PluginError(
                f"插件 {src} 登记的打印模板不是 PrintTemplate（收到 {type(template).__name__}）。",
                plugin=src, hook="register_print_templates",
            )
        problem = None
        if not template.name or not template.name.isidentifier():
            problem = "name 须为非空的英文标识符，如 acceptance_notice"
        elif template.subject not in SUBJECTS:
            problem = f"subject 须为 {'/'.join(SUBJECTS)} 之一"
        elif not callable(template.render):
            problem = "render 须可调用，参数为打印上下文，返回 PDF 字节"
        if problem:
            raise PluginError(
                f"插件 {src} 登记的打印模板 {template.name!r} 无效：{problem}。",
                plugin=src, hook="register_print_templates", template=template.name,
            )
        if source is not None or not template.source:
            template = dataclasses.replace(template, source=src)
        self._stacks.setdefault(template.name, []).append(template)
        return template

    def register_all(self, templates: Iterable[PrintTemplate], source: str | None = None) -> None:
        """Register several templates from one source, in order."""
        for template in templates:
            self.register(template, source)

    def get(self, name: str, item_code: str | None = None) -> PrintTemplate:
        """The active template ``name`` for ``item_code`` (newest that applies)."""
        for template in reversed(self._stacks.get(name, ())):
            if template.applies(item_code):
                return template
        if name in self._stacks:
            raise TemplateNotFound(f"打印模板 {name} 不适用于事项 {item_code}。", name=name, item_code=item_code)
        raise TemplateNotFound(f"没有名为 {name} 的打印模板；已登记：{', '.join(sorted(self._stacks)) or '无'}。",
                               name=name)

    def for_subject(self, subject: str, item_code: str | None = None) -> list[PrintTemplate]:
        """Active templates that print ``subject`` (for ``item_code``), by name."""
        out = []
        for name in sorted(self._stacks):
            for template in reversed(self._stacks[name]):
                if template.subject == subject and template.applies(item_code):
                    out.append(template)
                    break
        return out

    def active(self) -> list[PrintTemplate]:
        """The newest registration of every name, sorted by name (``govkit plugins``)."""
        return [stack[-1] for _, stack in sorted(self._stacks.items())]

    @property
    def replaced(self) -> dict[str, list[str]]:
        """Name → sources of the registrations the active one replaced, oldest first."""
        return {name: [t.source for t in stack[:-1]] for name, stack in sorted(self._stacks.items())
                if len(stack) > 1}

    def history(self, name: str) -> list[PrintTemplate]:
        """Every registration of ``name``, oldest first; the last one is active."""
        return list(self._stacks.get(name, ()))

    def render(self, name: str, context: Any, item_code: str | None = None) -> bytes:
        """Render ``context`` with the template that applies; plugin failures name the plugin.

        ``item_code`` defaults to ``context.item_code`` when the context has one.
        """
        if item_code is None:
            item_code = getattr(context, "item_code", None)
        template = self.get(name, item_code)
        try:
            pdf = template.render(context)
        except GovkitError:
            raise
        except Exception as exc:
            raise PluginError(
                f"插件 {template.source} 的打印模板 {name} 出错：{exc.__class__.__name__}: {exc}",
                plugin=template.source, hook="render", template=name,
            ) from exc
        if not isinstance(pdf, (bytes, bytearray)) or not bytes(pdf[:5]) == b"%PDF-":
            raise PluginError(f"插件 {template.source} 的打印模板 {name} 没有返回 PDF。",
                              plugin=template.source, template=name)
        return bytes(pdf)

    def __contains__(self, name: object) -> bool:
        return name in self._stacks

    def __iter__(self) -> Iterator[PrintTemplate]:
        return iter(self.active())

    def __len__(self) -> int:
        return len(self._stacks)


def registry_from_plugins(pm: Any, settings: Any = None) -> TemplateRegistry:
    """Build the registry from every ``register_print_templates`` implementation.

    Implementations run in load order (built-ins first), each template
    recorded with the name of the plugin that returned it.
    """
    registry = TemplateRegistry()
    for plugin, template in pm.collect_by_plugin("register_print_templates", settings=settings):
        registry.register(template, source=plugin)
    return registry


def builtin_templates() -> list[PrintTemplate]:
    """govkit's standard notices, registered first by the built-in plugin."""
    from govkit.printing.templates import BUILTIN_TEMPLATES  # deferred: printing.templates imports this module

    return list(BUILTIN_TEMPLATES)


def registry_for(app_or_state: Any) -> TemplateRegistry:
    """The registry of one app (the Flask app or its ``get_state(app)``), built once from its plugins and cached."""
    extensions = getattr(app_or_state, "extensions", None)
    state = extensions["govkit"] if extensions is not None else app_or_state
    registry = state.cache.get("print_registry")
    if registry is None:
        registry = state.cache["print_registry"] = registry_from_plugins(state.pm, state.settings)
    return registry
