"""The train worker's side of an adaptation: export the job's cells to a temporary tree, run
`python -m ml adapt` in a subprocess (the portal never imports ml.adaptation; TensorFlow stays out
of the worker), follow its progress file into the job row, end it when the lab admin cancels, and
register the result as a new ModelVersion with its lineage.

    prepare -> run the subprocess (progress, cancel) -> read the report -> register or refuse
"""

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings

from audit.models import AuditEvent
from audit.services import record
from classifier import registry
from classifier.models import ModelVersion
from review.adaptation import cells, framing
from review.adaptation.lineage import code_version
from review.models import AdaptationJob

logger = logging.getLogger(__name__)

# The cheap recipe for a lab's own box (docs/ml/README.md, "Adapting on a lab's box"): a fixed
# class-balanced sample of the parent's splits, a few epochs, the backbone's last 80 of 86 layers
# (research/lab_adapt: better than 40 or all on the Kaggle lab's cells), the lab's cells half of
# every epoch, no consistency loss, and the last epoch's weights (the parent's validation split
# would pick the epoch that suits the parent's lab best).
REPLAY_PER_CLASS = 50
EPOCHS = 12
TRAIN_LAST_LAYERS = 80
SHOT_SHARE = 0.5
POLL_SECONDS = 1.0
REPORT = "adaptation_report.json"


class AdaptationCancelledError(Exception):
    pass


def run_job(job_id: int) -> str:
    """Run AdaptationJob `job_id` if it is queued; returns its final status."""
    job = AdaptationJob.objects.filter(pk=job_id).select_related("parent", "lab").first()
    if job is None or not job.claim():
        logger.info("adaptation %s is gone or already claimed", job_id)
        return "skipped"
    workdir = Path(tempfile.mkdtemp(prefix="adaptation-"))
    try:
        out = workdir / "bundle"
        run_subprocess(job, adapt_command(job, workdir, out), workdir)
        report = json.loads((out / REPORT).read_text(encoding="utf-8"))
        if not report.get("accepted"):
            job.finish(AdaptationJob.Status.FAILED, report.get("reason", ""), report=report)
        else:
            version = register_result(job, out, report)
            job.finish(AdaptationJob.Status.DONE, result=version, report=report, percent=100.0)
    except AdaptationCancelledError:
        job.finish(AdaptationJob.Status.CANCELLED)
    except Exception as error:
        logger.warning("adaptation %s failed", job_id, exc_info=True)
        job.finish(AdaptationJob.Status.FAILED, f"{type(error).__name__}: {error}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    record(None, AuditEvent.Action.ADAPTATION_FINISHED, obj=job, status=job.status)
    return job.status


def adapt_command(job: AdaptationJob, workdir: Path, out: Path) -> list[str]:
    """Export the job's cells and return the `python -m ml adapt` command line."""
    by_sha = {cell.sha256: cell for cell in cells.lab_cells(job.lab)}
    train = cells.write_tree(
        [by_sha[s] for s in job.trained_cells if s in by_sha], workdir / "train"
    )
    held = cells.write_tree(
        [by_sha[s] for s in job.held_out_cells if s in by_sha], workdir / "held"
    )
    if not train or not held:
        raise ValueError("the reviewed cells' files are no longer stored")
    return [
        sys.executable, "-m", "ml", "adapt",
        "--model", str(job.parent.bundle_dir),
        "--labelled", str(workdir / "train"),
        "--held-out", str(workdir / "held"),
        "--out", str(out),
        "--limit-per-class", str(REPLAY_PER_CLASS),
        "--epochs", str(EPOCHS),
        "--train-last-layers", str(TRAIN_LAST_LAYERS),
        "--shot-share", str(SHOT_SHARE),
        "--no-consistency",
        "--keep-last",
        "--max-test-drop", str(settings.ADAPTATION_MAX_TEST_DROP),
        "--progress-file", str(workdir / "progress.jsonl"),
        "--name", f"{job.parent.name}-{job.lab.pk}-{job.public_id.hex[:8]}",
    ]  # fmt: skip


def run_subprocess(job: AdaptationJob, command: list[str], workdir: Path) -> None:
    """Run `command`, copying its progress into the job; end it on cancel or time limit."""
    log_path = workdir / "adapt.log"
    progress = workdir / "progress.jsonl"
    deadline = time.monotonic() + settings.ADAPTATION_TIME_LIMIT
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
        )
        try:
            while process.poll() is None:
                time.sleep(POLL_SECONDS)
                follow_progress(job, progress)
                if cancel_requested(job) or time.monotonic() > deadline:
                    break
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    if cancel_requested(job):
        raise AdaptationCancelledError
    if process.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
        raise RuntimeError(f"python -m ml adapt ended with status {process.returncode}: {tail}")


def follow_progress(job: AdaptationJob, progress: Path) -> None:
    """Copy the last line of the progress file into the job row."""
    if not progress.exists():
        return
    lines = progress.read_text(encoding="utf-8").strip().splitlines()
    if lines:
        try:
            job.record_progress(json.loads(lines[-1]))
        except ValueError:  # a line being written
            pass


def cancel_requested(job: AdaptationJob) -> bool:
    return AdaptationJob.objects.filter(pk=job.pk, cancel_requested=True).exists()


def register_result(job: AdaptationJob, out: Path, report: dict) -> ModelVersion:
    """Move the bundle to MEDIA_ROOT/models/<public_id>/ and register it (not active), with its
    parent and lineage."""
    public_id = uuid.uuid4()
    target = Path(settings.MEDIA_ROOT) / registry.MODELS_DIR / str(public_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(out), str(target))
    try:
        checked = registry.inspect_bundle(target)
    except Exception:
        shutil.rmtree(target, ignore_errors=True)  # no row will ever point at it
        raise
    version = ModelVersion(
        public_id=public_id,
        name=checked.metadata["name"][:100],
        uploaded=True,
        parent=job.parent,
        notes=f"Adapted to {job.lab} from {job.parent}.",
        created_by=job.requested_by,
        lineage=lineage(job, report),
    )
    registry.apply_checked_bundle(version, checked)
    version.save()
    return version


def lineage(job: AdaptationJob, report: dict) -> dict:
    """Where the adapted version comes from, as stored on it (admin, model card)."""
    trained_counts: dict[str, int] = {}
    by_sha = {cell.sha256: cell.label for cell in cells.lab_cells(job.lab)}
    for sha in job.trained_cells:
        if sha in by_sha:
            trained_counts[by_sha[sha]] = trained_counts.get(by_sha[sha], 0) + 1
    return {
        "lab": job.lab.name,
        "job": str(job.public_id),
        "parent": {"name": job.parent.name, "public_id": str(job.parent.public_id)},
        "trained_cells": job.trained_cells,
        "trained_counts": trained_counts,
        "held_out_cells": job.held_out_cells,
        "held_out": {
            "accuracy_before": report["before"]["held_out"]["accuracy"],
            "accuracy_after": report["after"]["held_out"]["accuracy"],
            "recall_after": report["after"]["held_out"]["recall"],
            "test_accuracy_before": report["before"]["test"]["accuracy"],
            "test_accuracy_after": report["after"]["test"]["accuracy"],
        },
        "framing": framing.description(),
        "code_version": code_version(),
    }
