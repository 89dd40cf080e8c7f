"""Create what a fresh installation needs: site settings, a default organization, the first administrator."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.choices import Role
from accounts.models import User
from accounts.services import user_create
from organizations.models import Organization, SiteSettings
from organizations.services import membership_set, organization_create


class Command(BaseCommand):
    help = "Idempotent first-run setup; prints how to log in when it creates the administrator."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the dashboard is served")

    @transaction.atomic
    def handle(self, *args, url, **options):
        SiteSettings.load()
        organization = Organization.objects.filter(is_default=True).first()
        if organization is None:
            organization = organization_create(title="Default organization", is_default=True)
        if User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            self.stdout.write(f"Dashboard: {url}  (log in as an existing administrator)")
            return
        login = settings.NVR_ADMIN_LOGIN
        password = settings.NVR_ADMIN_PASSWORD or secrets.token_urlsafe(12)
        admin = user_create(login=login, password=password, role=Role.ADMIN, email=settings.NVR_ADMIN_EMAIL)
        membership_set(
            organization=organization,
            user=admin,
            is_admin=True,
            can_view_stats=True,
            can_edit_cameras=True,
            can_edit_users=True,
        )
        if organization.owner is None:
            organization.owner = admin
            organization.save(update_fields=["owner"])
        shown = "(from NVR_ADMIN_PASSWORD)" if settings.NVR_ADMIN_PASSWORD else password
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the administrator. Log in at {url} (admin console: {url}admin/)\n"
                f"    login:    {login}\n    password: {shown}\n"
                "This password is shown once; change it with: .venv/bin/python manage.py changepassword "
                + login
            )
        )
