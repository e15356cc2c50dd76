from rest_framework.routers import SimpleRouter

from crm.approvals.api import ApprovalViewSet

router = SimpleRouter(use_regex_path=False)
router.register("approvals", ApprovalViewSet, basename="approval")

urlpatterns = router.urls
