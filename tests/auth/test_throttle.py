"""govkit.auth.throttle with a fake clock."""
from __future__ import annotations

import pytest

from govkit.auth.throttle import LoginLocked, LoginThrottle


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


@pytest.fixture
def throttle(clock) -> LoginThrottle:
    return LoginThrottle(
        max_failures_per_user=5, max_failures_per_ip=20,
        window_seconds=900, lockout_seconds=900, clock=clock,
    )


def fail(throttle, username, ip, times):
    for _ in range(times):
        throttle.record_failure(username, ip)


def test_user_locked_after_max_failures(throttle):
    fail(throttle, "zhangsan", "10.0.0.1", 4)
    assert throttle.check("zhangsan", "10.0.0.1").locked is False

    state = throttle.record_failure("zhangsan", "10.0.0.1")

    assert state.locked
    with pytest.raises(LoginLocked) as caught:
        throttle.check("zhangsan", "10.0.0.2")
    assert caught.value.status_code == 429
    assert str(caught.value) == "登录失败次数过多，已暂时锁定，请 15 分钟后再试。"


def test_lock_ends_after_lockout_seconds(throttle, clock):
    fail(throttle, "zhangsan", "10.0.0.1", 5)
    clock.advance(899)
    assert throttle.state("zhangsan", "10.0.0.1").locked
    assert throttle.state("zhangsan", "10.0.0.1").message.endswith("请 1 分钟后再试。")

    clock.advance(1)

    assert throttle.check("zhangsan", "10.0.0.1").locked is False
    # The count starts again from zero after a lock.
    fail(throttle, "zhangsan", "10.0.0.1", 4)
    assert not throttle.state("zhangsan", "10.0.0.1").locked


def test_failures_outside_the_window_do_not_count(throttle, clock):
    fail(throttle, "zhangsan", "10.0.0.1", 4)
    clock.advance(901)

    fail(throttle, "zhangsan", "10.0.0.1", 4)

    assert not throttle.state("zhangsan", "10.0.0.1").locked


def test_failures_during_a_lock_do_not_extend_it(throttle, clock):
    fail(throttle, "zhangsan", "10.0.0.1", 5)
    clock.advance(600)
    fail(throttle, "zhangsan", "10.0.0.9", 3)

    assert throttle.state("zhangsan", None).retry_after == pytest.approx(300)


def test_ip_locked_across_usernames(throttle):
    for number in range(20):
        throttle.record_failure(f"user{number}", "10.0.0.66")

    with pytest.raises(LoginLocked):
        throttle.check("zhangsan", "10.0.0.66")
    assert not throttle.state("zhangsan", "10.0.0.1").locked


def test_lock_message_is_the_same_for_real_and_unknown_names(throttle):
    fail(throttle, "zhangsan", "10.0.0.1", 5)
    fail(throttle, "no-such-user", "10.0.0.2", 5)

    messages = set()
    for username, ip in [("zhangsan", "10.0.0.1"), ("no-such-user", "10.0.0.2")]:
        with pytest.raises(LoginLocked) as caught:
            throttle.check(username, ip)
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_success_clears_the_user_but_not_the_address(throttle):
    fail(throttle, "zhangsan", "10.0.0.1", 4)
    for number in range(15):
        throttle.record_failure(f"guess{number}", "10.0.0.1")

    throttle.record_success("zhangsan", "10.0.0.1")
    fail(throttle, "zhangsan", "10.0.0.1", 1)

    assert not throttle.state("zhangsan", "10.0.0.2").locked
    # 4 + 15 + 1 = 20 failures from the address.
    assert throttle.state("anyone", "10.0.0.1").locked


def test_username_case_and_blanks_share_one_count(throttle):
    for username in ["zhangsan", "ZhangSan", " zhangsan", "ZHANGSAN ", "zhangSAN"]:
        throttle.record_failure(username, None)

    assert throttle.state("zhangsan", None).locked


def test_missing_ip_counts_only_the_user(throttle):
    fail(throttle, "zhangsan", None, 5)

    assert throttle.state("zhangsan", None).locked
    assert not throttle.state("lisi", None).locked


def test_memory_stays_bounded_and_locks_survive(clock):
    throttle = LoginThrottle(max_failures_per_user=2, max_tracked=10, clock=clock)
    fail(throttle, "zhangsan", None, 2)

    for number in range(100):
        throttle.record_failure(f"spray{number}", None)

    assert len(throttle._users) <= 11
    assert throttle.state("zhangsan", None).locked
