"""crm.forms.LongSelect writes, in Python, the HTML Django's select template writes: character for character.

The customer list's filters (every salesperson, every territory) use it because Django's per-option
template includes cost more than the page's SQL (issue #24); the page must not change for anyone.
"""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from crm.forms import LongSelect
from crm.models import User

CHOICES = [
    ("", "---------"),
    (1, "一组 <b>&amp; \"quoted\" 'single'"),
    ("two", _("Status")),
    (3, 1234567),
    ("safe", mark_safe("<em>kept</em>")),
    (
        "Group <1>",
        [("g1", "first in group"), ("g2", "second in group")],
    ),
    ("after", "after the group"),
]


@pytest.mark.parametrize("value", [None, "", 1, "two", "g2", ["two"], "not a choice"])
@pytest.mark.parametrize("attrs", [None, {"class": "form-select", "required": True, "disabled": False}])
def test_the_same_html_as_djangos_select(value, attrs):
    for language in ("en", "zh-hans"):
        with override(language):
            expected = forms.Select(choices=CHOICES, attrs=attrs).render("owner", value, attrs={"id": "id_owner"})
            written = LongSelect(choices=CHOICES, attrs=attrs).render("owner", value, attrs={"id": "id_owner"})

            assert written == expected
            assert written.count("<option") == 8


def test_the_same_html_for_a_model_choice_field_bound_in_a_form(people):
    class OwnerForm(forms.Form):
        owner = forms.ModelChoiceField(queryset=User.objects.order_by("username"), required=False)
        fast_owner = forms.ModelChoiceField(
            queryset=User.objects.order_by("username"), required=False, widget=LongSelect
        )

    form = OwnerForm({"owner": people.sales2.pk, "fast_owner": people.sales2.pk})

    expected = str(form["owner"]).replace("owner", "fast_owner")
    written = str(form["fast_owner"])
    assert written == expected.replace("fast_fast_owner", "fast_owner")
    assert f'<option value="{people.sales2.pk}" selected>' in written
    assert written.count("<option") == User.objects.count() + 1
