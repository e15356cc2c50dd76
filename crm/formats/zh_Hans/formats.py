# Money reads with comma groups of three in Chinese business documents (¥40,000.00);
# Django's default for zh-Hans has no separator.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
