"""One unambiguous date format per language (settings.FORMAT_MODULE_PATH).

Day, abbreviated month name and four-digit year, then the 24-hour time and the time zone:
"7 Dec 2026, 10:33 UTC". A month name cannot be mistaken for a day, as in 12/07/2026. Every
template shows dates with `|date` (DATE_FORMAT) or `|date:"DATETIME_FORMAT"`; files meant for
machines (CSV, FHIR, the API) keep ISO 8601.
"""
