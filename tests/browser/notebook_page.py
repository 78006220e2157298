"""Drive one notebook in JupyterLab through the UI a student uses: menus, clicks, the keyboard.

Everything here goes through what is on the screen (menu items, prompts, widgets); nothing calls
JupyterLab's internals, so a test that passes means a student could do the same.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]

# Prompt state of every code cell: "[12]:" ran, "[*]:" running or queued, "[ ]:" never ran.
_PROMPTS_JS = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell'))
    .map(cell => (cell.querySelector('.jp-InputPrompt') || {}).textContent || '')"""


def launch_chromium(playwright):
    """Debian's chromium, never a downloaded browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


class NotebookPage:
    """One JupyterLab tab with one notebook open."""

    def __init__(self, page, server, path: str, artifacts: Path):
        self.page, self.server, self.path, self.artifacts = page, server, path, artifacts

    # --- opening and waiting ------------------------------------------------------------------
    def open(self, timeout_s: float = 120) -> "NotebookPage":
        workspace = "test-" + Path(self.path).stem.lower().replace("_", "-") + f"-{time.time_ns()}"
        self.page.goto(self.server.url(self.path, workspace=workspace), wait_until="domcontentloaded")
        try:
            self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_s * 1000)
        except Exception:
            self.screenshot("timeout-open-" + Path(self.path).stem)
            raise
        self.wait_for_kernel_idle(timeout_s)
        return self

    def kernel_status(self) -> str:
        """The status bar's kernel state: 'Idle', 'Busy', 'Starting', 'Connecting', ..."""
        text = self.page.locator("#jp-main-statusbar").inner_text()
        for state in ("Idle", "Busy", "Starting", "Connecting", "Restarting", "Unknown", "Dead", "No Kernel"):
            if state in text:
                return state
        return text

    def wait_for_kernel_idle(self, timeout_s: float = 120, settle_s: float = 1.0) -> None:
        deadline = time.monotonic() + timeout_s
        idle_since = None
        while time.monotonic() < deadline:
            if self.kernel_status() == "Idle":
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= settle_s:
                    return
            else:
                idle_since = None
            time.sleep(0.25)
        self.screenshot("timeout-kernel-idle")
        raise TimeoutError(f"{self.path}: kernel not idle after {timeout_s:.0f} s (status: {self.kernel_status()!r})")

    def prompts(self) -> list[str]:
        return self.page.evaluate(_PROMPTS_JS)

    def wait_for_cells_executed(self, count: int | None = None, timeout_s: float = 600) -> list[str]:
        """Wait until the first `count` code cells (all if None) show an execution number and nothing runs."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            prompts = self.prompts()
            wanted = prompts if count is None else prompts[:count]
            if wanted and all(p.strip("[]: ").isdigit() for p in wanted) and not any("*" in p for p in prompts):
                self.wait_for_kernel_idle(timeout_s=max(5.0, deadline - time.monotonic()))
                return prompts
            time.sleep(0.5)
        self.screenshot("timeout-execution")
        raise TimeoutError(f"{self.path}: cells still running after {timeout_s:.0f} s: {self.prompts()}")

    # --- actions a student takes ---------------------------------------------------------------
    def menu(self, top: str, item: str) -> None:
        """Click a main-menu entry, e.g. menu('Run', 'Run All Cells')."""
        self.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=top).first.click()
        entry = self.page.locator(".lm-Menu .lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel").get_by_text(item, exact=True)
        entry.first.click()

    def run_all(self, timeout_s: float = 600) -> list[str]:
        self.menu("Run", "Run All Cells")
        return self.wait_for_cells_executed(timeout_s=timeout_s)

    def run_all_above(self, code_cell_index: int, timeout_s: float = 600) -> list[str]:
        """Select the code cell with this index and use 'Run All Above Selected Cell'."""
        cell = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell").nth(code_cell_index)
        cell.locator(".jp-InputPrompt").click()
        self.menu("Run", "Run All Above Selected Cell")
        return self.wait_for_cells_executed(count=code_cell_index, timeout_s=timeout_s)

    def save(self, timeout_s: float = 30) -> dict:
        """Ctrl+S, wait until the file on disk is written, and return the saved notebook JSON."""
        file = self.server.root_dir / self.path
        before = file.stat().st_mtime_ns
        self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").click(position={"x": 5, "y": 5})
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("Control+s")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if file.stat().st_mtime_ns != before:
                time.sleep(0.5)   # let the write finish
                return json.loads(file.read_text(encoding="utf-8"))
            time.sleep(0.25)
        self.screenshot("timeout-save")
        raise TimeoutError(f"{self.path}: not saved within {timeout_s:.0f} s")

    # --- what is on the screen -----------------------------------------------------------------
    def screenshot(self, name: str, full_page: bool = False) -> Path:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def element_screenshot(self, selector: str, name: str) -> Path:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{name}.png"
        element = self.page.locator(selector).first
        element.scroll_into_view_if_needed()
        element.screenshot(path=str(path))
        return path

    def output_images(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img")

    def error_texts_on_screen(self) -> list[str]:
        """Rendered tracebacks (error outputs render as stderr with a traceback)."""
        texts = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
        return [t for t in texts if "Traceback" in t or "Error" in t.splitlines()[0:1][0:1] or "---------" in t]


def error_outputs(notebook: dict, cell_indices=None) -> list[str]:
    """'ename: evalue' of every error output in a saved notebook (optionally only some code cells)."""
    errors = []
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for i, cell in enumerate(code_cells):
        if cell_indices is not None and i not in cell_indices:
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"code cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return errors
