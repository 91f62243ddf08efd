"""The bottom layer: what every other layer may use and which uses no model."""
