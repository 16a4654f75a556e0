"""Unified identity (统一身份认证): a province's OpenID Connect provider that applicants may log in with.

A county declares its province's provider through the ``register_identity_providers`` hook (or the setting
``ONLINE_IDENTITY_PROVIDERS``); govkit is the relying party (Authlib, authorization-code flow with PKCE, the
ID token's signature, issuer, audience and nonce checked). The person is mapped to an applicant account by the
ID-number claim (GB 11643, check character verified): an existing account with that number is used, else one
is created from the claims. Plain Python (no Flask); the routes are in :mod:`govkit.online.views`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from govkit.errors import PluginError

__all__ = ["IdentityProvider", "identity_providers"]


@dataclass(frozen=True)
class IdentityProvider:
    """One OpenID Connect provider. ``issuer`` is its issuer URL (discovery at
    ``<issuer>/.well-known/openid-configuration``); ``id_number_claim`` names the claim that carries the
    公民身份号码 (provinces differ: ``id_card``, ``idcard``, ``cert_no`` …)."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scope: str = "openid profile"
    id_number_claim: str = "id_card"
    name_claim: str = "name"
    phone_claim: str = "phone_number"


def identity_providers(pm: Any, settings: Mapping[str, Any]) -> dict[str, IdentityProvider]:
    """Providers from the setting ``ONLINE_IDENTITY_PROVIDERS`` (a list of dicts), then from plugins (a later one
    with the same name replaces an earlier one)."""
    found: dict[str, IdentityProvider] = {}
    items: list[tuple[str, Any]] = [("settings", item) for item in settings["ONLINE_IDENTITY_PROVIDERS"] or []]
    items += pm.collect_by_plugin("register_identity_providers", settings=settings)
    for plugin, item in items:
        if isinstance(item, dict):
            try:
                item = IdentityProvider(**item)
            except TypeError as exc:
                raise PluginError(f"{plugin} 的统一身份认证配置无效：{exc}", plugin=plugin) from exc
        if not isinstance(item, IdentityProvider):
            raise PluginError(f"插件 {plugin} 的 register_identity_providers 返回了 {type(item).__name__}，"
                              "应为 IdentityProvider。", plugin=plugin, hook="register_identity_providers")
        found[item.name] = item
    return found
