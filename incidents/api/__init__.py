"""The incident REST API (DESIGN §6): serializers, views, filters, reference data, URLs."""
