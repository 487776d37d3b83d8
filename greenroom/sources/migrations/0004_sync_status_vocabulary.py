"""One status vocabulary for syncs, sources and the jobs that carry syncs: succeeded, partly
loaded, rejected, failed, skipped (sources/choices.py). Stored values are converted; a sync's
job run takes its sync's outcome.

Values are written out rather than imported: a migration must keep meaning what it meant.
"""

from django.db import migrations, models
from django.db.models import Q

RUN_RENAMED = {"quarantined": "partly_loaded", "interrupted": "failed"}
SOURCE_RENAMED = {"ok": "succeeded", "quarantined": "partly_loaded"}
# A sync job's run was recorded "succeeded" whatever its sync did.
JOB_TAKES = ("partly_loaded", "rejected", "skipped")


def forwards(apps, schema_editor):
    runs = apps.get_model("sources", "SyncRun").objects
    sources = apps.get_model("sources", "Source").objects
    for old, new in RUN_RENAMED.items():
        runs.filter(status=old).update(status=new)
    runs.filter(status="failed", message__startswith="The process running").update(
        message=models.functions.Concat(models.Value("Interrupted: "), "message")
    )
    # A run that read no batch found nothing new: skipped.
    runs.filter(status="succeeded", batches=0).update(status="skipped")
    # Any rejected batch made a run "rejected"; one that also loaded rows is partly loaded.
    runs.filter(status="rejected", rows_loaded__gt=0).update(status="partly_loaded")
    for old, new in SOURCE_RENAMED.items():
        sources.filter(status=old).update(status=new)
    _jobs_take_sync_outcomes(apps)


def _jobs_take_sync_outcomes(apps):
    job_runs = apps.get_model("jobs", "JobRun").objects
    runs = apps.get_model("sources", "SyncRun").objects
    for job_run in job_runs.filter(
        name="sources.sync", status="succeeded", started_at__isnull=False
    ).exclude(finished_at=None):
        source_id = (job_run.arguments or {}).get("source_id")
        sync = (
            runs.filter(
                source_id=source_id,
                started_at__gte=job_run.started_at,
                started_at__lte=job_run.finished_at,
            )
            .order_by("started_at")
            .first()
        )
        if sync is not None and sync.status in JOB_TAKES:
            job_runs.filter(pk=job_run.pk).update(status=sync.status)


def backwards(apps, schema_editor):
    runs = apps.get_model("sources", "SyncRun").objects
    runs.filter(status="partly_loaded").update(status="quarantined")
    runs.filter(status="skipped").update(status="succeeded")
    sources = apps.get_model("sources", "Source").objects
    sources.filter(status__in=["succeeded", "skipped"]).update(status="ok")
    sources.filter(status="partly_loaded").update(status="quarantined")
    apps.get_model("jobs", "JobRun").objects.filter(
        Q(name="sources.sync") & Q(status__in=JOB_TAKES)
    ).update(status="succeeded")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_source_path_trusted"),
        ("jobs", "0002_sync_status_vocabulary"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="batches_rejected",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="embedded_loaded",
            field=models.BigIntegerField(
                default=0,
                help_text="Objects inside rows (invoice lines, subscription items) loaded.",
            ),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="rows_skipped",
            field=models.BigIntegerField(
                default=0, help_text="Rows read but not kept, e.g. exact repeats of an earlier row."
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="rows_total",
            field=models.BigIntegerField(
                default=0,
                help_text="Rows the analytics store holds from this source (embedded objects included), as of its last sync.",
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="status",
            field=models.CharField(
                choices=[
                    ("new", "Not synced yet"),
                    ("running", "Syncing"),
                    ("succeeded", "Succeeded"),
                    ("partly_loaded", "Partly loaded"),
                    ("rejected", "Rejected"),
                    ("failed", "Failed"),
                    ("skipped", "Skipped"),
                ],
                default="new",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="rows_in",
            field=models.BigIntegerField(default=0, help_text="Rows read."),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("partly_loaded", "Partly loaded"),
                    ("rejected", "Rejected"),
                    ("failed", "Failed"),
                    ("skipped", "Skipped"),
                ],
                default="running",
                max_length=20,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
