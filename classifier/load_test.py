"""A load test of the running portal over HTTP: N clients upload single-cell images at once
and wait for their results, as a lab's API clients would.

Each client has a case of its own (created through the API), uploads its share of the images
back to back through `POST /api/v1/cases/<id>/images/`, and between uploads, then until all are
done, asks `GET /api/v1/images/<id>/` about its oldest unfinished image. Upload -> result is
measured from the moment the upload request starts to the prediction's `created` time stamped
by the server (same clock when the test runs on the portal's machine; otherwise the moment the
client saw the result). The command is classifier/management/commands/loadtest.py.
"""

import datetime
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import requests

from classifier.process_usage import ProcessUsage, UsageSampler

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
FINAL_STATUSES = ("done", "failed")
SAMPLE_EVERY_SECONDS = 0.5


class LoadTestError(Exception):
    """The load test could not run (no images, the portal refused a request)."""


def pick_images(folder: Path, count: int) -> list[Path]:
    """`count` distinct images under `folder`, taken in turn from each sub-folder (class)."""
    groups: dict[Path, list[Path]] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            groups.setdefault(path.parent, []).append(path)
    chosen: list[Path] = []
    for index in range(max((len(files) for files in groups.values()), default=0)):
        chosen += [files[index] for files in groups.values() if index < len(files)]
        if len(chosen) >= count:
            return chosen[:count]
    raise LoadTestError(f"{folder} holds {len(chosen)} images; {count} are needed")


@dataclass
class Upload:
    name: str
    started: float  # epoch seconds, when the upload request began
    image_id: str = ""
    upload_seconds: float = 0.0
    finished: float | None = None  # epoch seconds of the result
    status: str = "queued"

    @property
    def latency(self) -> float | None:
        return None if self.finished is None else self.finished - self.started


def _server_time(body: dict) -> float | None:
    created = (body.get("prediction") or {}).get("created")
    if not created:
        return None
    return datetime.datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()


class LoadClient(threading.Thread):
    """One client: its case, its images (bytes already read), its uploads as they went."""

    def __init__(self, session: requests.Session, base_url: str, case_id: str, images, options):
        super().__init__(daemon=True)
        self.session, self.base_url, self.case_id = session, base_url, case_id
        self.images = images  # [(name, bytes)]
        self.poll_interval, self.deadline = options
        self.uploads: list[Upload] = []
        self.error: str | None = None

    def run(self) -> None:
        pending: deque[Upload] = deque()
        try:
            for name, content in self.images:
                pending.append(self._upload(name, content))
                self._check(pending)
            while pending and time.time() < self.deadline:
                time.sleep(self.poll_interval)
                self._check(pending)
        except (requests.RequestException, LoadTestError) as error:
            self.error = str(error)

    def _upload(self, name: str, content: bytes) -> Upload:
        upload = Upload(name=name, started=time.time())
        response = self.session.post(
            f"{self.base_url}/api/v1/cases/{self.case_id}/images/",
            files={"file": (name, content)},
            data={"consent_retain": "false"},
        )
        upload.upload_seconds = time.time() - upload.started
        if response.status_code != 202:
            raise LoadTestError(f"upload of {name}: HTTP {response.status_code} {response.text}")
        upload.image_id = response.json()["id"]
        self.uploads.append(upload)
        return upload

    def _check(self, pending: deque) -> None:
        """Ask about the oldest unfinished image, and the next ones while they are finished."""
        while pending:
            upload = pending[0]
            response = self.session.get(f"{self.base_url}/api/v1/images/{upload.image_id}/")
            body = response.json()
            if body.get("status") not in FINAL_STATUSES:
                return
            seen = time.time()
            server = _server_time(body)
            upload.finished = server if server and upload.started <= server <= seen else seen
            upload.status = body["status"]
            pending.popleft()


@dataclass
class LoadResult:
    clients: int
    uploads: list[Upload]
    wall_seconds: float
    processes: list[ProcessUsage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def finished(self) -> list[Upload]:
        return [upload for upload in self.uploads if upload.finished is not None]

    def throughput(self) -> float:
        """Finished images per second, from the first upload to the last result."""
        finished = self.finished
        if not finished:
            return 0.0
        span = max(u.finished for u in finished) - min(u.started for u in self.uploads)
        return len(finished) / span if span > 0 else 0.0

    def latency_percentiles(self) -> dict[str, float]:
        latencies = sorted(upload.latency for upload in self.finished)
        return {f"p{q}": percentile(latencies, q) for q in (50, 95, 99)}


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile of sorted values (numpy's default), NaN when empty."""
    if not values:
        return float("nan")
    position = (len(values) - 1) * q / 100
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def new_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    return session


def create_case(session: requests.Session, base_url: str, accession: str) -> str:
    response = session.post(
        f"{base_url}/api/v1/cases/",
        json={"accession": accession, "patient_ref": "LOAD-TEST"},
    )
    if response.status_code != 201:
        raise LoadTestError(f"creating a case: HTTP {response.status_code} {response.text}")
    return response.json()["id"]


def run_load(
    base_url: str,
    token: str,
    images: list[Path],
    clients: int,
    poll_interval: float = 0.2,
    timeout: float = 600.0,
    sampler: UsageSampler | None = None,
) -> LoadResult:
    """Upload `images` from `clients` clients at once; wait for every result or the timeout."""
    base_url = base_url.rstrip("/")
    shares = [images[index::clients] for index in range(clients)]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    workers = []
    for index, share in enumerate(shares):
        session = new_session(token)
        case_id = create_case(session, base_url, f"LOAD-{stamp}-{index + 1}")
        content = [(path.name, path.read_bytes()) for path in share]
        workers.append((session, case_id, content))
    sampler = sampler or UsageSampler(Path.cwd(), None)
    sampler.start()
    started = time.time()
    threads = [
        LoadClient(session, base_url, case_id, content, (poll_interval, started + timeout))
        for session, case_id, content in workers
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        sampler.sample()
        time.sleep(SAMPLE_EVERY_SECONDS)
    processes = sampler.stop()
    return LoadResult(
        clients=clients,
        uploads=[upload for thread in threads for upload in thread.uploads],
        wall_seconds=time.time() - started,
        processes=processes,
        errors=[thread.error for thread in threads if thread.error],
    )
