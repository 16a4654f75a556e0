"""govkit.auth.throttle with a fake clock: the same rules for the in-memory store and the
database store (every test runs on both; the database one on SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from govkit.auth.throttle import DatabaseLoginThrottle, LoginLocked, LoginThrottle

pytestmark = pytest.mark.both_backends


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


LIMITS = dict(max_failures_per_user=5, max_failures_per_ip=20, window_seconds=900, lockout_seconds=900,
              max_failures_per_account=30, account_lockout_seconds=300)


def fail(throttle, username, ip, times):
    for _ in range(times):
        throttle.record_failure(username, ip)



class ThrottleRules:
    """The rules every store must follow; subclasses provide the ``throttle`` fixture."""

    def test_user_locked_after_max_failures_from_that_address_only(self, throttle):
        """Issue 21: five wrong passwords from one address used to lock the account for every address."""
        fail(throttle, "zhangsan", "10.0.0.1", 4)
        assert throttle.check("zhangsan", "10.0.0.1").locked is False

        state = throttle.record_failure("zhangsan", "10.0.0.1")

        assert state.locked
        with pytest.raises(LoginLocked) as caught:
            throttle.check("zhangsan", "10.0.0.1")
        assert caught.value.status_code == 429
        assert str(caught.value) == "登录失败次数过多，已暂时锁定，请 15 分钟后再试。"
        # The owner at another address is not locked out by someone else's guesses.
        assert throttle.check("zhangsan", "10.0.0.2").locked is False

    def test_account_back_off_spares_the_accounts_known_address(self, throttle):
        throttle.record_success("zhangsan", "10.0.0.1")  # her desk
        for number in range(30):  # a spread-out attack: one guess per address
            throttle.record_failure("zhangsan", f"192.0.2.{number}")

        assert throttle.state("zhangsan", "198.51.100.7").locked
        assert throttle.state("zhangsan", "198.51.100.7").retry_after == pytest.approx(300)
        assert not throttle.state("zhangsan", "10.0.0.1").locked
        assert not throttle.state("lisi", "198.51.100.7").locked

    def test_unlock_lifts_account_and_address_locks(self, throttle):
        fail(throttle, "zhangsan", "10.0.0.1", 5)
        for number in range(20):
            throttle.record_failure(f"user{number}", "10.0.0.66")
        assert throttle.state("zhangsan", "10.0.0.1").locked and throttle.state("x", "10.0.0.66").locked

        throttle.unlock(username="ZhangSan")
        throttle.unlock(ip="10.0.0.66")

        assert not throttle.state("zhangsan", "10.0.0.1").locked
        assert not throttle.state("x", "10.0.0.66").locked

    def test_lock_ends_after_lockout_seconds(self, throttle, clock):
        fail(throttle, "zhangsan", "10.0.0.1", 5)
        clock.advance(899)
        assert throttle.state("zhangsan", "10.0.0.1").locked
        assert throttle.state("zhangsan", "10.0.0.1").message.endswith("请 1 分钟后再试。")

        clock.advance(1)

        assert throttle.check("zhangsan", "10.0.0.1").locked is False
        # The count starts again from zero after a lock.
        fail(throttle, "zhangsan", "10.0.0.1", 4)
        assert not throttle.state("zhangsan", "10.0.0.1").locked

    def test_failures_outside_the_window_do_not_count(self, throttle, clock):
        fail(throttle, "zhangsan", "10.0.0.1", 4)
        clock.advance(901)

        fail(throttle, "zhangsan", "10.0.0.1", 4)

        assert not throttle.state("zhangsan", "10.0.0.1").locked

    def test_failures_during_a_lock_do_not_extend_it(self, throttle, clock):
        fail(throttle, "zhangsan", "10.0.0.1", 5)
        clock.advance(600)
        fail(throttle, "zhangsan", "10.0.0.1", 3)

        assert throttle.state("zhangsan", "10.0.0.1").retry_after == pytest.approx(300)

    def test_ip_locked_across_usernames(self, throttle):
        for number in range(20):
            throttle.record_failure(f"user{number}", "10.0.0.66")

        with pytest.raises(LoginLocked):
            throttle.check("zhangsan", "10.0.0.66")
        assert not throttle.state("zhangsan", "10.0.0.1").locked

    def test_lock_message_is_the_same_for_real_and_unknown_names(self, throttle):
        fail(throttle, "zhangsan", "10.0.0.1", 5)
        fail(throttle, "no-such-user", "10.0.0.2", 5)

        messages = set()
        for username, ip in [("zhangsan", "10.0.0.1"), ("no-such-user", "10.0.0.2")]:
            with pytest.raises(LoginLocked) as caught:
                throttle.check(username, ip)
            messages.add(str(caught.value))
        assert len(messages) == 1

    def test_success_clears_the_user_but_not_the_address(self, throttle):
        fail(throttle, "zhangsan", "10.0.0.1", 4)
        for number in range(15):
            throttle.record_failure(f"guess{number}", "10.0.0.1")

        throttle.record_success("zhangsan", "10.0.0.1")
        fail(throttle, "zhangsan", "10.0.0.1", 1)

        assert not throttle.state("zhangsan", "10.0.0.2").locked
        # 4 + 15 + 1 = 20 failures from the address.
        assert throttle.state("anyone", "10.0.0.1").locked

    def test_username_case_and_blanks_share_one_count(self, throttle):
        for username in ["zhangsan", "ZhangSan", " zhangsan", "ZHANGSAN ", "zhangSAN"]:
            throttle.record_failure(username, None)

        assert throttle.state("zhangsan", None).locked

    def test_missing_ip_counts_only_the_user(self, throttle):
        fail(throttle, "zhangsan", None, 5)

        assert throttle.state("zhangsan", None).locked
        assert not throttle.state("lisi", None).locked


class TestMemoryStore(ThrottleRules):
    @pytest.fixture
    def throttle(self, clock):
        return LoginThrottle(clock=clock, **LIMITS)


class TestDatabaseStore(ThrottleRules):
    @pytest.fixture
    def throttle(self, clock, db):
        return DatabaseLoginThrottle(lambda: db.session, clock=clock, **LIMITS)


def test_memory_stays_bounded_and_locks_survive(clock):
    throttle = LoginThrottle(max_failures_per_user=2, max_tracked=10, clock=clock)
    fail(throttle, "zhangsan", None, 2)

    for number in range(100):
        throttle.record_failure(f"spray{number}", None)

    assert len(throttle._users) <= 11
    assert throttle.state("zhangsan", None).locked


def test_database_counts_are_shared_between_workers(db, clock):
    """Two throttles (two gunicorn workers) on one database share one budget."""
    from govkit.auth.models import LoginFailure

    first = DatabaseLoginThrottle(lambda: db.session, max_failures_per_user=5, clock=clock)
    second = DatabaseLoginThrottle(lambda: db.session, max_failures_per_user=5, clock=clock)
    fail(first, "zhangsan", "10.0.0.1", 3)
    fail(second, "zhangsan", "10.0.0.1", 2)
    assert first.state("zhangsan", "10.0.0.1").locked and second.state("zhangsan", "10.0.0.1").locked
    db.session.rollback()  # counts were committed when recorded, not with the request
    row = db.session.query(LoginFailure).filter_by(kind="pair", key="zhangsan|10.0.0.1").one()
    assert row.locked_until > clock.now


def test_database_purges_idle_rows_but_keeps_locks(db, clock):
    from govkit.auth.models import LoginFailure

    throttle = DatabaseLoginThrottle(lambda: db.session, max_failures_per_user=2, max_failures_per_ip=0, clock=clock)
    throttle.PURGE_EVERY = 10
    for number in range(5):
        throttle.record_failure(f"spray{number}", None)  # t=1000
    clock.advance(500)
    fail(throttle, "zhangsan", None, 2)  # locked until t=2400
    clock.advance(450)  # the sprays are idle past the 900 s window; the lock still runs
    for number in range(3):
        throttle.record_failure(f"late{number}", None)  # the 10th failure purges
    keys = {row.key for row in db.session.query(LoginFailure)}
    assert "zhangsan" in keys and not any(k.startswith("spray") for k in keys)
    assert throttle.state("zhangsan", None).locked
