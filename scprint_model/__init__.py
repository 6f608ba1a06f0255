"""scprint_model: a scPRINT-style transformer, attention-based gene networks, and baseline inference methods."""
