"""50 signed-in users against a served sandbox, alone and beside a full refresh and an import.

Builds (or reuses) the sandbox company with the sandbox generator at ``--scale``, serves it
with ``greenroom serve`` on 127.0.0.1 (SQLite, the embedded job worker: the default
configuration), and drives it with locust in this process (the load client shares the
machine's cores, as the goal says). Users of every role sign in once, then browse with
0.5-1.5 s of think time: home, the metrics page, the accounts list, account pages, the
contacts list, the finder, the sources page and the API.

Phases, one line per measure (``name: value unit (goal <= X unit)``):

1. baseline: the same users fetch the sign-in page only (the cheapest page the server
   renders), to give the ratio of the real pages against the server's own floor;
2. load: the mixed pages;
3. load_busy: the mixed pages while ``greenroom refresh --full`` rebuilds the metrics and a
   100,000-row contacts import runs through the API;
4. page_*: each top-level page alone, one user, median of repeated requests (server time
   plus a loopback round trip).

    make bench   # or: .venv/bin/pip install -e '.[bench]' (locust), then
    .venv/bin/python benchmarks/load.py [--scale medium] [--users 50] [--seconds 60]
"""

import gevent.monkey

gevent.monkey.patch_all()

import argparse  # noqa: E402
import csv  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

PASSWORD = "greenroom-demo"
ROLES = ["admin", "ops", "pm", "viewer"]
GOALS = {"load_p95_ms": 500, "load_busy_p95_ms": 1500, "page_ms": 150, "errors": 0}
IMPORT_ROWS = 100_000
ROOT = Path(__file__).resolve().parent.parent


def greenroom(*args: str) -> list[str]:
    return [sys.executable, "-m", "greenroom.cli", *args]


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GREENROOM_DATABASE_URL"}
    env["GREENROOM_DATA_DIR"] = str(data_dir)
    return env


def build_sandbox(data_dir: Path, scale: str) -> None:
    subprocess.run(
        greenroom("demo", "--scale", scale, "--no-serve", "--data-dir", str(data_dir)),
        check=True,
        env=environment(data_dir),
        stdout=subprocess.DEVNULL,
    )


