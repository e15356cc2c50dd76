from rest_framework.routers import SimpleRouter

from accounts.service_tools.api import PolicyCheckupViewSet, ProductViewSet, QuoteViewSet

router = SimpleRouter(use_regex_path=False)
router.register("products", ProductViewSet, basename="product")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("policy-checkups", PolicyCheckupViewSet, basename="policy-checkup")

urlpatterns = router.urls
