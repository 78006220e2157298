"""Does the notebook's displayed image of a figure show the lines its exported data claims?

The kernel that exports a figure's data (snapshot.py) runs the student's code, so the data can be
forged: a figure can *show* flat lines while its export claims the real histories. What the
notebook displays is what a reader sees, so the verifier checks each exported line against the
images (image/png outputs) the graded notebook showed before the test cell:

- geometry: the grading kernel's inline backend saves whole canvases (snapshot.FULL_CANVAS), so an
  image is the figure at some pixels-per-inch: the image's size must have the exported figure's
  aspect, and its width gives the scale (an image cropped to the tight bounding box, the inline
  default, is placed by redrawing the figure's texts here and searching a few pixels around). Each data point is mapped to a pixel *here*, from the
  exported axes position (figure fraction), limits and scales, with matplotlib's own transforms;
- a line is seen when, at enough points sampled along it (MIN_FRACTION: dashed lines and markers
  leave gaps), a pixel within a few pixels has its colour over the axes' background (taken from
  the image, antialiased pixels count), or a line drawn later over it is seen there;
- forged limits: the lines of a panel, mapped to pixels, must span a fair part of its height
  (MIN_SPAN): limits of +-1e6 that squeeze real curves onto a flat line's row do not pass.

A figure's verdict is per line (`check_figure`): a graded curve must be seen in one image that
shows the figure; lines nothing grades (axvline markers, say) are never held against a student.
Nothing here raises on strange data: it becomes a reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

MIN_FRACTION = 0.6           # of a line's sampled points that must be seen
MIN_SPAN = 0.08              # of the panel's height the (non-constant) lines must span, in pixels
STEP_PX = 2.0                # sampling step along a line, in image pixels
MAX_SAMPLES = 600            # per line
COLOR_TOL = 48.0             # distance (0..255 RGB) of a pixel from the background-to-colour blend
MIN_CONTRAST = 40.0          # a line whose colour is this close to the background cannot be seen
ASPECT_PX = 2.5              # pixels an image's height may differ from the figure's aspect
NO_LINESTYLE = ("None", "none", "", " ")


def decode_png(data: bytes) -> np.ndarray:
    """An (H, W, 3) uint8 array of a PNG, transparency flattened over white."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float64)
    alpha = rgba[..., 3:4] / 255.0
    rgb = rgba[..., :3] * alpha + 255.0 * (1 - alpha)
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def canvas_scale(size_inches, image_shape) -> float | None:
    """Pixels per inch when the image is the whole figure (its aspect), else None."""
    try:
        w_in, h_in = (float(v) for v in size_inches)
    except (TypeError, ValueError):
        return None
    h, w = image_shape[:2]
    if not (w_in > 0 and h_in > 0 and w > 0):
        return None
    scale = w / w_in
    return scale if abs(h - h_in * scale) <= ASPECT_PX else None


def _add_panel(fig, spec: dict):
    """An empty panel on `fig` where the exported one was: position, scales and limits."""
    ax = fig.add_axes([float(v) for v in spec["position"]])
    for setter, name in ((ax.set_xscale, "xscale"), (ax.set_yscale, "yscale")):
        try:
            setter(spec.get(name) or "linear")
        except ValueError:
            pass
    ax.set_xlim(*[float(v) for v in spec["xlim"]])
    ax.set_ylim(*[float(v) for v in spec["ylim"]])
    return ax


