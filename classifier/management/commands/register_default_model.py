"""Register and activate the shipped default bundle when no model version exists yet.

The setup script runs it on every start. Once a version exists it registers nothing, but brings
the versions of shipped bundles that a new release changed on disk up to date
(registry.refresh_changed_shipped_versions), with an audit event for each.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from audit.services import record
from classifier import registry
from classifier.models import ModelVersion


class Command(BaseCommand):
    help = "Register and activate the shipped default model bundle if no model version exists."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--bundle",
            default=settings.DEFAULT_MODEL_NAME,
            help="Bundle name, alias or folder (default: the DEFAULT_MODEL_NAME setting).",
        )

    def handle(self, *args, bundle: str, **options) -> None:
        existing = ModelVersion.objects.order_by("-is_active", "-created").first()
        if existing is not None:
            for version in registry.refresh_changed_shipped_versions():
                record(
                    None, AuditEvent.Action.MODEL_VERSION_CHANGED, obj=version, change="refreshed"
                )
                self.stdout.write(
                    f"Refreshed {version.name} from its changed bundle "
                    f"(threshold {version.confidence_threshold:.2f})."
                )
            self.stdout.write(f"A model version exists already ({existing}); nothing to do.")
            return
        try:
            version = registry.register_bundle(
                None,
                bundle,
                activate=True,
                notes=f"Registered by register_default_model from {bundle!r}.",
            )
        except registry.ModelBundleInvalid as error:
            raise CommandError(f"Cannot register {bundle!r}: {error}") from error
        record(None, AuditEvent.Action.MODEL_VERSION_CHANGED, obj=version, change="registered")
        self.stdout.write(
            self.style.SUCCESS(
                f"Registered and activated {version.name} ({len(version.labels)} labels, "
                f"threshold {version.confidence_threshold:.2f})."
            )
        )
