"""Directory logins in a govkit app: users, roles and divisions synced from slapd."""
from __future__ import annotations

import ldap3
import pytest
import sqlalchemy as sa
from flask import get_flashed_messages

from govkit.auth.directory_login import auth_directories, auth_user, is_directory_user
from govkit.auth.ldap import DirectoryConfig
from govkit.auth.models import LoginFailure
from govkit.auth.throttle import LoginThrottle
from govkit.builtins import ldap_directories
from govkit.errors import SettingsError
from govkit.hierarchy.models import Department, Staff
from govkit.testing.fixtures import create_user, ensure_division
from tests.plugins import province_directory

from .slapd import READER_DN, READER_PASSWORD, SUFFIX, free_port

PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
DIVISIONS = {"220581000000": "梅河口市", "220581102000": "山城镇", "220581102202": "示例村"}
BUILTIN = ("govkit.builtins.ldap_directories", ldap_directories)


def county_settings(slapd, **overrides) -> dict:
    """The county directory as a deployment writes it in LDAP_DIRECTORIES."""
    settings = {
        "name": "county",
        "urls": [slapd.url],
        "base_dn": SUFFIX,
        "bind_dn": READER_DN,
        "bind_password": READER_PASSWORD,
        "group_search_base": GROUPS,
        "group_roles": {
            "村代办员": ["代办员", "受理员"],
            "乡镇办理员": ["办理员"],
            "县级办理员": ["办理员", "指挥中心"],
            "事项管理员": ["事项管理员"],
            f"cn=监察,{GROUPS}": ["监察"],
        },
        "division_attribute": "departmentNumber",
        "division_map": {"山城镇": "220581102000"},
        "department_attribute": "ou",
        "connect_timeout": 2,
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory, slapd, province_slapd):
    """One app for the module (building an app is slow): county from the setting,
    province from the test plugin. Tests swap directories with ``use_directories``."""
    import govkit.models  # noqa: F401  (complete metadata)
    from govkit.app import create_app
    from govkit.auth.roles import sync_roles
    from govkit.db import db, metadata

    folder = tmp_path_factory.mktemp("ldap-app")
    url = f"sqlite:///{folder / 'govkit.db'}"
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    config = {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "test-secret-for-the-ldap-login-tests",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "LDAP_DIRECTORIES": [county_settings(slapd)],
        "PROVINCE_LDAP_URL": province_slapd.url,
        "PROVINCE_LDAP_PASSWORD": "province-reader",
    }
    app = create_app(config, load_entrypoints=False,
                     plugins=[BUILTIN, ("province_directory", province_directory)])
    with app.app_context():
        sync_roles(app.appbuilder)
        for code, name in DIVISIONS.items():
            ensure_division(db.session, code, name)
        county = ensure_division(db.session, "220581000000")
        db.session.add(Department(name="民政局", division_id=county.id))
        db.session.commit()
    return app


@pytest.fixture
def ldap_app(shared_app):
    """The shared app in an app context; users, staff and the throttle reset afterwards."""
    from govkit.db import db

    state = shared_app.extensions["govkit"]
    directories = list(auth_directories(shared_app))
    with shared_app.app_context():
        yield shared_app
        db.session.rollback()
        db.session.execute(sa.delete(Staff))
        db.session.execute(sa.delete(LoginFailure))  # the throttle's counts live in the database
        for user in db.session.scalars(sa.select(shared_app.appbuilder.sm.user_model)).all():
            db.session.delete(user)
        db.session.commit()
        db.session.remove()
    state.cache["auth_directories"] = directories
    state.cache.pop("login_throttle", None)


@pytest.fixture
def db(ldap_app):
    from govkit.db import db as handle

    return handle


def use_directories(app, *settings) -> None:
    """Replace the app's directories for this test (as if LDAP_DIRECTORIES had changed)."""
    app.extensions["govkit"].cache["auth_directories"] = [
        DirectoryConfig.from_mapping(item) if isinstance(item, dict) else item for item in settings
    ]


def log_in(app, username, password, ip="10.0.0.1"):
    """Log in through the security manager; returns (user, flashed messages)."""
    with app.test_request_context("/login/", method="POST", environ_base={"REMOTE_ADDR": ip}):
        user = auth_user(app.appbuilder.sm, username, password)
        return user, get_flashed_messages()


