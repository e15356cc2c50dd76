"""Request parsers of the API (DRF imports these from the settings, so they import nothing of the API's views)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, stricter: every operation of this API takes a JSON object, so a list, a string or a
    number as the whole body is a 400 (views read ``request.data.get``); so is a body nested too deep for
    Python's parser (``[[[[…``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - the body is nested too deeply.")) from None
        if not isinstance(data, dict):
            raise exceptions.ParseError(_("The body must be a JSON object."))
        return data
