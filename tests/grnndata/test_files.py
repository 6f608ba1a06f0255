"""grnndata._files: the one content hash of a matrix (canonical CSR) used for the runner's and scorer's fingerprints."""
from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp

from grnndata._files import matrix_sha256


def test_matrix_hash_is_the_canonical_csr_content():
    dense = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, 0.0], [0.0, 0.0, 3.0]], dtype=np.float32)
    # independent: the documented byte layout, written out by hand
    indptr, indices, data = [0, 1, 2, 3], [1, 0, 2], [2.0, 1.5, 3.0]
    want = hashlib.sha256(b"".join([
        b"a\x1fb\x1fc\x1e", np.array([3, 3], np.int64).tobytes(), np.array(indptr, np.int64).tobytes(),
        np.array(indices, np.int64).tobytes(), np.array(data, np.float32).tobytes()])).hexdigest()
    assert matrix_sha256(dense, ["a", "b", "c"], dtype=np.float32) == want
    # the same content, as COO with a duplicate split in two, an explicit zero and unsorted entries
    coo = sp.coo_matrix(([3.0, 0.0, 1.0, 1.0, 0.5], ([2, 0, 0, 1, 1], [2, 0, 1, 0, 0])), shape=(3, 3))
    coo.data[2] = 2.0
    assert matrix_sha256(coo, ["a", "b", "c"], dtype=np.float32) == want
    assert matrix_sha256(dense, ["a", "b", "x"], dtype=np.float32) != want  # names count
    assert matrix_sha256(dense.T, ["a", "b", "c"], dtype=np.float32) != want  # orientation counts
