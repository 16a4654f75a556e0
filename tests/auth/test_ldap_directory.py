"""govkit.auth.ldap against a real OpenLDAP slapd (see conftest.py)."""
from __future__ import annotations

from dataclasses import replace

import ldap3
import pytest

from govkit.auth.ldap import client as directory_client
from govkit.auth.ldap import DirectoryConfig, authenticate, normalize_dn, placeholder_email
from govkit.errors import DirectoryUnavailable, SettingsError

from .slapd import READER_DN, SUFFIX, county_config, free_port

PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"


# --- successful logins and mapping ---------------------------------------


def test_login_returns_identity_with_chinese_display_name(county):
    identity = authenticate([county], "zhangsan", "zhangsan-pw")

    assert identity is not None
    assert identity.directory == "county"
    assert identity.dn == f"uid=zhangsan,{PEOPLE}"
    assert identity.username == "zhangsan"
    assert identity.display_name == "张三"
    assert identity.email == "zhangsan@county.example"
    assert identity.email_is_placeholder is False
    assert identity.phone == "13800000001"


def test_username_is_returned_as_the_directory_spells_it(county):
    identity = authenticate([county], "  ZhangSan ", "zhangsan-pw")

    assert identity.username == "zhangsan"


def test_display_name_falls_back_to_cn(county):
    assert authenticate([county], "wangwu", "wangwu-pw").display_name == "王五"


def test_missing_email_gets_invalid_placeholder(county):
    identity = authenticate([county], "lisi", "lisi-pw")

    assert identity.email == "lisi@county.directory.invalid"
    assert identity.email_is_placeholder is True


def test_placeholder_email_is_ascii_for_any_username():
    assert placeholder_email("sun+qi", "county") == "sun+qi@county.directory.invalid"
    assert placeholder_email("张三", "省目录") == "u-e5bca0e4b889@d-e79c81e79baee5bd95.directory.invalid"


def test_non_ascii_password(county):
    assert authenticate([county], "zhaoliu", "密码123").display_name == "赵六"


def test_groups_map_to_roles_by_name_and_by_dn(county):
    clerk = authenticate([county], "zhangsan", "zhangsan-pw")
    county_handler = authenticate([county], "wangwu", "wangwu-pw")
    supervisor = authenticate([county], "zhaoliu", "密码123")

    # 食堂 has no mapping and adds nothing.
    assert f"cn=食堂,{GROUPS}" in clerk.groups
    assert clerk.roles == ("village_clerk",)
    assert set(county_handler.roles) == {"county_handler", "catalog_admin"}
    assert supervisor.roles == ("supervisor",)


def test_user_in_no_group_gets_default_roles_only(slapd):
    config = county_config(slapd, default_roles=["staff"])

    assert authenticate([config], "zhoujiu", "zhoujiu-pw").roles == ("staff",)
    assert authenticate([config], "zhangsan", "zhangsan-pw").roles == ("staff", "village_clerk")


def test_group_search_mode_finds_the_same_roles(slapd):
    config = county_config(slapd, group_search_base=GROUPS)

    roles = authenticate([config], "wangwu", "wangwu-pw").roles
    assert set(roles) == {"county_handler", "catalog_admin"}
    assert authenticate([config], "zhangsan", "zhangsan-pw").roles == ("village_clerk",)


def test_division_from_twelve_digit_attribute(county):
    identity = authenticate([county], "zhangsan", "zhangsan-pw")

    assert identity.division_code == "220581102202"
    assert identity.department == "村便民服务站"


def test_division_from_mapped_name(county):
    identity = authenticate([county], "lisi", "lisi-pw")

    assert identity.division_value == "山城镇"
    assert identity.division_code == "220581102000"


def test_unmapped_division_is_reported_not_guessed(county):
    identity = authenticate([county], "qianba", "qianba-pw")

    assert identity.division_code is None
    assert identity.division_value == "未知部门"


def test_department_map(slapd):
    config = county_config(slapd, department_map={"民政局": "县民政局"})

    assert authenticate([config], "wangwu", "wangwu-pw").department == "县民政局"


def test_sync_flags_travel_with_the_identity(slapd):
    config = county_config(slapd, sync_roles=False, sync_division=False)
    identity = authenticate([config], "zhangsan", "zhangsan-pw")

    assert (identity.sync_roles, identity.sync_division) == (False, False)


