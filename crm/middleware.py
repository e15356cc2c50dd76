from django.contrib.auth.middleware import LoginRequiredMiddleware


class PageLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login, except the API, which authenticates inside DRF.

    DRF resolves token authentication in the view, after middleware, so the API cannot be
    judged here; its default permission (IsAuthenticated) answers 401/403 instead of a redirect.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
