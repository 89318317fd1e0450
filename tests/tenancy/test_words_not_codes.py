"""Words, not codes, where a person reads: no page points at a file of the repository for its
definitions (they are in the page), and activity lines name statuses and fields in words."""

from pathlib import Path

from django.conf import settings

from callbacks.services.requests import change_line as callback_change
from callbacks.services.requests import status_line
from crm.services.leads import change_line as lead_change

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_no_page_sends_a_person_to_a_docs_file():
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "docs/" in path.read_text() and "admin/" not in str(path.relative_to(TEMPLATES))
    ]
    assert offenders == [], "explain the figure in the page (a 'How these are counted' fold)"


def test_activity_lines_are_in_words():
    assert lead_change("status", "NEW", "CONTACTED") == "Status: New → Contacted"
    assert lead_change("lead_score", 50, 85) == "Lead score: 50 → 85"
    assert lead_change("assigned_to", None, None) == "Assigned to: — → —"
    assert status_line("in_progress", "completed") == "Status: In progress → Completed"
    assert callback_change("reason", "support", "complaint") == "Reason: Support → Complaint"


def test_kpis_read_in_words():
    from tenancy.templatetags.figures import kpi_words

    assert kpi_words(["open_rate", "click_rate", "conversions"]) == (
        "Open rate, Click rate, Conversions"
    )
    assert kpi_words(["cost_per_signup"]) == "Cost per signup"
    assert kpi_words([]) == "—"
