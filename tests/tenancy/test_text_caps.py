"""Caps on free text (tenancy.validators): every TextField of every app has one, chosen by what
the text is, and model validation enforces it. Each app's tests prove its ways in refuse a
longer text."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from tenancy.validators import NOTES_MAX_LENGTH

CAPPED_APPS = ("tenancy", "crm", "callbacks", "customfields", "milestones", "campaigns")


def text_fields():
    for app in CAPPED_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.TextField) and not field.generated:
                    yield model, field


@pytest.mark.parametrize(
    "model, field",
    list(text_fields()),
    ids=lambda v: getattr(v, "__name__", getattr(v, "name", "")),
)
def test_every_text_field_has_a_cap_that_model_validation_enforces(model, field):
    assert field.max_length, f"{model.__name__}.{field.name} has no max_length"
    limits = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    assert limits == [field.max_length], f"{model.__name__}.{field.name}: {limits}"
    field.clean("x" * field.max_length, None)
    with pytest.raises(ValidationError):
        field.clean("x" * (field.max_length + 1), None)


def test_the_caps_are_chosen_by_meaning():
    caps = {f"{m.__name__}.{f.name}": f.max_length for m, f in text_fields()}
    assert caps["Lead.notes"] == caps["CallbackRequest.notes"] == 10_000
    assert caps["LeadMilestone.notes"] == caps["CallbackActivity.note"] == 10_000
    assert caps["LeadSource.description"] == caps["Campaign.description"] == 10_000
    assert caps["Customer.description"] == 1_000
    assert caps["CampaignVariant.body"] == 50_000
    # An activity's message may hold a whole note and the status change it came with.
    assert caps["LeadActivity.message"] > NOTES_MAX_LENGTH
