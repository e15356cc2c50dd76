from rest_framework.routers import SimpleRouter

from visits.key_accounts.api import JointVisitRequestViewSet, KeyAccountEntryViewSet

router = SimpleRouter(use_regex_path=False)
router.register("key-accounts/joint-visits", JointVisitRequestViewSet, basename="joint_visit_request")
router.register("key-accounts", KeyAccountEntryViewSet, basename="key_account_entry")

urlpatterns = router.urls
