"""A stand-in for `systemctl` in the installation-guide test, where no systemd runs.

`systemctl daemon-reload | enable [--now] UNIT... | start UNIT...` reads the unit files the guide
copied into the scratch root's etc/systemd/system and starts each service's ExecStart= as the
unit would: as its User= and Group=, in its WorkingDirectory=, with exactly its Environment=
(plus PATH and LANG), after creating its StateDirectory=. A simple service is left running
(its pid in <root>/run/<unit>.pid, its output in <root>/log/<unit>.log); a oneshot is run to
its end and its exit status returned. Timers are only noted: the test starts their service.

Paths in the units name the real system (/etc/ward-kiosk, /opt/ward-kiosk, /var/lib/...); they
are mapped into the scratch root exactly as the guide's own commands are (see `to_scratch`).
Standard library only: it runs outside the test's environment.
"""
import os
import pathlib
import shlex
import subprocess
import sys

SYSTEM_PATHS = ("/etc/ward-kiosk", "/opt/ward-kiosk", "/var/lib/ward-kiosk", "/var/lib/ward-hub",
                "/etc/systemd/system")


def to_scratch(text, root):
    """The same text with every system path of the installation moved under ``root``."""
    for path in SYSTEM_PATHS:
        text = text.replace(path, f"{root}{path}")
    return text


def parse_unit(text):
    """Key -> list of values (Environment= and friends repeat), continuation lines joined."""
    values, pending = {}, ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if not line or line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values.setdefault(key.strip(), []).append(value.strip())
    return values


def unit_file(root, name):
    folder = pathlib.Path(root) / "etc/systemd/system"
    if "." not in name:
        name += ".service"
    instance = ""
    if "@" in name:
        prefix, rest = name.split("@", 1)
        instance, suffix = rest.rsplit(".", 1)
        name = f"{prefix}@.{suffix}"
    path = folder / name
    if not path.exists():
        raise SystemExit(f"Unit {name} not found.")
    return path, instance


def environment(unit):
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    for entry in unit.get("Environment", []):
        for assignment in shlex.split(entry):
            key, value = assignment.split("=", 1)
            env[key] = value
    return env


def start(root, name):
    path, instance = unit_file(root, name)
    if path.suffix == ".timer":
        print(f"(timer {path.name} noted)")
        return 0
    unit = parse_unit(to_scratch(path.read_text().replace("%i", instance), root))
    user = unit.get("User", ["root"])[-1]
    group = unit.get("Group", [user])[-1]
    for state in unit.get("StateDirectory", []):
        folder = pathlib.Path(f"{root}/var/lib/{state}")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", f"{user}:{group}", str(folder)], check=True)
    argv = ["setpriv", f"--reuid={user}", f"--regid={group}", "--init-groups", "--",
            *shlex.split(unit["ExecStart"][-1])]
    cwd = unit.get("WorkingDirectory", ["/"])[-1]
    label = path.name.replace("@.", f"@{instance}.")
    (pathlib.Path(root) / "log").mkdir(exist_ok=True)
    (pathlib.Path(root) / "run").mkdir(exist_ok=True)
    with open(pathlib.Path(root) / "log" / f"{label}.log", "ab") as log:
        if unit.get("Type", ["simple"])[-1] == "oneshot":
            return subprocess.run(argv, env=environment(unit), cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL).returncode
        proc = subprocess.Popen(argv, env=environment(unit), cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    (pathlib.Path(root) / "run" / f"{label}.pid").write_text(str(proc.pid))
    return 0


def main(args):
    root = os.environ["SCRATCH_ROOT"]
    words = [a for a in args if not a.startswith("--")]
    if not words or words[0] == "daemon-reload":
        return 0
    verb, names = words[0], words[1:]
    if verb == "enable" and "--now" not in args:
        return 0
    if verb not in ("enable", "start"):
        raise SystemExit(f"the stand-in systemctl does not know {verb!r}")
    return max([start(root, name) for name in names] or [0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
