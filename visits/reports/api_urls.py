from rest_framework.routers import SimpleRouter

from visits.reports.api import DailyReportViewSet

router = SimpleRouter(use_regex_path=False)
router.register("daily-reports", DailyReportViewSet, basename="daily_report")

urlpatterns = router.urls
