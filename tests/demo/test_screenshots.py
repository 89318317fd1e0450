"""`make screenshots` (demo/screenshots.py) and the README's page table: the parts that need no
browser. The script's pages are real routes, a missing Chromium stops it before it touches
anything, and the README's "Pages" table names every page route (and only real ones)."""

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from demo import screenshots
from tests.tenancy.test_security_headers import PAGES as PAGE_ROUTES

README = Path(__file__).resolve().parents[2] / "README.md"

# Routes in the tenancy registry of pages that are parts of another page, fetched by htmx (a
# polled progress or figures section, a contact picker): no one opens them on their own.
FRAGMENTS = {
    "crm:segment-status",
    "crm:import-progress",
    "callbacks:callback-contacts",
    "campaigns:campaign-figures",
}
# Pages outside the apps' registries that the table lists too.
OTHER_PAGES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:index",
    "api-docs",
}


def route_name(path: str) -> str:
    """The route a README path opens: placeholders (`<id>`, `<key>`, …) read as 1, the query
    string dropped."""
    match = resolve(re.sub(r"<[^>]+>", "1", path.split("?")[0]))
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def readme_page_paths() -> list[str]:
    text = README.read_text()
    section = text.split("\n## Pages\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [path for row in rows for path in re.findall(r"`(/[^`]*)`", row.split(" | ")[0])]


def test_every_screenshot_page_is_a_route_with_its_own_file_names():
    examples = {"lead": 1, "customer": 1, "campaign": 1}
    names = [route_name(screenshots.fill_path(shot, examples)) for shot in screenshots.PAGES]
    assert "crm:lead-detail" in names and "campaigns:campaign-detail" in names
    files = [name for shot in screenshots.PAGES for name in screenshots.file_names(shot)]
    assert len(files) == len(set(files)) == 2 * len(screenshots.PAGES)
    assert screenshots.file_names(screenshots.Shot("leads", "/leads/")) == (
        "leads-desktop.png",
        "leads-phone.png",
    )


def test_only_picks_pages_by_name_and_refuses_unknown_ones():
    assert [shot.name for shot in screenshots.select_pages("leads, lead")] == ["leads", "lead"]
    assert screenshots.select_pages(None) == screenshots.PAGES
    with pytest.raises(screenshots.ScreenshotError, match="unknown page.*: nope"):
        screenshots.select_pages("leads,nope")


def test_without_chromium_it_says_what_to_install_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    out = tmp_path / "shots"
    assert screenshots.main(["--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "Chromium not found" in error and "apt-get install chromium" in error
    assert not out.exists()


def test_human_sizes():
    assert screenshots.human_size(900) == "900 B"
    assert screenshots.human_size(150 * 1024) == "150 KB"
    assert screenshots.human_size(3 * 1024 * 1024 + 200 * 1024) == "3.2 MB"


def test_every_path_in_the_readme_table_opens_a_page():
    paths = readme_page_paths()
    assert len(paths) > 40
    unknown = []
    for path in paths:
        try:
            route_name(path)
        except Resolver404:
            unknown.append(path)
    assert unknown == [], "README.md lists paths that are no route"


def test_the_readme_table_lists_every_page():
    listed = {route_name(path) for path in readme_page_paths()}
    pages = (set(PAGE_ROUTES) - FRAGMENTS) | OTHER_PAGES
    assert pages - listed == set(), "add the page to the table under '## Pages' in README.md"
    assert listed - pages == set(), "a README row names a route that is not a page"
