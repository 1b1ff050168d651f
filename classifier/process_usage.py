"""CPU time and memory of the portal's processes on this machine, read from /proc (Linux).

The load test samples the web server (gunicorn or runserver) and the Celery workers started
from this checkout, the broker's Redis, and itself (the clients share the machine's cores),
while it runs: CPU seconds used over the run, and the largest resident memory seen.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
# Role of a process, by what its command line contains (first match wins).
ROLES = (
    ("worker", ("celery",)),
    ("web", ("gunicorn", "runserver", "uvicorn")),
    ("redis", ("redis-server",)),
)


def role_of(command_line: str) -> str | None:
    for role, markers in ROLES:
        if any(marker in command_line for marker in markers):
            return role
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:  # the process exited, or is not ours to read
        return None


def cpu_seconds(pid: int) -> float | None:
    stat = _read(PROC / str(pid) / "stat")
    if stat is None:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def rss_bytes(pid: int) -> int | None:
    statm = _read(PROC / str(pid) / "statm")
    return None if statm is None else int(statm.split()[1]) * PAGE_SIZE


def _cwd(entry: Path) -> Path | None:
    try:
        return (entry / "cwd").resolve(strict=True)
    except OSError:
        return None


def portal_processes(base_dir: Path, redis_port: int | None) -> dict[int, tuple[str, str]]:
    """{pid: (role, short command line)}: the web and worker processes run from `base_dir` (not
    another checkout's), and the Redis listening on `redis_port`."""
    found = {}
    base_dir = base_dir.resolve()
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        raw = _read(entry / "cmdline")
        if not raw:
            continue
        command_line = raw.replace("\0", " ").strip()
        role = role_of(command_line)
        if role == "redis":
            ours = redis_port is not None and f":{redis_port}" in command_line
        else:
            ours = role is not None and _cwd(entry) == base_dir
        if ours:
            found[int(entry.name)] = (role, command_line[:120])
    return found


@dataclass
class ProcessUsage:
    pid: int
    role: str
    command: str
    cpu_start: float
    cpu_end: float = 0.0
    peak_rss: int = 0

    @property
    def cpu_used(self) -> float:
        return max(0.0, self.cpu_end - self.cpu_start)


@dataclass
class UsageSampler:
    """Call start(), then sample() now and then, then stop(); `usage` holds one row per process."""

    base_dir: Path
    redis_port: int | None
    usage: dict[int, ProcessUsage] = field(default_factory=dict)

    def start(self) -> None:
        processes = portal_processes(self.base_dir, self.redis_port)
        processes[os.getpid()] = ("client", "the load test's clients (this process)")
        for pid, (role, command) in processes.items():
            cpu = cpu_seconds(pid)
            if cpu is not None:
                self.usage[pid] = ProcessUsage(pid, role, command, cpu_start=cpu, cpu_end=cpu)
        self.sample()

    def sample(self) -> None:
        for pid, row in self.usage.items():
            cpu, rss = cpu_seconds(pid), rss_bytes(pid)
            if cpu is not None:
                row.cpu_end = cpu
            if rss is not None:
                row.peak_rss = max(row.peak_rss, rss)

    def stop(self) -> list[ProcessUsage]:
        self.sample()
        return sorted(self.usage.values(), key=lambda row: (row.role, row.pid))