def test_resync_after_group_and_division_change(county, ldap_admin):
    lisi = f"uid=lisi,{PEOPLE}"
    township, county_group = f"cn=乡镇办理员,{GROUPS}", f"cn=县级办理员,{GROUPS}"

    def modify(dn, changes):
        assert ldap_admin.modify(dn, changes), ldap_admin.result

    before = authenticate([county], "lisi", "lisi-pw")
    assert before.roles == ("township_handler",)
    assert before.division_code == "220581102000"

    # groupOfNames needs one member at least: hand the township group to the reader meanwhile.
    modify(township, {"member": [(ldap3.MODIFY_REPLACE, [READER_DN])]})
    modify(county_group, {"member": [(ldap3.MODIFY_ADD, [lisi])]})
    modify(lisi, {"departmentNumber": [(ldap3.MODIFY_REPLACE, ["220581000000"])]})
    try:
        after = authenticate([county], "lisi", "lisi-pw")
        assert after.roles == ("county_handler",)
        assert after.division_code == "220581000000"
    finally:
        modify(county_group, {"member": [(ldap3.MODIFY_DELETE, [lisi])]})
        modify(township, {"member": [(ldap3.MODIFY_REPLACE, [lisi])]})
        modify(lisi, {"departmentNumber": [(ldap3.MODIFY_REPLACE, ["山城镇"])]})
    assert authenticate([county], "lisi", "lisi-pw").roles == ("township_handler",)


# --- failed logins -------------------------------------------------------


def test_wrong_password(county):
    assert authenticate([county], "zhangsan", "wrong") is None


def test_unknown_user(county):
    assert authenticate([county], "nobody", "zhangsan-pw") is None


def test_unknown_user_costs_a_bind_like_a_wrong_password(county, monkeypatch):
    binds = []
    original = directory_client._Session.bind

    def counting_bind(self, user, password):
        binds.append(user)
        return original(self, user, password)

    monkeypatch.setattr(directory_client._Session, "bind", counting_bind)
    authenticate([county], "zhangsan", "wrong")
    wrong_password = len(binds)
    binds.clear()
    authenticate([county], "nobody", "wrong")

    assert len(binds) == wrong_password == 2
    assert READER_DN not in binds[1:]


@pytest.mark.parametrize("password", ["", "   ", "\t", None])
def test_empty_password_refused_without_contacting_the_server(
    down_directory, monkeypatch, password
):
    def no_connection(*args, **kwargs):
        raise AssertionError("the directory must not be contacted")

    monkeypatch.setattr(ldap3, "Connection", no_connection)

    assert authenticate([down_directory], "zhangsan", password) is None


@pytest.mark.parametrize(
    "username", ["", "   ", "zhang\x00san", "zhang\nsan", "zhang\u200bsan", "a" * 129, None]
)
def test_unusable_username_refused_without_contacting_the_server(down_directory, username):
    # down_directory would raise DirectoryUnavailable if it were contacted.
    assert authenticate([down_directory], username, "zhangsan-pw") is None


def test_username_of_max_length_is_tried(down_directory):
    with pytest.raises(DirectoryUnavailable):
        authenticate([down_directory], "a" * 128, "pw")


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("*)(uid=*))(|(uid=*", "admin-pw"),
        ("admin)(|(objectClass=*", "admin-pw"),
        ("admin)(uid=*", "admin-pw"),
        ("*", "admin-pw"),
        ("*", "zhangsan-pw"),
        ("zhang*", "zhangsan-pw"),
        ("adm*n", "admin-pw"),
        ("admin\\29", "admin-pw"),
        ("\\2a", "admin-pw"),
    ],
)
def test_filter_injection_never_matches(county, username, password):
    assert authenticate([county], username, password) is None


@pytest.mark.parametrize(
    "username",
    ["*", "admin,ou=people,dc=county,dc=example", "admin+cn=系统管理员", "zhangsan,ou=people"],
)
def test_dn_injection_in_direct_mode_never_matches(direct_config, username):
    assert authenticate([direct_config], username, "admin-pw") is None
    assert authenticate([direct_config], username, "zhangsan-pw") is None


def test_ambiguous_filter_refuses_instead_of_picking_one(slapd):
    config = county_config(slapd, user_filter="(|(uid={username})(cn=张三))")

    assert authenticate([config], "lisi", "lisi-pw") is None


def test_wrong_service_account_password_counts_as_unavailable(slapd):
    config = county_config(slapd, bind_password="not-the-password")

    with pytest.raises(DirectoryUnavailable):
        authenticate([config], "zhangsan", "zhangsan-pw")


# --- direct bind ---------------------------------------------------------


@pytest.fixture
def direct_config(slapd) -> DirectoryConfig:
    return county_config(
        slapd,
        mode="direct",
        bind_dn=None,
        bind_password=None,
        user_dn_template=f"uid={{username}},{PEOPLE}",
        group_search_base=GROUPS,
    )


