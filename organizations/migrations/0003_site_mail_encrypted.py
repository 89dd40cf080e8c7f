"""The domain's mail settings (SMTP password, SendGrid key) are encrypted at rest; existing ones too."""

from django.db import migrations

import nvr_project.crypto


class Migration(migrations.Migration):
    dependencies = [("organizations", "0002_default_organization")]

    operations = [
        migrations.AlterField(
            model_name="sitesettings",
            name="mail",
            field=nvr_project.crypto.EncryptedJSONField(
                blank=True, default=dict, help_text="sending_method, sender, host, port, login, …"
            ),
        ),
        nvr_project.crypto.encrypt_existing("organizations", "SiteSettings", "mail"),
    ]
