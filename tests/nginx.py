"""A real nginx in front of several `clinic-queue serve` instances, configured from the sample
in deploy/ (deploy/nginx-several-servers.conf) with a test's own ports and certificate.

Debian's nginx binary (`make nginx` installs it), run in the foreground as a child of the test
from a temporary directory that holds its configuration, pid, logs and temporary files. By
default one process (`master_process off`), so that it runs as whoever starts it; with several
workers (the benchmarks: each worker holds its own share of the open files) a master starts
them, as the same user (`user` root when root starts it, as no other user could write that
directory), each on its own listening socket (`reuseport`, the kernel spreading the
clients). Without the binary a test is skipped with the reason, except under CI=true, where a
missing nginx is a failure.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "deploy" / "nginx-several-servers.conf"
START_PATIENCE_S = 10.0
_UPSTREAM = re.compile(r"(upstream (\w+) \{\n(?:[^}]*?\n)?)((?:\s+server \S+[^\n]*\n)+)")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


def need_nginx() -> str:
    found = nginx_binary()
    if found is None:
        reason = "nginx not found: `make nginx` installs Debian's nginx package"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI runs the several-servers tests)")
        pytest.skip(reason)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def site_config(
    text: str,
    upstreams: dict[str, Sequence[int]],
    ports: dict[str, int],
    certificate: tuple[Path, Path] | None,
    reuseport: bool = False,
) -> str:
    """The sample with each upstream's servers on the given ports (its options kept), each
    `listen` of the sample (443, 8443, 80) on 127.0.0.1 and the port given for it, and the
    certificate; without one, the TLS servers listen in plain http (for the benchmarks, whose
    lean clients speak no TLS); `reuseport`: a listening socket per worker. Every substitution
    must find its place in the sample."""
    found: set[str] = set()

    def servers(match: re.Match[str]) -> str:
        name = match.group(2)
        found.add(name)
        options = match.group(3).splitlines()[0].split(None, 2)[2]
        lines = "".join(f"    server 127.0.0.1:{port} {options}\n" for port in upstreams[name])
        return match.group(1) + lines

    text = _UPSTREAM.sub(servers, text)
    assert found == set(upstreams), f"upstreams {set(upstreams) - found} not in {SAMPLE}"
    for sample_port, port in ports.items():
        pattern = rf"listen {sample_port}( ssl)?;"
        assert re.search(pattern, text), f"no `listen {sample_port}` in {SAMPLE}"
        ssl = " ssl" if certificate is not None and sample_port != "80" else ""
        spread = " reuseport" if reuseport else ""
        text = re.sub(pattern, f"listen 127.0.0.1:{port}{ssl}{spread};", text)
    if certificate is None:
        text = re.sub(r"\n\s*ssl_certificate(_key)? [^;]+;", "", text)
    else:
        text = text.replace("/etc/ssl/hospital/queue.crt", str(certificate[0]))
        text = text.replace("/etc/ssl/hospital/queue.key", str(certificate[1]))
    return text


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    port: int  # the screens', phones' and staff's
    api_port: int  # the HIS API's
    scheme: str  # https, or http without a certificate
    folder: Path

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"{'wss' if self.scheme == 'https' else 'ws'}://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.api_port}"

    def errors(self) -> str:
        return (self.folder / "error.log").read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_nginx(
    folder: Path,
    ports: Sequence[int],
    api_ports: Sequence[int],
    certificate: tuple[Path, Path] | None,
    connections: int = 1024,
    workers: int = 1,
) -> Iterator[Nginx]:
    """nginx from the sample in front of the instances on `ports` (and their HIS API on
    `api_ports`), until the block ends; `connections`: the clients it must hold at once, over
    `workers` processes."""
    binary = need_nginx()
    folder.mkdir(parents=True, exist_ok=True)
    port, api_port, redirect = free_port(), free_port(), free_port()
    site = site_config(
        SAMPLE.read_text(encoding="utf-8"),
        {"clinic_queue": ports, "clinic_queue_his": api_ports},
        {"443": port, "8443": api_port, "80": redirect},
        certificate,
        reuseport=workers > 1,
    )
    (folder / "site.conf").write_text(site, encoding="utf-8")
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    files = connections * 2 + 64  # each client's connection and its connection to an instance
    (folder / "nginx.conf").write_text(
        f"daemon off;\n{_processes(workers, files)}"
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        f"events {{ worker_connections {connections * 2 + 32}; }}\n"
        "http {\n"
        f"    access_log {folder / 'access.log'};\n"
        f"    client_body_temp_path {temp['body']};\n    proxy_temp_path {temp['proxy']};\n"
        f"    fastcgi_temp_path {temp['fastcgi']};\n    uwsgi_temp_path {temp['uwsgi']};\n"
        f"    scgi_temp_path {temp['scgi']};\n"
        f"    include {folder / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"],
        preexec_fn=lambda: _allow_files(files),
        stdout=subprocess.DEVNULL,
        stderr=(folder / "stderr.log").open("wb"),
    )
    front = Nginx(process, port, api_port, "https" if certificate else "http", folder)
    try:
        _wait_listening(front)
        yield front
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _processes(workers: int, files: int) -> str:
    if workers == 1:
        return "master_process off;\n"
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    user = "user root;\n" if os.geteuid() == 0 else ""  # nginx ignores it for anyone else
    return f"{user}worker_processes {workers};\nworker_rlimit_nofile {min(files, hard)};\n"


def fits(clients: int, workers: int) -> bool:
    """Whether `workers` nginx processes hold `clients` under this host's hard limit on open
    files (only root with CAP_SYS_RESOURCE raises it): two descriptors per client, with room
    for a third more on the busiest worker, as the kernel's spread is not even."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return clients * 2 * 4 // 3 // workers + 1_000 <= hard


def _allow_files(count: int) -> None:
    """In the child before nginx starts: with `master_process off` nginx never applies
    `worker_rlimit_nofile`, so its one process keeps the limit it inherits. Root may raise
    the hard limit too; anyone else gets as far as the hard limit allows."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, max(count, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(count, hard), hard))


def _wait_listening(front: Nginx) -> None:
    end = time.monotonic() + START_PATIENCE_S
    while time.monotonic() < end:
        if front.process.poll() is not None:
            log = (front.folder / "stderr.log").read_text(errors="replace")
            raise RuntimeError(f"nginx exited: {log}")
        try:
            socket.create_connection(("127.0.0.1", front.port), timeout=1).close()
            socket.create_connection(("127.0.0.1", front.api_port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start listening")
