# See hematoportal/formats/__init__.py: the same pattern in every language; the month
# abbreviation is translated ("7 Dec 2026", "7 Dic 2026", "7 Déc 2026").
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
# Grouped numbers (`floatformat:"0g"`, e.g. a platelet estimate) in the Indian system, as labs in
# India print them: 2,14,000. Django's own Hindi formats set no grouping.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
