"""Where the data of ``ground_truths`` comes from and where it is kept: fetch, cache, mirror, package data.

- :mod:`.files`: the one atomic-write and hashing helper of ``ground_truths`` (it may not import grnndata);
- :mod:`.download`: checksum-verified, retried, resumable downloads reporting progress to a callback;
- :mod:`.mirror`: :class:`Resource` (one upstream file) and :func:`resolve` (mirror, shipped copy, cached download
  or a fresh download);
- :mod:`.cache`: the on-disk cache of normalised truth tables;
- :mod:`.package_data`: files shipped inside ``ground_truths/data``.
"""
from __future__ import annotations

from .cache import cache_dir, set_cache_dir
from .download import ChecksumError, DownloadError
from .files import atomic_path, atomic_write_bytes, bytes_hash, file_hash, parse_checksum
from .mirror import MissingDataError, Resource, download_path, local_root, locate, resolve
from .package_data import package_file

__all__ = [
    "ChecksumError", "DownloadError", "MissingDataError", "Resource", "atomic_path", "atomic_write_bytes", "bytes_hash",
    "cache_dir", "download_path", "file_hash", "local_root", "locate", "package_file", "parse_checksum",
    "resolve", "set_cache_dir",
]
