"""The app pool hands out each app once, ready, with its own secret_id. The audit checks
judge an app by its own logins, so the next app may start while the last one stops;
an app judged by its AppRole alone (a wrapped secret_id) is gone before the next starts."""

from __future__ import annotations

import pytest

from vault_gate.compliance.target import Target
from vault_gate.fixtures.app.pool import AppPool
from vault_gate.fixtures.app.process import start_app
from vault_gate.fixtures.process import group_members, wait_until
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.run.world import World

pytestmark = pytest.mark.servers


def test_apps_are_started_ahead_used_once_and_each_known_by_its_own_logins(
    world: World, reaper: Reaper, target: Target
) -> None:
    env = world.env("staging")
    pool = AppPool(reaper, target)
    try:
        pool.prestart(env)
        first = pool.take(env)
        assert pool.prestarted == 1 and pool.foreground == 0
        assert first.request("GET", "/health").status_code == 200
        first_secret_id = first.secret_id_file.read_text()
        first_pid = first.process.pid
        assert first_pid is not None

        pool.release(first)
        second = pool.take(env)
        assert second is not first and pool.prestarted == 2
        # Each is told apart in the audit log by the HMAC of its own secret_id.
        assert first.logins and second.logins and first.logins.isdisjoint(second.logins)
        wait_until(lambda: first.process.exited() is not None, 30, "the first app stopped")
        assert not group_members(first_pid)
        wait_until(lambda: not first.directory.exists(), 30, "the first app's files removed")
        assert second.secret_id_file.read_text() != first_secret_id
        assert second.audit_offset >= first.audit_offset
        assert second.request("GET", "/health").status_code == 200
        second_pid = second.process.pid
        assert second_pid is not None

        pool.release(second)
        pool.retire(env)  # another app of staging is about to start: none may wait
        assert second.process.exited() is not None and not group_members(second_pid)
        third = pool.take(env)  # nothing waiting: started now
        assert pool.foreground == 1
        pool.release(third)
    finally:
        pool.close()
    third_pid = third.process.pid
    assert third_pid is not None and not group_members(third_pid)


def test_close_ends_apps_still_starting(world: World, reaper: Reaper, target: Target) -> None:
    pool = AppPool(reaper, target)
    for env in world.environments.values():
        pool.prestart(env)
    pool.close()  # at once: the apps are still starting
    for env in world.environments.values():
        with pytest.raises(RuntimeError):
            pool._start(env, None)


def test_an_app_known_only_by_its_approle_is_gone_before_the_next_starts(
    world: World, reaper: Reaper, target: Target
) -> None:
    """A wrapped secret_id: the harness never sees the secret_id, so the app's logins
    cannot be told from another app's; the pool then never has two alive."""
    env = world.env("dev")
    pool = AppPool(reaper, target, start=lambda e, r, **kw: start_app(e, r, wrapped=True, **kw))
    try:
        first = pool.take(env)
        assert first.logins is None
        first_pid = first.process.pid
        assert first_pid is not None
        pool.release(first)
        second = pool.take(env)
        assert first.process.exited() is not None and not group_members(first_pid)
        assert not first.directory.exists()
        pool.release(second)
    finally:
        pool.close()
