from django.apps import AppConfig


class ClassifierConfig(AppConfig):
    name = "classifier"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from classifier import worker_process  # noqa: F401  (connects the worker signals)