def django_shell(data_dir: Path, code: str) -> str:
    done = subprocess.run(
        greenroom("manage", "shell", "-c", code),
        check=True,
        env=environment(data_dir),
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(data_dir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        greenroom("serve", "--port", str(port)),
        env=environment(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "load-server.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).ok:
                return process
        except requests.RequestException:
            time.sleep(0.5)
    stop(process)
    raise SystemExit(f"The server did not answer; see {data_dir / 'load-server.log'}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class Sandbox:
    """What the users pick from: sign-ins, an API token, account ids."""

    emails: dict[str, str] = {}
    token = ""
    account_ids: list[int] = []
    signed_in = 0


class Member(HttpUser):
    """A signed-in member of the sandbox company browsing at a person's pace."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        role = random.choice(ROLES)
        self.client.get("/login/", name="sign in")
        self.client.post(
            "/login/",
            {"username": Sandbox.emails[role], "password": PASSWORD},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="sign in",
        )
        Sandbox.signed_in += 1

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(2)
    def metrics(self) -> None:
        self.client.get("/metrics/", name="metrics")

    @task(2)
    def accounts(self) -> None:
        page = random.randint(1, 20)
        self.client.get(f"/customers/accounts/?page={page}", name="accounts list")

    @task(3)
    def account(self) -> None:
        pk = random.choice(Sandbox.account_ids)
        self.client.get(f"/customers/accounts/{pk}/", name="account page")

    @task(1)
    def contacts(self) -> None:
        self.client.get("/customers/contacts/", name="contacts list")

    @task(1)
    def finder(self) -> None:
        self.client.get("/customers/find/?opted_in=interview&not_contacted_days=60", name="finder")

    @task(1)
    def sources(self) -> None:
        self.client.get("/sources/", name="sources")

    @task(2)
    def api(self) -> None:
        headers = {"Authorization": f"Bearer {Sandbox.token}"}
        if random.random() < 0.5:
            self.client.get("/api/v1/metrics/mrr?by=product", headers=headers, name="api metric")
        else:
            self.client.get("/api/v1/customers/accounts?limit=50", headers=headers, name="api list")


class SignInPage(HttpUser):
    """The baseline: the server's cheapest rendered page, at the same pace."""

    wait_time = between(0.5, 1.5)

    @task
    def sign_in_page(self) -> None:
        self.client.get("/login/", name="sign-in page")


def run_users(user_class, base_url: str, users: int, seconds: float) -> dict:
    """Run ``users`` of ``user_class`` for ``seconds`` after they all started; stats without
    the sign-ins."""
    env = Environment(user_classes=[user_class], host=base_url)
    runner = env.create_local_runner()
    Sandbox.signed_in = 0
    runner.start(users, spawn_rate=max(users / 10, 1))
    # The ramp and the sign-ins (password hashing) are left out of the figures: measuring
    # starts once every user is in and has browsed a few seconds.
    deadline = time.monotonic() + 120
    while user_class is Member and Sandbox.signed_in < users and time.monotonic() < deadline:
        gevent.sleep(0.5)
    gevent.sleep(10)
    env.stats.reset_all()
    gevent.sleep(seconds)
    runner.quit()
    entries = [entry for key, entry in env.stats.entries.items() if key[0] != "sign in"]
    total = env.stats.total
    return {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / seconds,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "slowest": sorted(
            ((entry.get_response_time_percentile(0.95), entry.name) for entry in entries),
            reverse=True,
        )[:3],
        "errors": [
            f"{e.method} {e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()
        ][:5],
    }


def import_file(data_dir: Path, scale: str) -> Path:
    """A Salesforce contacts export of IMPORT_ROWS rows for the sandbox's organisation, with
    a sales team and accounts of its own (added before the load starts)."""
    out = data_dir / "load-import"
    if not (out / "contacts-100k.csv").exists():
        code = (
            "from pathlib import Path; from greenroom.sandbox import crm;"
            f"out = Path({str(out)!r}); out.mkdir(exist_ok=True);"
            "files = crm.crm_generate(out_dir=out, scale='bench', seed=11,"
            f" organisation=Path({str(data_dir / 'sandbox' / 'organisation.json')!r}));"
            "print(files.salesforce_accounts); print(files.salesforce_contacts)"
        )
        accounts, contacts = django_shell(data_dir, code).splitlines()[-2:]
        with (
            open(contacts, newline="") as source,
            open(out / "contacts-100k.csv", "w", newline="") as target,
        ):
            rows = csv.reader(source)
            writer = csv.writer(target)
            for number, row in enumerate(rows):
                if number > IMPORT_ROWS:
                    break
                writer.writerow(row)
        Path(accounts).rename(out / "accounts.csv")
    return out


def add_sales_team(data_dir: Path, document: Path) -> None:
    """The import file's account owners, as the organisation import adds them."""
    django_shell(
        data_dir,
        "import json; from pathlib import Path; from greenroom.accounts.models import Workspace;"
        "from greenroom.organisation.services import organisation_import;"
        f"document = Path({str(document)!r});"
        "organisation_import(actor=None, workspace=Workspace.objects.get(slug='harbor-systems'),"
        " document=json.loads(document.read_text()), source=document.name)",
    )


def post_import(base_url: str, token: str, path: Path, kind: str) -> requests.Response:
    with open(path, "rb") as handle:
        return requests.post(
            f"{base_url}/api/v1/customers/imports",
            headers={"Authorization": f"Bearer {token}"},
            data={"kind": kind},
            files={"file": (path.name, handle, "text/csv")},
            timeout=1800,
        )


def import_finished(base_url: str, token: str, response: requests.Response) -> dict:
    """The import's report: at once for a small file (200), or once its job is over (202)."""
    if response.status_code != 202:
        return {"status": response.status_code, "body": response.text[:300]}
    url = f"{base_url}/api/v1/customers/imports/{response.json()['id']}"
    while True:
        run = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60).json()
        if run["status"] in ("done", "failed"):
            return {"status": run["status"], "body": str(run.get("report"))[:300]}
        gevent.sleep(1)


def busy_work(data_dir: Path, base_url: str, token: str, files: Path) -> list:
    """A full refresh and the big import, started together; returns what to wait for."""
    refresh = subprocess.Popen(
        greenroom("refresh", "--full", "--workspace", "harbor-systems"),
        env=environment(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = time.perf_counter()
    outcome: dict = {}

    def run_import() -> None:
        response = post_import(base_url, token, files / "contacts-100k.csv", "contacts")
        outcome.update(import_finished(base_url, token, response))
        outcome["seconds"] = time.perf_counter() - started

    return [refresh, gevent.spawn(run_import), outcome]


def page_times(base_url: str, repeats: int) -> dict[str, float]:
    session = requests.Session()
    session.get(f"{base_url}/login/")
    session.post(
        f"{base_url}/login/",
        {"username": Sandbox.emails["admin"], "password": PASSWORD},
        headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
    )
    pages = {
        "home": "/",
        "data": "/data/",
        "customers": "/customers/",
        "accounts": "/customers/accounts/",
        "account": f"/customers/accounts/{Sandbox.account_ids[0]}/",
        "contacts": "/customers/contacts/",
        "finder": "/customers/find/",
        "metrics": "/metrics/",
        "sources": "/sources/",
        "scorecard": "/scorecard/",
        "jobs": "/jobs/",
        "audit": "/settings/audit/",
    }
    result = {}
    for name, path in pages.items():
        times = []
        for _ in range(repeats + 1):
            started = time.perf_counter()
            response = session.get(f"{base_url}{path}")
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        result[name] = statistics.median(times[1:])  # the first warms this worker's caches
    return result


def report(name: str, figures: dict, goal_p95: float, baseline_p95: float | None) -> None:
    print(f"{name}_requests: {figures['requests']} at {figures['rps']:.1f} requests/s")
    print(f"{name}_errors: {figures['failures']} (goal <= {GOALS['errors']})")
    print(f"{name}_p50: {figures['p50']:.0f} ms")
    print(f"{name}_p95: {figures['p95']:.0f} ms (goal <= {goal_p95} ms)")
    print(f"{name}_p99: {figures['p99']:.0f} ms")
    if baseline_p95:
        print(f"{name}_p95_vs_sign_in_page: {figures['p95'] / baseline_p95:.1f} x")
    print(f"# {name} slowest p95: " + ", ".join(f"{n} {t:.0f} ms" for t, n in figures["slowest"]))
    for error in figures["errors"]:
        print(f"# {name} error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("small", "medium", "large"), default="medium")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-load"))
    parser.add_argument("--skip-busy", action="store_true", help="no refresh/import phase")
    args = parser.parse_args()
    data_dir = Path(args.data_dir).resolve() / args.scale
    data_dir.mkdir(parents=True, exist_ok=True)
    build_sandbox(data_dir, args.scale)
    Sandbox.emails = {
        "admin": "admin@harbor.example",
        "ops": "ops@harbor.example",
        "pm": "pm@harbor.example",
        "viewer": "viewer@harbor.example",
    }
    lines = django_shell(
        data_dir,
        "from greenroom.accounts.models import User; from greenroom.accounts import services;"
        "from greenroom.customers.models import Account;"
        "print(services.token_create(user=User.objects.get(email='ops@harbor.example'),"
        " name='load benchmark')[1]);"
        "print(','.join(str(pk) for pk in Account.objects.values_list('pk', flat=True)))",
    ).splitlines()
    Sandbox.token = lines[-2]
    Sandbox.account_ids = [int(pk) for pk in lines[-1].split(",")]
    files = None if args.skip_busy else import_file(data_dir, args.scale)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(data_dir, port)
    try:
        print(
            f"# {args.users} users, {args.seconds} s per phase, scale {args.scale}, "
            f"{os.cpu_count()} cores"
        )
        baseline = run_users(SignInPage, base_url, args.users, min(args.seconds, 30))
        report("baseline_sign_in_page", baseline, GOALS["load_p95_ms"], None)
        load = run_users(Member, base_url, args.users, args.seconds)
        report("load", load, GOALS["load_p95_ms"], baseline["p95"])
        for name, median in page_times(base_url, repeats=10).items():
            print(f"page_{name}: {median:.0f} ms (goal <= {GOALS['page_ms']} ms)")
        if files is not None:
            add_sales_team(data_dir, files / "sales-team.json")
            accounts = post_import(base_url, Sandbox.token, files / "accounts.csv", "accounts")
            accounts_outcome = import_finished(base_url, Sandbox.token, accounts)
            print(f"# accounts for the import: {accounts_outcome['status']}")
            refresh, importer, outcome = busy_work(data_dir, base_url, Sandbox.token, files)
            busy = run_users(Member, base_url, args.users, args.seconds)
            report("load_busy", busy, GOALS["load_busy_p95_ms"], baseline["p95"])
            refresh_error = refresh.communicate()[1]
            importer.join()
            print(f"busy_refresh_exit: {refresh.returncode} (goal <= 0)")
            if refresh.returncode:
                print(f"# refresh: {refresh_error.strip().splitlines()[-1:]}")
            # The import runs as a job; it may end after the measured phase, and its time
            # (from upload to report) says how much of the phase it overlapped.
            print(
                f"busy_import_{IMPORT_ROWS // 1000}k_rows: {outcome.get('seconds', 0):.0f} s, "
                f"{outcome.get('status')}"
            )
            if outcome.get("status") != "done":
                print(f"# import: {outcome.get('body')}")
    finally:
        stop(server)


if __name__ == "__main__":
    main()
