"""normalise_phone's shortcut for 11-digit Chinese mobiles gives what the full parser gives."""

import phonenumbers
import pytest
from phonenumber_field.phonenumber import to_python

from crm.phones import E164, normalise_phone


def _parsed(text: str) -> str:
    number = to_python(text, region="CN")
    return number.as_e164 if number is not None and number.is_valid() else ""


@pytest.mark.parametrize("prefix", [f"{n}" for n in range(130, 200)])
def test_the_mobile_shortcut_agrees_with_the_parser(prefix, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "CN"
    for middle in range(0, 100, 7):
        text = f"{prefix}{middle:02d}{middle * 7919 % 1000000:06d}"
        assert normalise_phone(text) == _parsed(text), text


def test_the_shortcut_answers_a_stored_number_and_refuses_an_invalid_one(settings):
    settings.PHONENUMBER_DEFAULT_REGION = "CN"
    assert normalise_phone(" 17700000001 ") == "+8617700000001"
    assert isinstance(normalise_phone("17700000001"), E164)
    assert normalise_phone("19200000000") == _parsed("19200000000")
    assert phonenumbers.parse("+8617916003559").country_code == 86
    assert normalise_phone("17916003559") == ""  # a carrier prefix: left to the parser, which refuses it
