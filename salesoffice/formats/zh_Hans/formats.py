from django.conf.locale.zh_Hans.formats import *  # noqa: F403 (Django's input formats and the rest stay)

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATETIME_FORMAT = "Y-m-d H:i:s"
