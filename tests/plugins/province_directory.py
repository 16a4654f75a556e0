"""A county plugin that adds the province's directory through ``register_auth_directories``.

The same shape as the worked example in docs/ldap.md: the mapping ships in the
plugin, the parts that differ per deployment (URL, password) are settings.
"""
from govkit import Setting, hookimpl
from govkit.auth.ldap import DirectoryConfig


@hookimpl
def register_settings():
    return [
        Setting("PROVINCE_LDAP_URL", str, None, "URL of the province's directory."),
        Setting("PROVINCE_LDAP_PASSWORD", str, None, "Password of govkit's province account.",
                secret=True),
    ]


@hookimpl
def register_auth_directories(settings):
    if not settings["PROVINCE_LDAP_URL"]:
        return []
    return [
        DirectoryConfig(
            name="province",
            urls=[settings["PROVINCE_LDAP_URL"]],
            base_dn="ou=staff,dc=province,dc=example",
            bind_dn="cn=govkit,ou=apps,dc=province,dc=example",
            bind_password=settings["PROVINCE_LDAP_PASSWORD"],
            group_search_base="ou=groups,dc=province,dc=example",
            group_roles={"政务服务-办理": ["办理员"]},
            # The province keeps the division in the locality attribute, by name.
            division_attribute="l",
            division_map={"山城镇": "220581102000"},
            department_attribute="ou",
            connect_timeout=2,
        )
    ]
