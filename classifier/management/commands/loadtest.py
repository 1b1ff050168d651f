"""Load-test the running portal over HTTP (classifier/load_test.py).

    python manage.py loadtest --email tech@lab.example --clients 8 --images 320 \\
        --image-dir /path/to/pbc/images [--url http://127.0.0.1:8000]

Prints throughput, upload -> result p50/p95/p99, and the CPU and peak memory of each web,
worker and Redis process on this machine. With --email, a temporary API token of that member
is made for the run and deleted after it; --token uses one of yours instead. Each client
creates a case (accession LOAD-<time>-<n>) in that member's lab: run it against a test lab.
"""

import json
import os
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, User
from classifier.load_test import LoadResult, LoadTestError, pick_images, run_load
from classifier.process_usage import UsageSampler

MEGABYTE = 1024 * 1024


def broker_port() -> int | None:
    """The port of the broker's Redis, when it is on this machine."""
    url = urlparse(settings.CELERY_BROKER_URL)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    return url.port or 6379


def summary(result: LoadResult) -> dict:
    finished = result.finished
    uploads = sorted(upload.upload_seconds for upload in result.uploads)
    return {
        "clients": result.clients,
        "images": len(result.uploads),
        "finished": len(finished),
        "failed": sum(upload.status == "failed" for upload in finished),
        "throughput_images_per_s": round(result.throughput(), 1),
        "upload_to_result_s": {
            key: round(value, 3) for key, value in result.latency_percentiles().items()
        },
        "upload_request_s_p50": round(uploads[len(uploads) // 2], 3) if uploads else None,
        "wall_s": round(result.wall_seconds, 1),
        "processes": [
            {
                "role": row.role,
                "pid": row.pid,
                "cpu_s": round(row.cpu_used, 2),
                "cpu_share": round(row.cpu_used / result.wall_seconds, 2),
                "peak_rss_mb": round(row.peak_rss / MEGABYTE, 1),
                "command": row.command,
            }
            for row in result.processes
        ],
        "errors": result.errors,
        "load_average": os.getloadavg(),
    }


class Command(BaseCommand):
    help = "Upload images from several clients at once and report throughput and latency."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--email", help="a lab member: a temporary API token is made")
        parser.add_argument("--token", help="an API token secret (instead of --email)")
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--images", type=int, default=320)
        parser.add_argument(
            "--image-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "tests" / "fixtures" / "images",
            help="folder of single-cell images (one sub-folder per class)",
        )
        parser.add_argument("--poll-interval", type=float, default=0.2)
        parser.add_argument("--timeout", type=float, default=600.0)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        if options["clients"] < 1 or options["images"] < options["clients"]:
            raise CommandError("--clients must be at least 1 and --images at least --clients")
        token, secret = self._token(options)
        try:
            images = pick_images(options["image_dir"], options["images"])
            result = run_load(
                options["url"],
                secret,
                images,
                options["clients"],
                poll_interval=options["poll_interval"],
                timeout=options["timeout"],
                sampler=UsageSampler(Path(settings.BASE_DIR), broker_port()),
            )
        except LoadTestError as error:
            raise CommandError(str(error)) from error
        finally:
            if token is not None:
                token.delete()
        report = summary(result)
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self._print(report)

    def _token(self, options) -> tuple[ApiToken | None, str]:
        if options["token"]:
            return None, options["token"]
        if not options["email"]:
            raise CommandError("give --email (a lab member) or --token")
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"no user {options['email']}")
        return ApiToken.issue(user, "load test")

    def _print(self, report: dict) -> None:
        latency = report["upload_to_result_s"]
        self.stdout.write(
            f"{report['finished']}/{report['images']} images from {report['clients']} clients"
            f" ({report['failed']} failed) in {report['wall_s']} s\n"
            f"throughput            {report['throughput_images_per_s']} images/s\n"
            f"upload -> result      p50 {latency['p50']} s  p95 {latency['p95']} s"
            f"  p99 {latency['p99']} s\n"
            f"upload request p50    {report['upload_request_s_p50']} s\n"
            f"load average          {' '.join(f'{v:.2f}' for v in report['load_average'])}"
        )
        self.stdout.write(f"{'role':<7}{'pid':>8}{'cpu s':>8}{'cores':>7}{'peak MB':>9}  command")
        for row in report["processes"]:
            self.stdout.write(
                f"{row['role']:<7}{row['pid']:>8}{row['cpu_s']:>8}{row['cpu_share']:>7}"
                f"{row['peak_rss_mb']:>9}  {row['command'][:60]}"
            )
        for error in report["errors"]:
            self.stderr.write(f"client error: {error}")