def axes_mapper(size_inches, scale: float, spec: dict):
    """f(xy (N, 2) data) -> (N, 2) pixel (column, row) floats in an image of the whole figure, from
    the exported panel position, limits and scales (NaN where the scale cannot map a value)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=[float(v) for v in size_inches], dpi=scale)
    ax = _add_panel(fig, spec)
    height = fig.bbox.height

    def to_pixels(xy: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            disp = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
        return np.column_stack([disp[:, 0], height - disp[:, 1]])

    x0, y0, x1, y1 = ax.bbox.extents
    box = (x0, height - y1, x1, height - y0)          # (left, top, right, bottom) in pixels
    return to_pixels, box


def samples(pixels: np.ndarray, along: bool, step: float = STEP_PX) -> np.ndarray:
    """Points to look at: the vertices, and (for a drawn line) points every `step` pixels between them."""
    pts = pixels[np.all(np.isfinite(pixels), axis=1)]
    if not along or len(pts) < 2:
        return pts
    out = [pts[:1]]
    for a, b in zip(pts[:-1], pts[1:]):
        n = int(min(np.ceil(np.hypot(*(b - a)) / step), 2000))
        if n > 0:
            t = (np.arange(1, n + 1) / n)[:, None]
            out.append(a + t * (b - a))
    pts = np.concatenate(out)
    if len(pts) > MAX_SAMPLES:
        pts = pts[np.linspace(0, len(pts) - 1, MAX_SAMPLES).round().astype(int)]
    return pts


def color_mask(image: np.ndarray, color_rgb, background_rgb, tol: float = COLOR_TOL) -> np.ndarray | None:
    """Pixels that are `color` over `background`, or an antialiased blend at least 40 % of the way
    there; None when the colour is too close to the background to be told apart."""
    c = np.asarray(color_rgb, dtype=float)
    b = np.asarray(background_rgb, dtype=float)
    d = c - b
    norm2 = float(d @ d)
    if norm2 < MIN_CONTRAST ** 2:
        return None
    p = image.astype(float) - b
    t = (p @ d) / norm2
    resid = np.linalg.norm(p - t[..., None] * d, axis=-1)
    return (t >= 0.4) & (t <= 1.25) & (resid <= tol)


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """True where `mask` is True within `radius` pixels (a square)."""
    out = mask.copy()
    h, w = mask.shape
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dx == 0 and dy == 0:
                continue
            src = mask[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
            out[max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)] |= src
    return out


def background(image: np.ndarray, box) -> np.ndarray:
    """The commonest colour inside a panel's box (its face colour as drawn)."""
    h, w = image.shape[:2]
    left, top, right, bottom = (int(round(v)) for v in box)
    left, right = max(0, min(left, w - 1)), max(1, min(right, w))
    top, bottom = max(0, min(top, h - 1)), max(1, min(bottom, h))
    region = image[top:bottom, left:right].reshape(-1, 3) if right > left and bottom > top else image.reshape(-1, 3)
    packed = (region[:, 0].astype(np.int64) << 16) | (region[:, 1].astype(np.int64) << 8) | region[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    v = int(values[np.argmax(counts)])
    return np.array([(v >> 16) & 255, (v >> 8) & 255, v & 255], dtype=float)


def _rgb(color) -> tuple | None:
    try:
        from matplotlib.colors import to_rgb

        return tuple(255.0 * v for v in to_rgb(tuple(color) if isinstance(color, list) else color))
    except (TypeError, ValueError):
        return None


def _line_xy(line: dict) -> np.ndarray:
    try:
        xy = np.asarray([(float(x), float(y)) for x, y in line["xy"]], dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        return np.zeros((0, 2))
    return xy


@dataclass
class ImageVerdict:
    seen: dict = field(default_factory=dict)       # (axes, line) -> None (seen) or why not
    score: int = 0                                 # lines seen


CROP_SEARCH_PX = 20          # how far from the predicted origin a cropped image's origin is looked for
CROP_PAD_INCHES = 0.1        # matplotlib's savefig.pad_inches (the inline backend's bbox_inches="tight")


def crop_origin(entry: dict, scale: float) -> tuple[float, float] | None:
    """Where a tight-cropped image of figure `entry` starts on its whole canvas (column, row), as
    matplotlib crops it: the figure redrawn here from its panels, titles and labels."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=[float(v) for v in entry["size"]], dpi=scale)
        FigureCanvasAgg(fig)
        for spec in entry.get("axes", []):
            ax = _add_panel(fig, spec)
            center, left, right = (spec.get("title") or ["", "", ""])[:3]
            ax.set_title(center)
            ax.set_title(left, loc="left")
            ax.set_title(right, loc="right")
            ax.set_xlabel(spec.get("xlabel", ""))
            ax.set_ylabel(spec.get("ylabel", ""))
        if entry.get("suptitle"):
            fig.suptitle(entry["suptitle"])
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        return ((box.x0 - CROP_PAD_INCHES) * scale, fig.bbox.height - (box.y1 + CROP_PAD_INCHES) * scale)
    except Exception:
        return None


def judge_image(entry: dict, image: np.ndarray, cropped: bool = True) -> ImageVerdict | str:
    """Every exported line of figure `entry` checked in one image: the verdict, or why the image
    cannot be this figure's. A whole-canvas image is read as it is; one cropped to the figure's tight
    bounding box (a notebook that changed the inline backend's settings) is placed on the canvas
    near where matplotlib would have cropped it, at the exported dpi (or twice it: retina) -- a
    search that costs seconds, so `cropped=False` skips it."""
    scale = canvas_scale(entry.get("size"), image.shape)
    if scale is not None:
        return _judge(entry, image, scale, [(0.0, 0.0)])
    if not cropped:
        return "the image does not have the figure's shape"
    best = None
    try:
        dpi = float(entry.get("dpi") or 0)
    except (TypeError, ValueError):
        dpi = 0.0
    for s in (dpi, 2 * dpi) if dpi > 0 else ():
        origin = crop_origin(entry, s)
        if origin is None:
            continue
        offsets = [(origin[0] + dx, origin[1] + dy) for dx in range(-CROP_SEARCH_PX, CROP_SEARCH_PX + 1)
                   for dy in range(-CROP_SEARCH_PX, CROP_SEARCH_PX + 1)]
        verdict = _judge(entry, image, s, offsets)
        if best is None or verdict.score > best.score:
            best = verdict
    if best is None or best.score == 0:
        return "the image is not the figure (neither its whole canvas nor a crop that shows its lines)"
    return best


def _judge(entry: dict, image: np.ndarray, scale: float, offsets: list[tuple[float, float]]) -> ImageVerdict:
    """The verdict with the image's top-left corner at the best of `offsets` (canvas pixels)."""
    h, w = image.shape[:2]
    verdict = ImageVerdict()
    panels = []                              # (axes index, [(line, samples, mask, radius)]) to look up
    for a, spec in enumerate(entry.get("axes", [])):
        lines = spec.get("lines", [])
        if not lines:
            continue
        try:
            to_pixels, box = axes_mapper(entry["size"], scale, spec)
        except Exception as exc:              # limits that are not numbers, say
            for i in range(len(lines)):
                verdict.seen[(a, i)] = f"its panel cannot be placed ({type(exc).__name__})"
            continue
        left, top, right, bottom = box
        ox, oy = offsets[len(offsets) // 2]
        bg = background(image, (left - ox, top - oy, right - ox, bottom - oy))
        radius = int(max(2, round(2.0 * scale / 72.0)))
        drawn = []                            # (index, samples in the panel, mask dilated, radius) in drawing order
        rows = []                             # every mapped point of the panel's lines, for the span
        constant = True
        for i, line in enumerate(lines):
            if not line.get("visible", True):
                verdict.seen[(a, i)] = "it is hidden"
                continue
            if not line.get("data_coords", False):
                verdict.seen[(a, i)] = "it is not drawn at its data coordinates"
                continue
            xy = _line_xy(line)
            finite = xy[np.all(np.isfinite(xy), axis=1)]
            if len(finite) and np.ptp(finite[:, 1]) > 0:
                constant = False
            color, style, marker, width = (line.get("style") or [None, "-", "None", 1.5])
            rgb = _rgb(color)
            px = to_pixels(xy) if len(xy) else np.zeros((0, 2))
            rows.extend(px[np.all(np.isfinite(px), axis=1), 1].tolist())
            pts = samples(px, along=style not in NO_LINESTYLE)
            inside = ((pts[:, 0] >= left - 0.5) & (pts[:, 0] <= right + 0.5) & (pts[:, 1] >= top - 0.5)
                      & (pts[:, 1] <= bottom + 0.5)) if len(pts) else np.zeros(0, bool)
            pts = pts[inside]
            try:
                lw_px = max(1.0, float(width or 1.0) * scale / 72.0)
            except (TypeError, ValueError):
                lw_px = 1.0
            mask = color_mask(image, rgb, bg) if rgb is not None else None
            if mask is None:
                verdict.seen[(a, i)] = "its colour cannot be told from the panel's background"
                continue
            if len(pts) == 0:
                verdict.seen[(a, i)] = "none of its points is inside its panel"
                continue
            r = radius + int(np.ceil(lw_px / 2))
            drawn.append((i, pts, dilate(mask, min(r, 8)), r))
        span = (max(rows) - min(rows)) if rows else 0.0
        if not constant and span < MIN_SPAN * (bottom - top):
            for i, *_ in drawn:
                verdict.seen[(a, i)] = (f"its panel's limits squeeze the curves into {span:.0f} pixels of "
                                        f"{bottom - top:.0f}")
            continue
        panels.append((a, drawn))

    def lookup(mask, pts, offset):
        cols = np.round(pts[:, 0] - offset[0]).astype(int)
        rws = np.round(pts[:, 1] - offset[1]).astype(int)
        ok = (cols >= 0) & (cols < w) & (rws >= 0) & (rws < h)
        hit = np.zeros(len(pts), bool)
        hit[ok] = mask[rws[ok], cols[ok]]
        return hit

    offset = offsets[0]
    if len(offsets) > 1:                      # the crop's origin: where the most points are seen
        scores = [sum(int(lookup(mask, pts, o).sum()) for _, drawn in panels for _, pts, mask, _ in drawn)
                  for o in offsets]
        offset = offsets[int(np.argmax(scores))]
    for a, drawn in panels:
        for k, (i, pts, mask, r) in enumerate(drawn):
            hit = lookup(mask, pts, offset)
            for j, later, later_mask, lr in drawn[k + 1:]:     # a line drawn over this one hides it
                if hit.all():
                    break
                near = np.min(np.hypot(pts[~hit, None, 0] - later[None, :, 0], pts[~hit, None, 1] - later[None, :, 1]),
                              axis=1) <= max(r, lr)
                covered = np.zeros_like(hit)
                covered[np.flatnonzero(~hit)[near]] = True
                hit |= covered & lookup(later_mask, pts, offset)
            fraction = float(hit.mean())
            if fraction >= MIN_FRACTION:
                verdict.seen[(a, i)] = None
                verdict.score += 1
            else:
                verdict.seen[(a, i)] = (f"its colour is at {fraction:.0%} of its points in the image "
                                        f"(needs {MIN_FRACTION:.0%})")
    return verdict


@dataclass
class FigureEvidence:
    unseen: dict = field(default_factory=dict)     # (axes, line) -> why the line does not count
    image: int | None = None                       # index of the image that shows the figure best
    problem: str = ""                              # why no image shows it (when none does)


def _describe(entry: dict, key) -> str:
    a, i = key
    try:
        label = entry["axes"][a]["lines"][i].get("label", "")
    except (IndexError, KeyError):
        label = ""
    name = f"line {label!r}" if label and not label.startswith("_") else f"line {i + 1}"
    return f"{name} of panel {a + 1}"


def check_figure(entry: dict, images: list[bytes]) -> FigureEvidence:
    """Which exported lines of figure `entry` the best of `images` (PNG bytes) shows, and why the others do not count."""
    keys = [(a, i) for a, spec in enumerate(entry.get("axes", [])) for i in range(len(spec.get("lines", [])))]
    if not images:
        reason = "the notebook did not display it before this test (show it with plt.show() in the plot cell)"
        return FigureEvidence({k: reason for k in keys}, None, reason)
    best, best_index, notes = None, None, []
    # whole-canvas images first (what the grading kernel shows), the latest first: usually the
    # figure's own; the costly search for a cropped placement only when none of them has its shape
    for cropped in (False, True):
        for n in reversed(range(len(images))):
            try:
                verdict = judge_image(entry, decode_png(images[n]), cropped=cropped)
            except Exception as exc:
                verdict = f"the image could not be read ({type(exc).__name__})"
            if isinstance(verdict, str):
                notes.append(verdict)
                continue
            if best is None or verdict.score > best.score:
                best, best_index = verdict, n
            if all(why is None for why in best.seen.values()):
                break                            # every line seen: no other image can do better
        if best is not None and best.score > 0:
            break
    if best is None:
        reason = "no image the notebook displayed before this test shows it (" + notes[-1] + ")"
        return FigureEvidence({k: reason for k in keys}, None, reason)
    unseen = {k: f"{_describe(entry, k)}: {why}" for k, why in best.seen.items() if why is not None}
    problem = "" if best.score else "no image the notebook displayed shows its lines"
    return FigureEvidence(unseen, best_index, problem)


UNSEEN_ATTR = "_autograder_unseen"


def mark_lines(lines: dict, evidence: FigureEvidence) -> None:
    """Tag rebuilt lines ((axes, line) -> Line2D) that no image shows with the reason (figures.read_figure reads it)."""
    for key, line in lines.items():
        reason = evidence.unseen.get(key)
        if reason:
            setattr(line, UNSEEN_ATTR, reason)


def unseen_reason(line) -> str:
    """Why a (rebuilt) line does not count as shown, or "" when it does or was never checked."""
    return str(getattr(line, UNSEEN_ATTR, "") or "")
