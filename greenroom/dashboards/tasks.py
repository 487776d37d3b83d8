"""Background work of the dashboards: writing a board pack, and the weekly digest."""

from django.utils import timezone
from huey import crontab

from greenroom.dashboards import services
from greenroom.dashboards.models import BoardPack
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job


@job(name="dashboards.write_board_pack", retries=1, lock="arguments")
def write_board_pack(*, workspace_id: int, pack_id: int) -> str:
    """Write one board pack's PowerPoint and PDF, its progress on the pack's row."""
    pack = BoardPack.objects.for_workspace(workspace_id).get(pk=pack_id)
    pack = services.board_pack_write(pack=pack)
    if pack.status == BoardPack.Status.NO_DATA:
        return JobStatus.SKIPPED
    return f"Board pack {pack.quarter} written"


# Mondays at 07:00 UTC.
@job(
    name="dashboards.send_digests",
    retries=2,
    periodic=crontab(day_of_week="1", hour="7", minute="0"),
)
def send_digests() -> str:
    """Weekly: email subscribers their digest of headline figures and new insights."""
    sent = services.digests_send(now=timezone.now())
    return f"{sent} digests sent" if sent else JobStatus.SKIPPED
