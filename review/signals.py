"""Framework hook: a heatmap row deleted by a cascade (its image deleted) takes its PNG along."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from review.models import Heatmap


@receiver(post_delete, sender=Heatmap, dispatch_uid="review_heatmap_file")
def delete_heatmap_file(sender, instance: Heatmap, **kwargs) -> None:
    if instance.path is not None:
        instance.path.unlink(missing_ok=True)
