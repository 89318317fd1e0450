"""The schema generates without a warning: `manage.py spectacular --validate --fail-on-warn`, the
command the architecture asks to stay clean (a warning is a part of the API the schema guesses
at, such as a filter's type or an enum's name). `check --deploy` leaves drf_spectacular's
warnings to this test (tests/tenancy/test_production.py)."""

import subprocess
import sys

from django.conf import settings


def test_the_schema_generates_and_validates_without_a_warning(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Warning" not in result.stderr, result.stderr
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
