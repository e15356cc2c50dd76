from rest_framework.routers import SimpleRouter

from accounts.deals.api import DealViewSet, LedgerEntryViewSet, PaymentViewSet

router = SimpleRouter(use_regex_path=False)
router.register("deals", DealViewSet, basename="deal")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns = router.urls