def staff_of(db, user) -> Staff:
    return db.session.scalar(sa.select(Staff).where(Staff.user_id == user.id))


def role_names(user) -> set[str]:
    return {role.name for role in user.roles}


# --- first and later logins ----------------------------------------------


def test_first_login_creates_the_user_with_roles_and_division(ldap_app, db):
    user, messages = log_in(ldap_app, "zhangsan", "zhangsan-pw")

    assert messages == []
    assert user.username == "zhangsan"
    assert user.first_name == "张三"
    assert user.email == "zhangsan@county.example"
    assert role_names(user) == {"代办员", "受理员"}
    assert is_directory_user(user)
    staff = staff_of(db, user)
    assert staff.division.code == "220581102202"
    assert staff.duty == "代办员"
    assert staff.name == "张三"


def test_department_is_linked_when_it_exists(ldap_app, db):
    user, _ = log_in(ldap_app, "wangwu", "wangwu-pw")

    staff = staff_of(db, user)
    assert staff.division.code == "220581000000"
    assert staff.department.name == "民政局"
    assert role_names(user) == {"办理员", "指挥中心", "事项管理员"}


def test_missing_email_gets_placeholder(ldap_app):
    user, _ = log_in(ldap_app, "lisi", "lisi-pw")

    assert user.email == "lisi@county.directory.invalid"


def test_directory_user_has_no_local_password(ldap_app):
    from flask_appbuilder.security.manager import BaseSecurityManager

    user, _ = log_in(ldap_app, "zhangsan", "zhangsan-pw")

    assert user.password == "!directory:county"
    # FAB's own password check refuses it, whatever the password.
    sm = ldap_app.appbuilder.sm
    assert BaseSecurityManager.auth_user_db(sm, "zhangsan", "zhangsan-pw") is None


def test_second_login_updates_the_same_user(ldap_app, db):
    first, _ = log_in(ldap_app, "zhangsan", "zhangsan-pw")
    second, _ = log_in(ldap_app, "ZhangSan", "zhangsan-pw")

    assert second.id == first.id
    assert second.login_count == 2
    assert db.session.scalar(sa.select(sa.func.count(Staff.id))) == 1


def test_resync_moves_roles_and_division(ldap_app, db, ldap_admin):
    lisi = f"uid=lisi,{PEOPLE}"
    township, county_group = f"cn=乡镇办理员,{GROUPS}", f"cn=县级办理员,{GROUPS}"
    user, _ = log_in(ldap_app, "lisi", "lisi-pw")
    assert role_names(user) == {"办理员"}
    assert staff_of(db, user).division.code == "220581102000"

    def modify(dn, changes):
        assert ldap_admin.modify(dn, changes), ldap_admin.result

    modify(township, {"member": [(ldap3.MODIFY_REPLACE, [READER_DN])]})
    modify(county_group, {"member": [(ldap3.MODIFY_ADD, [lisi])]})
    modify(lisi, {"departmentNumber": [(ldap3.MODIFY_REPLACE, ["220581000000"])]})
    try:
        user, _ = log_in(ldap_app, "lisi", "lisi-pw")
        assert role_names(user) == {"办理员", "指挥中心"}
        staff = staff_of(db, user)
        assert staff.division.code == "220581000000"
    finally:
        modify(county_group, {"member": [(ldap3.MODIFY_DELETE, [lisi])]})
        modify(township, {"member": [(ldap3.MODIFY_REPLACE, [lisi])]})
        modify(lisi, {"departmentNumber": [(ldap3.MODIFY_REPLACE, ["山城镇"])]})


def test_without_sync_roles_and_division_only_the_first_login_sets_them(ldap_app, slapd, db):
    use_directories(ldap_app, county_settings(slapd, sync_roles=False, sync_division=False))
    user, _ = log_in(ldap_app, "zhangsan", "zhangsan-pw")
    user.roles = [ldap_app.appbuilder.sm.find_role("监察")]
    staff_of(db, user).division_id = ensure_division(db.session, "220581000000").id
    db.session.commit()

    user, _ = log_in(ldap_app, "zhangsan", "zhangsan-pw")

    assert role_names(user) == {"监察"}
    assert staff_of(db, user).division.code == "220581000000"


