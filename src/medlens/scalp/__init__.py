"""Scalp self-check helpers: synthetic graded textures (pipeline proof) and the scalp-type rule table."""
