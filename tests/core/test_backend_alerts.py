"""The backend's alerts (core.alerts.backend_alert) and their place in incidents."""

from __future__ import annotations

from core.alerts import AlertKind, backend_alert
from core.incidents import SEVERITY, Severity


def test_a_backend_is_told_when_it_starts_failing_and_when_it_recovers():
    assert backend_alert(None, "webhook: Connection refused") is AlertKind.BACKEND_FAILING
    assert backend_alert("412 updates waiting", None) is AlertKind.BACKEND_RECOVERED
    assert backend_alert("412 updates waiting", "webhook: Connection refused") is None
    assert backend_alert(None, None) is None


def test_new_alert_kinds_have_a_severity():
    assert SEVERITY[AlertKind.BACKEND_FAILING] is Severity.OFFLINE
    assert SEVERITY[AlertKind.BACKEND_RECOVERED] is Severity.RECOVERY
    assert SEVERITY[AlertKind.POOL_BUSY] < SEVERITY[AlertKind.POOL_FULL]
    assert set(SEVERITY) == set(AlertKind)
