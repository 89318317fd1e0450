"""The model that carries custom values, and its form, named by settings rather than imported:
customfields stands below the app that owns them (CUSTOMFIELDS_HOST_MODEL = "crm.Customer",
the AUTH_USER_MODEL pattern). Models point a ForeignKey at the setting's string; code that
needs the class asks here, once the apps are loaded."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string


def host_model() -> type[models.Model]:
    """The host model class, e.g. crm.Customer: it has the slot columns of `slots`."""
    return apps.get_model(settings.CUSTOMFIELDS_HOST_MODEL)


def host_form() -> type:
    """The host's page form (CUSTOMFIELDS_HOST_FORM), which the form builder previews: a
    `forms.CustomValuesForm` taking the `definitions` to show, with a `fields_template` that
    renders its fields as the host's pages do."""
    return import_string(settings.CUSTOMFIELDS_HOST_FORM)
