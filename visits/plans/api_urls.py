from django.urls import path
from rest_framework.routers import SimpleRouter

from visits.plans.api import PlanAgainstVisitsView, PlanDayView, PlanStopViewSet

router = SimpleRouter(use_regex_path=False)
router.register("plans/stops", PlanStopViewSet, basename="plan_stop")

urlpatterns = [
    path("plans/salespeople/<int:salesperson_pk>/day/", PlanDayView.as_view(), name="plan_day"),
    path("plans/versus/", PlanAgainstVisitsView.as_view(), name="plan_versus"),
    *router.urls,
]
