"""Who runs a probe run: the process that started it, so a run whose process died can be told from one in progress.

An owner is a PID, the host it runs on and a start token: the boot and the process's start time in clock ticks
(from /proc), so a PID reused by a later process, or after a reboot, is not mistaken for the owner. A process on
another host (a database file on a shared disk) cannot be checked from here: its runs are left as they are.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    """The process that runs a probe run."""

    pid: int
    host: str
    token: str  # "<boot id>:<start time in clock ticks>"; empty where /proc cannot tell


def _process_state(pid: int) -> tuple[str, str]:
    """(state letter, start token) of a process from /proc; ("", "") where /proc cannot tell."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", ""
    # The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return (fields[0], f"{boot}:{fields[19]}") if len(fields) > 19 else ("", "")


def this_process() -> Owner:
    """The calling process as an owner."""
    pid = os.getpid()
    return Owner(pid, socket.gethostname(), _process_state(pid)[1])


def owner_alive(owner: Owner) -> bool | None:
    """Whether the owner still runs: True or False on this host, None for a process on another host."""
    if owner.host != socket.gethostname():
        return None
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    state, token = _process_state(owner.pid)
    if state in ("Z", "X"):  # killed, waiting only for its parent to read its exit status
        return False
    return not owner.token or token == owner.token
