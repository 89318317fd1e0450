"""Machine opens (campaigns.machine_opens): the flag and the user agent on responses, the first
machine open on executions; and the opens recorded before, judged by the time rule (the proxy
rule needs the user agent, which was not kept)."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F, Min, OuterRef, Subquery

# campaigns.machine_opens.MACHINE_OPEN_SECONDS when this migration was written.
SECONDS = 10


def flag_fast_opens(apps, schema_editor):
    """Set-based: one UPDATE flags the opens that came within SECONDS of sending; one more
    moves those executions' first open: `machine_opened_at` to the first machine open,
    `opened_at` to the first open by a person or click (none: no open)."""
    Response = apps.get_model("campaigns", "CampaignResponse")
    Execution = apps.get_model("campaigns", "CampaignExecution")
    Response.objects.filter(
        kind="open",
        execution__sent_at__isnull=False,
        occurred_at__lt=F("execution__sent_at") + timedelta(seconds=SECONDS),
    ).update(is_machine_open=True)
    machine = Response.objects.filter(kind="open", is_machine_open=True)
    human = Response.objects.filter(kind__in=("open", "click"), is_machine_open=False)

    def first(rows):
        return Subquery(
            rows.filter(execution_id=OuterRef("pk"))
            .order_by()
            .values("execution_id")
            .annotate(first=Min("occurred_at"))
            .values("first")[:1]
        )

    Execution.objects.filter(pk__in=machine.values("execution_id")).update(
        machine_opened_at=first(machine), opened_at=first(human)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0005_timeline_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaignexecution",
            name="machine_opened_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="campaignresponse",
            name="is_machine_open",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="campaignresponse",
            name="user_agent",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(flag_fast_opens, migrations.RunPython.noop, elidable=True),
    ]
