"""`make screenshots`: PNGs of the main pages on the demo's data, at a laptop's and a phone's width.

    .venv/bin/python -m demo.screenshots [--out docs/screenshots] [--only leads,lead]

What it does, all in one process and a temporary directory that is removed afterwards:
a throwaway SQLite database (DATABASE_URL=sqlite:///<tmp>/screenshots.sqlite3), `migrate`,
`seed_demo` (a fixed random seed, so the same leads, customers and campaigns each run; dates are
relative to today), the WSGI application served in a thread on a free port of 127.0.0.1 (static
files from the project's folders, as the test server does: no collectstatic), sign-in as
`demo-manager` through the login page, then Playwright driving Debian's Chromium
(`/usr/bin/chromium` or $CHROMIUM_PATH; never a downloaded browser) saves, for every page in
PAGES, `<name>-desktop.png` (1366×900, the viewport only) and `<name>-phone.png` (390×844, the
whole page down to PHONE_MAX_HEIGHT pixels). Without Chromium it exits with status 2 and says what
to install, before touching anything.

This app stands above every other, so it may read their models to choose which lead, customer
and campaign to show.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_OUT = BASE_DIR / "docs" / "screenshots"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SIGN_IN_AS = "demo-manager"

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# A phone screenshot shows the page down to two and a half screens: enough to see how a list
# turns into cards and the navigation folds, small enough to keep every PNG under ~200 KB.
PHONE_MAX_HEIGHT = PHONE["height"] * 5 // 2

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--font-render-hinting=none",
]


@dataclass(frozen=True)
class Shot:
    """One page to photograph: its file name stem and its path; `{lead}`, `{customer}` and
    `{campaign}` are filled with the ids chosen by `pick_examples`."""

    name: str
    path: str


PAGES = [
    Shot("home", "/"),
    Shot("leads", "/leads/"),
    Shot("lead", "/leads/{lead}/"),
    Shot("customers", "/customers/"),
    Shot("customer", "/customers/{customer}/"),
    Shot("segments", "/segments/"),
    Shot("callbacks", "/callbacks/"),
    Shot("campaigns", "/campaigns/"),
    Shot("campaign", "/campaigns/{campaign}/"),
    Shot("bottlenecks", "/milestones/bottlenecks/"),
    Shot("sources-performance", "/sources/performance/"),
    Shot("customer-import", "/customers/import/"),
    Shot("tasks", "/tasks/"),
]


class ScreenshotError(Exception):
    """A reason to stop, said to the person who ran the command (exit status 2)."""


def file_names(shot: Shot) -> tuple[str, str]:
    """The desktop and phone file names of a page."""
    return f"{shot.name}-desktop.png", f"{shot.name}-phone.png"


def select_pages(only: str | None) -> list[Shot]:
    """PAGES, or those named in a comma-separated `--only` (an unknown name is an error)."""
    if not only:
        return list(PAGES)
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    known = {shot.name: shot for shot in PAGES}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ScreenshotError(f"unknown page(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[name] for name in wanted]


def fill_path(shot: Shot, examples: dict[str, int]) -> str:
    return shot.path.format(**examples)


def find_chromium(environ=os.environ) -> str:
    executable = environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)
    if not os.path.exists(executable):
        raise ScreenshotError(
            f"Chromium not found at {executable}: install it (apt-get install chromium) "
            "or set CHROMIUM_PATH to its executable. No browser is downloaded."
        )
    return executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shown(path: Path) -> str:
    """A path as the person typed it: relative to the project when inside it."""
    return str(path.relative_to(BASE_DIR)) if path.is_relative_to(BASE_DIR) else str(path)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --- the demo site -------------------------------------------------------------------------------


def configure_django(tmp: Path) -> None:
    """Settings for a throwaway demo: set before Django reads them (DEBUG off, as `make run`)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'screenshots.sqlite3'}"
    os.environ["DEBUG"] = "off"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["CONN_MAX_AGE"] = "0"
    # No broker (sending runs in-process) and the database cache, whatever this shell has set.
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "REDIS_CACHE_URL"):
        os.environ.pop(name, None)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    # Static files come from the project's folders (StaticFilesHandler), not a collected copy.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")
    django.setup()


def build_demo() -> dict[str, int]:
    from django.core.management import call_command

    from demo.seed import seed_demo

    call_command("migrate", interactive=False, verbosity=0)
    seed_demo()
    return pick_examples()


