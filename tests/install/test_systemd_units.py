"""The systemd units in config/systemd/ pass `systemd-analyze verify` (with the kiosk command
pointed at this environment's), and say what the ward needs: restart always, the configuration
file and the data directory under /var/lib, a template for several hub ports, a full-screen
browser without pinch zoom or swipe navigation that comes back after a crash. The three system
services (site server, hub, backup) are sandboxed well enough that `systemd-analyze security`
rates each of them "OK" or better (an exposure of at most 4.0 out of 10), and that judge does
fail a unit that is not sandboxed."""
import pathlib
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

UNITS = ROOT / "config" / "systemd"
KIOSK_BIN = pathlib.Path(sys.executable).parent / "kiosk"
SYSTEM_SERVICES = ["ward-kiosk.service", "ward-hub@.service", "ward-kiosk-backup.service"]
OK_EXPOSURE = 4.0          # systemd-analyze calls 4.0 and below "OK", 2.0 and below "SAFE"


def verify(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text.replace("/opt/ward-kiosk/bin/kiosk", str(KIOSK_BIN)))
    result = subprocess.run(["systemd-analyze", "verify", str(path)], cwd=tmp_path, capture_output=True, text=True)
    return result.returncode, (result.stdout + result.stderr).strip()


def exposure(tmp_path, name, text):
    """The overall exposure level (0.0 safest .. 10.0) `systemd-analyze security` gives a unit."""
    path = tmp_path / name
    path.write_text(text.replace("/opt/ward-kiosk/bin/kiosk", str(KIOSK_BIN)))
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(path)], cwd=tmp_path,
                            capture_output=True, text=True, encoding="utf-8", errors="replace")
    out = result.stdout + result.stderr
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
    assert found, out
    return float(found.group(1)), out


@pytest.mark.parametrize("unit", sorted(p.name for p in UNITS.glob("*.*")))
def test_each_unit_passes_systemd_analyze_verify(tmp_path, unit):
    name = unit.replace("@.", "@8081.")      # a template is verified as an instance
    assert verify(tmp_path, name, (UNITS / unit).read_text()) == (0, "")


def test_the_judge_can_fail(tmp_path):
    code, out = verify(tmp_path, "broken.service", "[Service]\nExecStart=/nonexistent/kiosk serve\n")
    assert code != 0 and "not executable" in out
    code, out = verify(tmp_path, "typo.service", "[Service]\nExecStart=/bin/true\nRestartt=always\n")
    assert "Unknown key" in out


@pytest.mark.parametrize("unit", SYSTEM_SERVICES)
def test_each_system_service_is_sandboxed(tmp_path, unit):
    name = unit.replace("@.", "@8081.")      # a template is judged as an instance
    level, out = exposure(tmp_path, name, (UNITS / unit).read_text())
    assert level <= OK_EXPOSURE, out


def test_the_sandbox_judge_can_fail(tmp_path):
    level, out = exposure(tmp_path, "bare.service", "[Service]\nExecStart=/bin/true\n")
    assert level > OK_EXPOSURE, out


def test_the_units_say_what_the_ward_needs():
    kiosk = (UNITS / "ward-kiosk.service").read_text()
    assert "Restart=always" in kiosk
    assert "Environment=KIOSK_CONFIG=/etc/ward-kiosk/kiosk.toml" in kiosk
    assert "ReadWritePaths=/var/lib/ward-kiosk" in kiosk
    hub = (UNITS / "ward-hub@.service").read_text()
    assert "serve --port %i" in hub and "Restart=always" in hub
    browser = (UNITS / "ward-kiosk-browser.service").read_text()
    for flag in ("--kiosk", "--disable-pinch", "--overscroll-history-navigation=0", "Restart=always",
                 "http://127.0.0.1:8080/"):
        assert flag in browser
