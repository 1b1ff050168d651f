"""python manage.py adduser EMAIL --lab LAB --role ROLE [--password P]: a ready-to-use member."""

import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import AlreadyInLabError, Membership
from accounts.services import create_member


class Command(BaseCommand):
    help = (
        "Create (or update) a user with a verified email, as a member of LAB with ROLE. "
        "The lab is created if missing. Without --password a random one is printed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--lab", required=True, help="Lab name (created if missing).")
        parser.add_argument("--role", required=True, choices=Membership.Role.values)
        parser.add_argument("--password", help="Password; a random one is generated if absent.")

    def handle(self, *args, email: str, lab: str, role: str, password: str | None, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email}") from error
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        try:
            membership = create_member(email, lab, role, password)
        except AlreadyInLabError as error:
            raise CommandError(f"{email} already belongs to the lab {error.args[0]}.") from error
        self.stdout.write(
            f"{membership.user.email}: {membership.get_role_display()} of {membership.lab.name}"
        )
        if generated:
            self.stdout.write(f"Password: {password}")
