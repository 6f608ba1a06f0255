"""Rich progress bars drawn from the library's progress events (the library itself never draws)."""
from __future__ import annotations

from rich.console import Group
from rich.live import Live
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, \
    TextColumn, TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn

from bengrn.cli.app import console

__all__ = ["ProgressBars"]


class ProgressBars:
    """One bar for the grid of (method or network, truth, cell type) cells, one line per running inference, and one
    byte bar per download (``ground_truths``' ``"download"`` events: ``url``, ``done``, ``total``).

    Use as a context manager and pass the instance as the ``callback`` / ``progress`` of the runner, of
    :func:`bengrn.benchmark` or of ``ground_truths.fetch`` / ``load``.
    """

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        )
        self.transfers = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        self.live = Live(Group(self.transfers, self.progress), console=console(stderr=True), refresh_per_second=8)
        self.grid: TaskID | None = None
        self.current: TaskID | None = None
        self.downloads: dict[str, TaskID] = {}

    def __enter__(self) -> "ProgressBars":
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)

    def _download(self, info: dict) -> None:
        url = str(info.get("url", "download"))
        total = info.get("total") or None  # 0 = the server did not say
        if url not in self.downloads:
            self.downloads[url] = self.transfers.add_task(f"  download {url.rsplit('/', 1)[-1][:40]}", total=total)
        self.transfers.update(self.downloads[url], completed=info.get("done", 0), total=total)

    def __call__(self, event: str, info: dict) -> None:
        p = self.progress
        if event == "download":
            self._download(info)
        elif event == "subset" and "total" in info:  # a dataset subset once after its download (K562 controls)
            p.add_task(f"  cells kept: {info.get('done', 0):,} of", total=info["total"], completed=info["total"])
        elif event == "plan":
            self.grid = p.add_task("benchmark grid", total=info["total"])
        elif event == "infer_start":
            ct = "" if info.get("celltype") is None else f" / {info['celltype']}"
            self.current = p.add_task(f"  {info['method']} on {info['dataset']}{ct}", total=1)
        elif event == "method_progress" and self.current is not None and "total" in info:
            p.update(self.current, total=info["total"], completed=info.get("done", 0))
        elif event == "infer_end" and self.current is not None:
            task = p.tasks[self.current]
            suffix = " (reused)" if info.get("reused") else ""
            p.update(self.current, completed=task.total, description=task.description + suffix)
            self.current = None
        elif event == "cell_done" and self.grid is not None:
            p.advance(self.grid)