def test_direct_bind_login(direct_config):
    identity = authenticate([direct_config], "zhangsan", "zhangsan-pw")

    assert identity.display_name == "张三"
    assert identity.roles == ("village_clerk",)
    assert identity.division_code == "220581102202"


def test_direct_bind_escapes_the_username_in_the_dn(direct_config):
    identity = authenticate([direct_config], "sun+qi", "sunqi-pw")

    assert identity.display_name == "孙七"
    assert identity.roles == ("village_clerk",)


def test_direct_bind_wrong_password(direct_config):
    assert authenticate([direct_config], "zhangsan", "wrong") is None
    assert authenticate([direct_config], "nobody", "wrong") is None


# --- availability and failover -------------------------------------------


def test_closed_port_raises_directory_unavailable(down_directory):
    with pytest.raises(DirectoryUnavailable) as caught:
        authenticate([down_directory], "zhangsan", "zhangsan-pw")

    assert "目录服务暂时无法连接" in str(caught.value)
    assert caught.value.details["directories"] == ("down",)


def test_stopped_slapd_raises_directory_unavailable(own_slapd):
    config = county_config(own_slapd)
    assert authenticate([config], "zhangsan", "zhangsan-pw") is not None

    own_slapd.stop()

    with pytest.raises(DirectoryUnavailable):
        authenticate([config], "zhangsan", "zhangsan-pw")


def test_next_url_of_the_same_directory_is_tried(slapd):
    config = county_config(slapd, urls=[f"ldap://127.0.0.1:{free_port()}", slapd.url])

    assert authenticate([config], "zhangsan", "zhangsan-pw").directory == "county"


def test_second_directory_used_when_first_is_down(down_directory, county):
    identity = authenticate([down_directory, county], "zhangsan", "zhangsan-pw")

    assert identity.directory == "county"


def test_down_directory_with_a_reachable_one_is_a_failed_login(down_directory, county):
    assert authenticate([down_directory, county], "nobody", "pw") is None


def test_second_directory_used_when_first_does_not_know_the_user(slapd, county):
    empty = county_config(slapd, name="province", base_dn=f"ou=system,{SUFFIX}")

    assert authenticate([empty, county], "zhangsan", "zhangsan-pw").directory == "county"


def test_wrong_password_in_first_directory_stops_there(slapd, county, monkeypatch):
    asked = []
    original = directory_client._authenticate_in

    def spy(directory, username, password):
        asked.append(directory.name)
        return original(directory, username, password)

    monkeypatch.setattr(directory_client, "_authenticate_in", spy)
    province = county_config(slapd, name="province")

    assert authenticate([county, province], "zhangsan", "wrong") is None
    assert asked == ["county"]


def test_no_directories_is_a_failed_login():
    assert authenticate([], "zhangsan", "zhangsan-pw") is None


# --- TLS -----------------------------------------------------------------


@pytest.fixture
def tls_slapd(slapd):
    if slapd.ca_file is None:
        pytest.skip("openssl is not installed; no test CA")
    return slapd


def test_starttls_with_ca_file(tls_slapd):
    config = county_config(tls_slapd, use_starttls=True, ca_file=str(tls_slapd.ca_file))

    assert authenticate([config], "zhangsan", "zhangsan-pw").display_name == "张三"


def test_ldaps_with_ca_file(tls_slapd):
    config = county_config(
        tls_slapd, urls=[tls_slapd.ldaps_url], use_ssl=True, ca_file=str(tls_slapd.ca_file)
    )

    assert authenticate([config], "zhangsan", "zhangsan-pw").display_name == "张三"


@pytest.mark.parametrize("settings", [{"use_starttls": True}, {"use_ssl": True}])
def test_untrusted_certificate_is_refused(tls_slapd, settings):
    url = tls_slapd.ldaps_url if settings.get("use_ssl") else tls_slapd.url
    config = county_config(tls_slapd, urls=[url], **settings)

    with pytest.raises(DirectoryUnavailable):
        authenticate([config], "zhangsan", "zhangsan-pw")


def test_ldaps_url_verifies_certificate_even_without_use_ssl(tls_slapd):
    config = county_config(tls_slapd, urls=[tls_slapd.ldaps_url])

    with pytest.raises(DirectoryUnavailable):
        authenticate([config], "zhangsan", "zhangsan-pw")


# --- configuration -------------------------------------------------------

MINIMAL = {"name": "county", "urls": ["ldap://127.0.0.1"], "base_dn": SUFFIX}


