import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from greenroom.accounts import services
from greenroom.accounts.choices import Role
from greenroom.accounts.models import Workspace


class Command(BaseCommand):
    help = (
        "Add a user with a role. On a new installation this also creates the workspace "
        "(name it with --workspace). The password is asked for, read from standard input "
        "with --password-stdin, or left unset so the user sets it through a reset link."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--workspace", default="", help="workspace name for a new install")
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password-stdin", action="store_true")
        password.add_argument("--no-password", action="store_true")

    def handle(self, *args, **options):
        workspace = self._workspace(options["workspace"])
        try:
            user = services.user_create(
                actor=None,
                workspace=workspace,
                email=options["email"],
                role=options["role"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                password=self._password(options),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Added {user.email} as {Role(options['role']).label} in {workspace}.")

    def _workspace(self, name: str) -> Workspace:
        existing = Workspace.objects.order_by("pk").first()
        if existing:
            return existing
        if not name:
            raise CommandError("There is no workspace yet: name it with --workspace 'Acme Inc'.")
        return services.workspace_create(name=name, slug=slugify(name) or "workspace")

    def _password(self, options) -> str | None:
        if options["no_password"]:
            return None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        if len(password) < 8:
            raise CommandError("The password must have at least 8 characters.")
        return password