# --- refusals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("zhangsan", "wrong"),
        ("nobody", "zhangsan-pw"),
        ("zhangsan", ""),
        ("*)(uid=*))(|(uid=*", "admin-pw"),
        ("admin)(|(objectClass=*", "admin-pw"),
        ("zhang*", "zhangsan-pw"),
    ],
)
def test_failed_login_is_generic_and_creates_nobody(ldap_app, db, username, password):
    user, messages = log_in(ldap_app, username, password)

    assert user is None
    assert messages == []
    assert db.session.scalar(sa.select(sa.func.count(Staff.id))) == 0


def test_unmapped_division_value_is_named(ldap_app):
    user, messages = log_in(ldap_app, "qianba", "qianba-pw")

    assert user is None
    assert "未知部门" in messages[0]
    assert ldap_app.appbuilder.sm.find_user(username="qianba") is None


def test_division_code_missing_from_govkit_is_named(ldap_app, slapd):
    use_directories(ldap_app, county_settings(slapd, division_map={"山城镇": "220581103000"}))

    user, messages = log_in(ldap_app, "lisi", "lisi-pw")

    assert user is None
    assert "220581103000" in messages[0]


def test_user_without_a_mapped_role_is_told_so(ldap_app):
    user, messages = log_in(ldap_app, "zhoujiu", "zhoujiu-pw")

    assert user is None
    assert "角色" in messages[0]


def test_locked_after_repeated_failures_with_one_message(ldap_app):
    for _ in range(5):
        assert log_in(ldap_app, "zhangsan", "wrong")[0] is None
        assert log_in(ldap_app, "nobody", "wrong", ip="10.0.0.2")[0] is None

    user, locked = log_in(ldap_app, "zhangsan", "zhangsan-pw")
    _, unknown_locked = log_in(ldap_app, "nobody", "zhangsan-pw", ip="10.0.0.2")

    assert user is None
    assert locked == unknown_locked
    assert "锁定" in locked[0]
    # Another person is not affected.
    assert log_in(ldap_app, "lisi", "lisi-pw")[0] is not None


def test_locked_per_address(ldap_app):
    ldap_app.extensions["govkit"].cache["login_throttle"] = LoginThrottle(max_failures_per_ip=3)
    for name in ("a1", "a2", "a3"):
        log_in(ldap_app, name, "wrong", ip="10.0.0.9")

    user, messages = log_in(ldap_app, "zhangsan", "zhangsan-pw", ip="10.0.0.9")

    assert user is None and "锁定" in messages[0]
    assert log_in(ldap_app, "zhangsan", "zhangsan-pw", ip="10.0.0.10")[0] is not None


# --- directory down, local accounts --------------------------------------


def down_directory(slapd) -> dict:
    return county_settings(slapd, urls=[f"ldap://127.0.0.1:{free_port()}"], connect_timeout=1)


def test_directory_down_says_so_and_local_admin_still_logs_in(ldap_app, slapd):
    use_directories(ldap_app, down_directory(slapd))
    create_user(ldap_app, "Admin", "220581000000", username="localadmin", password="local-pw-1")

    user, messages = log_in(ldap_app, "zhangsan", "zhangsan-pw")
    assert user is None
    assert "目录服务暂时无法连接" in messages[0]

    admin, messages = log_in(ldap_app, "localadmin", "local-pw-1")
    assert admin.username == "localadmin" and messages == []


def test_directory_down_does_not_count_towards_lockout(ldap_app, slapd):
    use_directories(ldap_app, down_directory(slapd))
    for _ in range(6):
        log_in(ldap_app, "zhangsan", "zhangsan-pw")

    _, messages = log_in(ldap_app, "zhangsan", "zhangsan-pw")

    assert "锁定" not in messages[0]


def test_directory_cannot_take_over_a_local_account(ldap_app):
    create_user(ldap_app, "Admin", "220581000000", username="admin", password="local-admin-pw")

    assert log_in(ldap_app, "admin", "admin-pw")[0] is None
    assert log_in(ldap_app, "admin", "local-admin-pw")[0].username == "admin"


# --- settings and the hook -----------------------------------------------


def test_directories_from_the_setting_then_the_plugin(shared_app):
    assert [d.name for d in auth_directories(shared_app)] == ["county", "province"]


def test_province_directory_from_a_plugin_is_used(ldap_app, db):
    user, messages = log_in(ldap_app, "liuqi", "liuqi-pw")

    assert messages == []
    assert user.first_name == "刘七"
    assert role_names(user) == {"办理员"}
    assert staff_of(db, user).division.code == "220581102000"
    assert user.password == "!directory:province"


