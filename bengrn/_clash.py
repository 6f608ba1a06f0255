"""bengrn's import-time folder-clash check: runs :mod:`grnndata._clash` (which checks both folders) as a plain file.

Running the file instead of importing ``grnndata._clash`` keeps ``import bengrn`` from importing grnndata (and
anndata) just for this check, and still works when the ``grnndata`` found first is another distribution's.
"""
import importlib.util
import os
import runpy

_spec = importlib.util.find_spec("grnndata")  # locates the package without executing it
_check = os.path.join(os.path.dirname(_spec.origin), "_clash.py") if _spec and _spec.origin else ""
if not os.path.isfile(_check):
    raise ImportError("bengrn: the 'grnndata' package found on sys.path is not this suite's (another distribution, "
                      "e.g. GRnnData 1.3.2, provides it). Fix: pip uninstall grnndata bengrn, then reinstall this "
                      "suite (pip install --force-reinstall grnsuite, or pip install -e . in a checkout).")
runpy.run_path(_check)
