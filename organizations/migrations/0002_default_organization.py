"""A fresh installation has its default organization: Watcher puts users created without one there."""

from django.db import migrations


def create_default_organization(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    if not Organization.objects.filter(is_default=True).exists():
        Organization.objects.create(title="Default organization", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    # Reversing keeps the row: by then it may hold cameras and members.
    operations = [migrations.RunPython(create_default_organization, migrations.RunPython.noop)]