def test_first_directory_that_knows_the_name_decides(ldap_app):
    # zhangsan is in both directories: the county, asked first, decides.
    assert log_in(ldap_app, "zhangsan", "province-zhangsan-pw")[0] is None
    assert log_in(ldap_app, "zhangsan", "zhangsan-pw")[0].first_name == "张三"


def test_user_of_one_directory_cannot_log_in_through_another(ldap_app):
    assert log_in(ldap_app, "zhangsan", "zhangsan-pw")[0] is not None
    province = [d for d in auth_directories(ldap_app) if d.name == "province"]
    use_directories(ldap_app, *province)

    user, messages = log_in(ldap_app, "zhangsan", "province-zhangsan-pw")

    assert user is None
    assert "county" in messages[0]


def test_bad_directory_setting_names_the_entry_and_key():
    settings = {"LDAP_DIRECTORIES": [{"name": "county", "url": "ldap://x"}]}

    with pytest.raises(SettingsError) as caught:
        ldap_directories.register_auth_directories(settings)

    assert "LDAP_DIRECTORIES 第 1 项" in str(caught.value)
    assert caught.value.details["key"] == "url"


def test_no_directories_means_local_logins_only(ldap_app):
    use_directories(ldap_app)
    create_user(ldap_app, "Admin", "220581000000", username="localadmin", password="local-pw-1")

    assert log_in(ldap_app, "zhangsan", "zhangsan-pw")[0] is None
    assert log_in(ldap_app, "localadmin", "local-pw-1")[0] is not None


# --- through the login page and the API ----------------------------------


def test_login_page_logs_a_directory_user_in(ldap_app):
    client = ldap_app.test_client()

    response = client.post("/login/", data={"username": "zhangsan", "password": "zhangsan-pw"})

    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
    with client.session_transaction() as session:
        user = ldap_app.appbuilder.sm.find_user(username="zhangsan")
        assert session["_user_id"] == str(user.id)


def test_login_page_says_when_the_directory_is_down(ldap_app, slapd):
    use_directories(ldap_app, down_directory(slapd))
    client = ldap_app.test_client()

    response = client.post(
        "/login/", data={"username": "zhangsan", "password": "zhangsan-pw"}, follow_redirects=True
    )

    assert "目录服务暂时无法连接" in response.get_data(as_text=True)


def test_login_page_wrong_password_shows_only_the_generic_message(ldap_app):
    client = ldap_app.test_client()

    page = client.post(
        "/login/", data={"username": "zhangsan", "password": "wrong"}, follow_redirects=True
    ).get_data(as_text=True)
    unknown = client.post(
        "/login/", data={"username": "nobody", "password": "wrong"}, follow_redirects=True
    ).get_data(as_text=True)

    assert "目录" not in page and "锁定" not in page
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert _flash_text(page) == _flash_text(unknown)


def _flash_text(page: str) -> list[str]:
    import re

    return re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)


def test_api_login_with_directory_account(ldap_app):
    # govkit runs FAB's AUTH_DB; its "db" provider reaches the directories too.
    provider = "db"
    client = ldap_app.test_client()

    response = client.post(
        "/api/v1/security/login",
        json={"username": "zhangsan", "password": "zhangsan-pw", "provider": provider},
    )
    refused = client.post(
        "/api/v1/security/login",
        json={"username": "zhangsan", "password": "wrong", "provider": provider},
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert "access_token" in response.get_json()
    assert refused.status_code == 401


def test_user_created_meanwhile_by_another_worker_is_synced_not_duplicated(
    ldap_app, db, monkeypatch
):
    first, _ = log_in(ldap_app, "zhangsan", "zhangsan-pw")
    first_id = first.id
    sm = ldap_app.appbuilder.sm
    real_find_user = sm.find_user
    hidden = {"count": 0}

    def find_user(username=None, email=None):
        # The first two lookups miss the user, as if it were created after them.
        if username == "zhangsan" and hidden["count"] < 2:
            hidden["count"] += 1
            return None
        return real_find_user(username=username, email=email)

    monkeypatch.setattr(sm, "find_user", find_user)

    user, messages = log_in(ldap_app, "zhangsan", "zhangsan-pw")

    assert messages == []
    assert user.id == first_id
    assert db.session.scalar(sa.select(sa.func.count(Staff.id))) == 1