def test_from_mapping_builds_a_config():
    config = DirectoryConfig.from_mapping(
        {**MINIMAL, "urls": "ldap://ldap.county.example", "group_roles": {"监察": "supervisor"},
         "division_map": {"山城镇": "220581102000"}}
    )

    assert config.urls == ("ldap://ldap.county.example",)
    assert config.group_roles == {"监察": ("supervisor",)}
    assert config.division_map["山城镇"] == "220581102000"
    hash(config)


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({**MINIMAL, "user_fliter": "(uid={username})"}, "user_fliter"),
        ({"name": "county", "base_dn": SUFFIX}, "urls"),
        ({**MINIMAL, "urls": ["http://ldap"]}, "urls"),
        ({**MINIMAL, "urls": []}, "urls"),
        ({**MINIMAL, "mode": "anonymous"}, "mode"),
        ({**MINIMAL, "base_dn": ""}, "base_dn"),
        ({**MINIMAL, "user_filter": "(uid=*)"}, "user_filter"),
        ({**MINIMAL, "user_filter": "(&(uid={username})"}, "user_filter"),
        ({**MINIMAL, "user_filter": "uid={username}"}, "user_filter"),
        ({**MINIMAL, "bind_dn": READER_DN}, "bind_password"),
        ({**MINIMAL, "mode": "direct"}, "user_dn_template"),
        ({**MINIMAL, "use_ssl": True, "use_starttls": True}, "use_starttls"),
        ({**MINIMAL, "ca_file": "/nonexistent/ca.pem"}, "ca_file"),
        ({**MINIMAL, "connect_timeout": 0}, "connect_timeout"),
        ({**MINIMAL, "sync_roles": "yes"}, "sync_roles"),
        ({**MINIMAL, "division_map": {"山城镇": "2205"}}, "division_map['山城镇']"),
        ({**MINIMAL, "group_roles": {"监察": [1]}}, "group_roles['监察']"),
        ({**MINIMAL, "group_roles": ["监察"]}, "group_roles"),
        ({**MINIMAL, "email_attribute": 3}, "email_attribute"),
        ({**MINIMAL, "group_search_base": GROUPS, "group_filter": "(objectClass=person)"},
         "group_filter"),
    ],
)
def test_from_mapping_names_the_bad_key(settings, key):
    with pytest.raises(SettingsError) as caught:
        DirectoryConfig.from_mapping(settings)

    assert key in str(caught.value)
    assert caught.value.details["key"] == key


def test_password_not_in_repr():
    settings = {**MINIMAL, "bind_dn": READER_DN, "bind_password": "s3cret"}
    config = DirectoryConfig.from_mapping(settings)

    assert "s3cret" not in repr(config)


def test_config_is_immutable():
    config = DirectoryConfig.from_mapping({**MINIMAL, "group_roles": {"监察": ["supervisor"]}})

    with pytest.raises(TypeError):
        config.group_roles["监察"] = ("admin",)
    assert replace(config, name="other").name == "other"


def test_normalize_dn_ignores_case_spaces_and_escapes():
    assert normalize_dn("CN=监察, OU=Groups,dc=County,dc=example") == normalize_dn(f"cn=监察,{GROUPS}")
    assert normalize_dn("uid=sun\\2Bqi,ou=people") == normalize_dn("uid=sun\\+qi,ou=people")
    assert normalize_dn("cn=\\E7\\9B\\91\\E5\\AF\\9F,ou=groups") == normalize_dn("cn=监察,ou=groups")


def test_bind_password_from_environment():
    settings = {**MINIMAL, "bind_dn": READER_DN, "bind_password_env": "COUNTY_LDAP_PASSWORD"}

    config = DirectoryConfig.from_mapping(settings, environ={"COUNTY_LDAP_PASSWORD": "s3cret"})

    assert config.bind_password == "s3cret"
    with pytest.raises(SettingsError) as caught:
        DirectoryConfig.from_mapping(settings, environ={})
    assert "COUNTY_LDAP_PASSWORD" in str(caught.value)


def test_config_example_in_the_docs_is_valid():
    import re
    import tomllib
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "ldap.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.S).group(1)

    tables = tomllib.loads(example)["govkit"]["LDAP_DIRECTORIES"]
    environ = {"COUNTY_LDAP_PASSWORD": "x"}
    configs = [
        DirectoryConfig.from_mapping({**table, "ca_file": None}, environ=environ)
        for table in tables
    ]

    assert configs[0].group_roles["村代办员"] == ("代办员", "受理员")
    assert configs[0].division_map["山城镇"] == "220581102000"
