"""The site's URLs plus the baseline of bench/hosted_assertion.py: the least a Django view can
do for a hosted badge (read one row by its unique key, return a little JSON)."""

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from insignia.awards.models import Award


def bare_award(request: HttpRequest, public_id: str) -> JsonResponse:
    try:
        award = Award.objects.get(public_id=public_id)
    except Award.DoesNotExist:
        raise Http404 from None
    return JsonResponse(
        {
            "id": award.public_id,
            "name": award.recipient_name,
            "issuedOn": award.issued_on.isoformat(),
        }
    )


urlpatterns = [path("bench/bare/<str:public_id>", bare_award), *site_urlpatterns]
