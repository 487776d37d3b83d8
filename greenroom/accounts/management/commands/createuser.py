import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from greenroom.accounts import services
from greenroom.accounts.choices import Role
from greenroom.accounts.models import Workspace


class Command(BaseCommand):
    help = (
        "Add a user with a role to the workspace --workspace names (by name or slug; it is "
        "created if there is none), or to the only workspace. The password is asked for, "
        "read from standard input with --password-stdin, or left unset so the user sets it "
        "through a reset link."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--workspace",
            default="",
            help="the workspace's name or slug; a name no workspace has creates one "
            "(needed when there are none, or several)",
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="also an install operator: the Django admin and install-wide job runs",
        )
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password-stdin", action="store_true")
        password.add_argument("--no-password", action="store_true")

    def handle(self, *args, **options):
        wanted = options["workspace"].strip()
        # Settled before the password is asked for, so a mistake costs no typing.
        only = None if wanted else self._only_workspace()
        password = self._password(options)
        try:
            # One transaction: a workspace made for a user who cannot be added is not kept.
            with transaction.atomic():
                workspace, created = (
                    services.workspace_get_or_create(name=wanted) if wanted else (only, False)
                )
                user = services.user_create(
                    actor=None,
                    workspace=workspace,
                    email=options["email"],
                    role=options["role"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    password=password,
                    superuser=options["superuser"],
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        where = f"the new workspace {workspace} ({workspace.slug})" if created else workspace
        self.stdout.write(f"Added {user.email} as {Role(options['role']).label} in {where}.")

    def _only_workspace(self) -> Workspace:
        workspaces = list(Workspace.objects.order_by("pk")[:2])
        if not workspaces:
            raise CommandError("There is no workspace yet: name it with --workspace 'Acme Inc'.")
        if len(workspaces) > 1:
            raise CommandError("There are several workspaces: name one with --workspace.")
        return workspaces[0]

    def _password(self, options) -> str | None:
        if options["no_password"]:
            return None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif not sys.stdin.isatty():
            # getpass would fall back to reading the terminal device and crash without one.
            raise CommandError(
                "No terminal to ask for the password: pipe it in with --password-stdin "
                '(echo "$PASSWORD" | greenroom createuser ... --password-stdin), or use '
                "--no-password so they set it through a reset link."
            )
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        if len(password) < 8:
            raise CommandError("The password must have at least 8 characters.")
        return password
