"""Tests of the reports app: KPIs, scopes, the KPI API."""