def pick_examples() -> dict[str, int]:
    """The lead, customer and campaign shown on their own pages: the ones with the most to show
    (ties by id, so each run picks the same)."""
    from django.db.models import Count

    from campaigns.models import Campaign
    from crm.models import Customer, Lead

    lead = (
        Lead.objects.filter(archived_at__isnull=True)
        .annotate(n=Count("activities", distinct=True) + Count("customer_notes", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    customer = Customer.objects.annotate(n=Count("customer_notes")).order_by("-n", "pk").first()
    campaign = Campaign.objects.annotate(n=Count("executions")).order_by("-n", "pk").first()
    if lead is None or customer is None or campaign is None:
        raise ScreenshotError("the demo has no lead, customer or campaign to show")
    return {"lead": lead.pk, "customer": customer.pk, "campaign": campaign.pk}


class Server:
    """The WSGI application on 127.0.0.1:<port>, one thread per request, static files served
    from the project's folders (as Django's test server does)."""

    def __init__(self, port: int):
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

        from config.wsgi import application

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self.port = port
        self.httpd = ThreadedWSGIServer(
            ("127.0.0.1", port), QuietHandler, allow_reuse_address=False
        )
        self.httpd.set_app(StaticFilesHandler(application))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


# --- the browser ---------------------------------------------------------------------------------


def sign_in(context, base_url: str) -> None:
    from demo.seed import DEMO_PASSWORD

    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(SIGN_IN_AS)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
    page.close()


def settle(page) -> None:
    """Wait for what htmx loads after the page (figures, charts); pages that poll may never be
    idle for long, so a bounded wait is enough."""
    try:
        page.wait_for_load_state("networkidle", timeout=5000)
    except Exception:  # noqa: BLE001 - a page still polling is photographed as it is
        pass


def photograph(page, url: str, target: Path, *, full_page_max: int | None) -> None:
    response = page.goto(url)
    if response is None or response.status != 200:
        status = response.status if response is not None else "no answer"
        raise ScreenshotError(f"{url} answered {status}")
    settle(page)
    if full_page_max is None:
        page.screenshot(path=str(target), animations="disabled")
        return
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.viewport_size["width"]
    page.screenshot(
        path=str(target),
        animations="disabled",
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": min(height, full_page_max)},
    )


def take(shots: list[Shot], examples: dict[str, int], base_url: str, out: Path, chromium: str):
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for viewport, suffix, full_page_max in (
                (DESKTOP, 0, None),
                (PHONE, 1, PHONE_MAX_HEIGHT),
            ):
                context = browser.new_context(
                    viewport=viewport, device_scale_factor=1, locale="en-US"
                )
                sign_in(context, base_url)
                page = context.new_page()
                for shot in shots:
                    target = out / file_names(shot)[suffix]
                    url = base_url + fill_path(shot, examples)
                    photograph(page, url, target, full_page_max=full_page_max)
                    written.append(target)
                    size = human_size(target.stat().st_size)
                    print(f"  {shown(target)}  {fill_path(shot, examples)}  {size}")
                context.close()
        finally:
            browser.close()
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    parser.add_argument("--only", help="comma-separated page names, e.g. leads,lead")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, even in a log
    try:
        shots = select_pages(args.only)
        chromium = find_chromium()
        try:
            import playwright  # noqa: F401
        except ImportError as exc:
            raise ScreenshotError(
                "Playwright is not installed: .venv/bin/pip install -r requirements-dev.txt "
                "(make screenshots does it)"
            ) from exc
        args.out = args.out.resolve()
        args.out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="atrium-screenshots-"))
        try:
            configure_django(tmp)
            print(f"Building the demo in {tmp} …")
            examples = build_demo()
            with Server(free_port()) as server:
                print(f"Serving it at {server.url}; signed in as {SIGN_IN_AS}. Writing:")
                written = take(shots, examples, server.url, args.out, chromium)
        finally:
            from django.apps import apps

            if apps.ready:
                from django.db import connections

                connections.close_all()
            shutil.rmtree(tmp, ignore_errors=True)
    except ScreenshotError as exc:
        print(f"make screenshots: {exc}", file=sys.stderr)
        return 2
    total = sum(path.stat().st_size for path in written)
    print(f"{len(written)} screenshots, {human_size(total)} in all.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
