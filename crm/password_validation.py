"""Password validators that speak the user's language.

Django 5.2 reworded the minimum-length message ("%d") and its zh_Hans catalogue only
translates the previous wording ("%(min_length)d"), so a short password was refused in
English. This validator keeps the translated wording.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
