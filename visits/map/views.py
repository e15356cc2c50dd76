"""The map pages: the customer map (with the pin that can be moved) and a salesperson's day on the map.

The pages draw on the tiles of settings.CRM["MAP_TILES"]; positions leave the server in the tiles' datum
and a dragged pin comes back in it (crm.coordinates, one module both ways).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.customers.filters import CustomerFilter
from accounts.customers.selectors import customer_rows_for_list, customers_for_list
from accounts.customers.services import PIN_NOT_VALID, place_customer_pin
from crm.coordinates import WGS84, InvalidPosition, from_wgs84, parse_position, to_wgs84
from crm.dates import local_today
from crm.errors import ApplicationError, NotFound
from crm.htmx import refusal_message
from crm.map_tiles import TileSource, tile_source
from crm.models import User
from crm.params import BadParameter, date_param, id_param
from crm.permissions import role_required
from visits.map.params import bbox_param, limit_param
from visits.map.selectors import BoundingBox, customer_map, day_track, trackable_salespeople
from visits.map.serializers import customer_features, point_geometry, track_features
from visits.selectors import intent_choices

Role = User.Role
MAP_ROLES = (Role.SALESPERSON, Role.MANAGER, Role.ADMIN)
# Parameters of the map itself, not filters of the customer list.
MAP_PARAMETERS = ("bbox", "limit", "page")


def current_tiles() -> TileSource:
    crm = settings.CRM
    return tile_source(crm["MAP_TILES"], tile_url=crm["MAP_TILE_URL"], tianditu_key=crm["MAP_TIANDITU_KEY"])


def _map_config(tiles: TileSource) -> dict:
    latitude, longitude = settings.CRM["MAP_CENTER"]
    center_lat, center_lng = from_wgs84(latitude, longitude, datum=tiles.datum)
    return {"tiles": tiles.as_leaflet(), "center": [center_lat, center_lng], "zoom": settings.CRM["MAP_ZOOM"]}


def _map_text() -> dict[str, str]:
    """The words the page's script shows, in the user's language."""
    return {
        "loading": _("Loading the customers…"),
        "loadFailed": _("The customers could not be loaded. Reload the page to try again."),
        "tilesFailed": _("The map background could not be loaded: the customers are shown on a plain background."),
        "intent": _("Intent"),
        "notRated": _("Not rated"),
        "lastVisit": _("Last visit"),
        "notVisited": _("not visited yet"),
        "address": _("Address"),
        "open": _("Open the customer"),
        "logVisit": _("Log a visit"),
        "movePin": _("Move the pin"),
        "plan": _("Plan"),
        "planFailed": _("The visit could not be planned: no connection. Try again."),
        "savePin": _("Save the position"),
        "cancel": _("Cancel"),
        "close": _("Close"),
        "dragHint": _("Drag the pin to where the customer is, then save."),
        "saving": _("Saving…"),
        "saveFailed": _("The position could not be saved. Try again."),
        "stop": _("Check-in %(number)s"),
    }


def _filterset(request: HttpRequest) -> CustomerFilter:
    """The customer list's own filters over the customer list's own selection: the map shows what the list would."""
    return CustomerFilter(request.GET or None, queryset=customers_for_list(user=request.user), request=request)


def _list_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for name in (*MAP_PARAMETERS, "located"):
        query.pop(name, None)
    return query.urlencode()


@require_GET
@role_required(*MAP_ROLES)
def customer_map_page(request: HttpRequest) -> HttpResponse:
    """The customers the person sees, on a map, with the customer list's filters. The markers come from
    ``customer_features`` (a second request, repeated for the part on screen when there are many)."""
    filterset = _filterset(request)
    query = _list_query(request)
    tiles = current_tiles()
    config = {
        **_map_config(tiles),
        "featuresUrl": reverse("map:customer_features") + (f"?{query}" if query else ""),
        "pinUrl": reverse("map:customer_pin", kwargs={"pk": 0}),
        "visitUrl": reverse("visits:visit_create") if request.user.is_salesperson else None,
        # A salesperson plans visits from the card, for the day chosen above the map (visits.plans).
        "planUrl": reverse("plans:add") if request.user.is_salesperson else None,
        "intentLabels": dict(intent_choices()),
    }
    return render(
        request,
        "map/customer_map.html",
        {"filter": filterset, "query": query, "map_config": config, "map_text": _map_text(), "tiles": tiles},
    )


def _bbox_in_wgs84(bbox: BoundingBox, *, datum: str) -> BoundingBox:
    """The box on screen, drawn in the tiles' datum, in WGS-84 as positions are stored: each corner brought
    back (the shift changes by a few metres across a screen, less than a marker's width)."""
    if datum == WGS84:
        return bbox
    south, west = to_wgs84(bbox.south, bbox.west, datum=datum)
    north, east = to_wgs84(bbox.north, bbox.east, datum=datum)
    return BoundingBox(west=min(west, east), south=min(south, north), east=max(west, east), north=max(south, north))


@require_GET
@role_required(*MAP_ROLES)
def customer_features_for_page(request: HttpRequest) -> JsonResponse:
    """The page's markers, in the datum of its tiles, with the sentences the page shows about them."""
    tiles = current_tiles()
    try:
        bbox, limit = bbox_param(request.GET), limit_param(request.GET)
    except BadParameter as error:
        return JsonResponse({"detail": str(error.message)}, status=400)
    if bbox is not None:
        bbox = _bbox_in_wgs84(bbox, datum=tiles.datum)
    rows = _filterset(request).rows_of(customer_rows_for_list())
    result = customer_map(rows=rows, user=request.user, bbox=bbox, limit=limit)
    collection = customer_features(result, viewer=request.user, datum=tiles.datum)
    collection["messages"] = {
        "shown": ngettext("%(count)d customer on the map.", "%(count)d customers on the map.", len(result.points))
        % {"count": len(result.points)},
        "without_position": ngettext(
            "%(count)d customer has no position yet.",
            "%(count)d customers have no position yet.",
            result.without_position,
        )
        % {"count": result.without_position}
        if result.without_position
        else "",
        "truncated": _("Only the first %(limit)d are shown: zoom in or filter to see the rest.") % {"limit": limit}
        if result.truncated
        else "",
    }
    query = _list_query(request)
    collection["without_position_url"] = (
        reverse("accounts:customer_list") + f"?{query}{'&' if query else ''}located=false"
    )
    return JsonResponse(collection)


@role_required(*MAP_ROLES)
@require_POST
def customer_pin(request: HttpRequest, pk: int) -> JsonResponse:
    """Save a pin dropped on the page's tiles: read in their datum, stored in WGS-84 by place_customer_pin."""
    tiles = current_tiles()
    try:
        latitude, longitude = parse_position(request.POST.get("latitude"), request.POST.get("longitude"))
    except InvalidPosition:
        return JsonResponse({"detail": str(PIN_NOT_VALID)}, status=400)
    wgs_latitude, wgs_longitude = to_wgs84(float(latitude), float(longitude), datum=tiles.datum)
    try:
        customer = place_customer_pin(customer_id=pk, latitude=wgs_latitude, longitude=wgs_longitude, by=request.user)
    except ValidationError as error:
        return JsonResponse({"detail": refusal_message(error)}, status=400)
    except NotFound as error:
        return JsonResponse({"detail": str(error.message)}, status=404)
    except ApplicationError as error:  # PinNotPermitted: the customer is seen, not held
        return JsonResponse({"detail": str(error.message)}, status=403)
    return JsonResponse(
        {
            "id": customer.pk,
            "geometry": point_geometry(customer.latitude, customer.longitude, datum=tiles.datum),
            "message": _("The pin of %(customer)s is saved.") % {"customer": customer.unit_name},
        }
    )


@require_GET
@role_required(*MAP_ROLES)
def track_page(request: HttpRequest) -> HttpResponse:
    """A salesperson's check-ins of one day on the map, in time order, with the review's flags. A manager
    picks a person of their teams (the first by default), the admin anyone, a salesperson sees their own.
    Someone else's: 404."""
    people = list(trackable_salespeople(viewer=request.user))
    chosen = id_param(request.GET, "salesperson")
    if chosen is None and people:
        chosen = request.user.pk if request.user.is_salesperson else people[0].pk
    day = date_param(request.GET, "day", default=local_today())
    assert day is not None  # a default is given
    track = day_track(viewer=request.user, salesperson_id=chosen, day=day) if chosen is not None else None
    tiles = current_tiles()
    config = {**_map_config(tiles), "track": track_features(track, datum=tiles.datum) if track else None}
    return render(
        request,
        "map/track.html",
        {"people": people, "track": track, "day": day, "map_config": config, "map_text": _map_text(), "tiles": tiles},
    )
