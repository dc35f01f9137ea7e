"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): categories as services, cases as
service requests, JSON and XML. Filed requests enter the same workflow as every other report."""
