"""One module per upstream source; importing this package registers every built-in truth."""
from . import beeline, cellmap, collectri, dorothea, gwps, interactome, k562, mccalla, omnipath, roylab  # noqa: F401
