"""The real server under test (`woodshed serve`, gunicorn) and a small HTTP client for it."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`woodshed serve` on a free port, pointed at the benchmark database."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        cmd = [
            str(Path(sys.executable).with_name("woodshed")),
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--threads",
            "1",
        ]
        self.log = open(os.path.join(self.env["WOODSHED_INSTANCE_PATH"], "server.log"), "wb")
        self.process = subprocess.Popen(
            cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1).read()  # noqa: S310
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the server did not start; see {self.log.name}")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@dataclass
class Sample:
    """One request: server time (ms, from Server-Timing) and SQL statements it ran."""

    status: int
    server_ms: float
    statements: int | None


class Client:
    """A browser (cookie session) and an API client (bearer token) for one musician."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token: str | None = None

    def sign_in(self, email: str, password: str) -> None:
        page = self.opener.open(self.base + "/login").read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": password})
        self.opener.open(self.base + "/login", data.encode()).read()

    def get(self, path: str, api: bool = False) -> Sample:
        return self.send("GET", path, api=api)[0]

    def send(
        self, method: str, path: str, body: dict | None = None, api: bool = True
    ) -> tuple[Sample, bytes]:
        """One request (JSON body for the API); the sample and the response body."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if api and self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            response = self.opener.open(request)
            content = response.read()
            status, headers = response.status, response.headers
        except urllib.error.HTTPError as exc:
            content = exc.read()
            status, headers = exc.code, exc.headers
        timing = re.search(r"dur=([\d.]+)", headers.get("Server-Timing", ""))
        count = headers.get("X-Query-Count")
        sample = Sample(
            status, float(timing[1]) if timing else float("nan"), int(count) if count else None
        )
        return sample, content
