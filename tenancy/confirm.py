"""The site's one confirmation pattern for destructive and mass actions.

A POST that would act answers, the first time, a page in the site's layout that says what is
about to happen and to how many ("Archive 14 leads?"), with the same fields again as hidden
inputs, a button to go ahead and a way back. Only a POST carrying `confirmed=on` (that page's
button) acts. No JavaScript is needed; nothing is written before the second POST::

    if not confirmed(request):
        return ask(request, question="Archive Ada Lovelace?", button="Archive", danger=True,
                   back=lead.get_absolute_url(), details="It leaves the lists; Restore …")
"""

from django.shortcuts import render

CONFIRMED = "confirmed"


def confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRMED) == "on"


def ask(
    request,
    *,
    question: str,
    button: str,
    back: str,
    details: str | list[str] = "",
    danger: bool = False,
    action: str | None = None,
    choices: list[tuple[str, str, str]] | None = None,
):
    """The confirmation page. `choices` — (name, value, label) buttons — replace the single
    button when the action has alternatives (send now or at the start date)."""
    replay = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", CONFIRMED)
        for value in values
    ]
    return render(
        request,
        "confirm.html",
        {
            "question": question,
            "details": [details] if isinstance(details, str) and details else details or [],
            "button": button,
            "danger": danger,
            "back": back,
            "action": action or request.get_full_path(),
            "replay": replay,
            "choices": choices or [],
        },
    )
