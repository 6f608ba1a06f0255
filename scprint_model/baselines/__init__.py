"""Baseline network inference methods (GENIE3, DeepSEM, controls)."""
