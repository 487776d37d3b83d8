"""Sign-in throttling on django-axes: per email and address, and per address alone.

Axes compares one failure limit with every lockout parameter. An address-wide limit as low as
the per-email one would lock a whole office behind one NAT out after a few typos; one as high
would let a single account's password be guessed for longer. So axes keeps the per-email and
address lockout, and the address-wide count gets its own, higher limit here.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or with ``GREENROOM_PROXY_COUNT`` proxies in
    front, the X-Forwarded-For entry that the outermost of them added."""
    remote = request.META.get("REMOTE_ADDR", "")
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [entry for entry in entries if entry]
    if settings.PROXY_COUNT == 0 or not entries:
        return remote
    # Each proxy appends the address it was reached from, so only the last PROXY_COUNT
    # entries are trustworthy: anything left of them the client may have made up.
    return entries[-min(settings.PROXY_COUNT, len(entries))]


class AddressThrottlingHandler(AxesDatabaseHandler):
    """Axes' database handler that also refuses an address after many failures, whatever the
    emails tried (``GREENROOM_LOGIN_ADDRESS_FAILURE_LIMIT`` within the cool-off time)."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or _address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes flags a lockout only by its own count; flagged, the member sees the lockout
        # page instead of "wrong password" for a password that may be right.
        if request is not None and _address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials


def _address_locked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address within the cool-off time, for any email."""
    attempts = AccessAttempt.objects.filter(
        ip_address=getattr(request, "axes_ip_address", None),
        attempt_time__gte=get_cool_off_threshold(request),
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
