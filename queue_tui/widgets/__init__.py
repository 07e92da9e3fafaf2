"""Widgets that receive their data as reactive attributes and never reach into siblings."""
