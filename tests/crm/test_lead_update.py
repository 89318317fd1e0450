"""lead_update leaves the caller's object as saved when it refuses a change."""

import pytest
from django.core.exceptions import ValidationError

from crm.services.leads import lead_update
from tests.factories import LeadFactory


def test_a_refused_update_leaves_the_callers_lead_as_saved(tenant_a, manager_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Kept")
    with pytest.raises(ValidationError):
        lead_update(lead=lead, by=manager_a, data={"first_name": "Gone", "email": "bad"})
    assert lead.first_name == "Kept"
