"""Rich progress bars drawn from the runner's progress events (the library itself never draws)."""
from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, \
    TimeElapsedColumn

from bengrn.cli.app import console

__all__ = ["ProgressBars"]


class ProgressBars:
    """One bar for the grid of (method, truth, cell type) cells, one line per running inference.

    Use as a context manager and pass the instance as the runner's ``callback``.
    """

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console(stderr=True),
            transient=False,
        )
        self.grid: TaskID | None = None
        self.current: TaskID | None = None

    def __enter__(self) -> "ProgressBars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, event: str, info: dict) -> None:
        p = self.progress
        if event == "plan":
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
