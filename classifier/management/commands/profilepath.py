"""Where an upload's time goes, stage by stage, in this process (classifier/path_profile.py).

    python manage.py profilepath --image-dir /path/to/pbc/images [--images 202] [--json]

Prints CPU milliseconds per image for the upload request, the worker's task and one status
poll, then each part's stages as measured under cProfile. Nothing is kept: it runs in a
transaction that is rolled back, and the files it stored are deleted.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classifier.load_test import LoadTestError, pick_images
from classifier.path_profile import ProfileError, profile_path


class Command(BaseCommand):
    help = "Profile the upload -> result path in this process, stage by stage."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--image-dir", type=Path, required=True)
        parser.add_argument("--images", type=int, default=202, help="2 warm-up, then two halves")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        try:
            report = profile_path(pick_images(options["image_dir"], options["images"]))
        except (LoadTestError, ProfileError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        self.stdout.write(f"{report.images} images per pass; routes {report.routes}")
        self.stdout.write("CPU ms per image (no profiler):")
        for part, milliseconds in report.cpu_ms.items():
            self.stdout.write(f"  {part:<10}{milliseconds:>8.2f}")
        for part, stages in report.stage_ms.items():
            self.stdout.write(f"{part}: stages under cProfile, ms per image")
            for stage, milliseconds in stages.items():
                self.stdout.write(f"  {milliseconds:>8.2f}  {stage}")
