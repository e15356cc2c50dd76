from __future__ import annotations

from django import forms

from campaigns.partners.models import Partner
from crm.models import User


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "kind", "contact_name", "phone", "address", "salesperson", "materials"]
        widgets = {"materials": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = User.objects.filter(role=User.Role.SALESPERSON, is_active=True).order_by(
            "last_name", "first_name", "id"
        )
