"""ground_truths: reference gene networks as clean, directed edge tables of HGNC symbols."""
