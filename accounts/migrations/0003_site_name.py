"""Name the django.contrib.sites Site after the portal: allauth's emails greet with its name."""

from django.conf import settings
from django.db import migrations


def name_the_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(("*", "."))]
    domain = hosts[0] if hosts else "localhost"
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"name": settings.SITE_NAME, "domain": domain}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_invitations_join_requests"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
