"""The read-only content API at the origin (Wagtail's API v2): published content only."""
