"""The ``greenroom`` command: Greenroom's own commands first, Django's behind ``manage``."""

import os
import sys

from django.core.management import execute_from_command_line

COMMANDS = {
    "demo": "build the sandbox company into a data folder and serve it",
    "serve": "serve Greenroom with a production web server (gunicorn) and static files",
    "worker": "run background-job workers and the scheduler (when jobs use Redis)",
    "migrate": "create or update the database tables",
    "createuser": "add a user with a role (creates the workspace on first use)",
    "org": "import the organisation (teams, portfolio, markets, segments, plans)",
    "sources": "list, add and sync data sources (usage, billing, costs, headcount, CRM)",
    "refresh": "recompute the metrics from the business data (add --full to rebuild all)",
    "boardpack": "write a quarter's board pack (PowerPoint and PDF): --quarter 2025Q4 --out DIR",
    "check": "check the configuration (add --deploy for production settings)",
    "manage": "run any other Django management command, e.g. 'greenroom manage shell'",
}


def _usage() -> str:
    lines = ["usage: greenroom COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<11} {summary}" for name, summary in COMMANDS.items()]
    lines += ["", "Run 'greenroom COMMAND --help' for a command's options."]
    lines += [
        "Configuration is read from GREENROOM_* environment variables (docs/configuration.md)."
    ]
    return "\n".join(lines)


def _apply_early_options(command: str, args: list[str]) -> None:
    """Options that settings need before Django starts (they are read at import)."""
    if command != "demo":
        return
    os.environ["GREENROOM_DEMO"] = "1"
    for index, arg in enumerate(args):
        if arg == "--data-dir" and index + 1 < len(args):
            os.environ["GREENROOM_DATA_DIR"] = os.path.abspath(args[index + 1])
        elif arg.startswith("--data-dir="):
            os.environ["GREENROOM_DATA_DIR"] = os.path.abspath(arg.split("=", 1)[1])


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return
    command, rest = args[0], args[1:]
    if command == "--version":
        from importlib.metadata import version

        print(f"greenroom {version('greenroom')}")
        return
    if command not in COMMANDS:
        print(f"greenroom: unknown command '{command}'.\n\n{_usage()}", file=sys.stderr)
        sys.exit(2)
    _apply_early_options(command, rest)
    if command == "manage":
        execute_from_command_line(["greenroom manage", *rest])
    else:
        execute_from_command_line(["greenroom", command, *rest])


if __name__ == "__main__":
    main()
