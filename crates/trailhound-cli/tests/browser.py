"""Render a self-contained HTML page in headless Chromium and describe it as JSON.

Test helper for trailhound's HTML output. The Rust integration tests run

    python3 browser.py PAGE.html --out SHOT.png [--reference REF.png]
                      [--width 1000] [--height 1400] [--timeout 60] [--chromium PATH]

and assert on the single JSON object printed on stdout:

    title           document.title
    pwned           JSON value of window.__pwned, null when undefined (tests inject
                    `<script>window.__pwned=1</script>` and `<img src=x onerror=...>`
                    into event fields and expect null)
    body_text       document.body.innerText (injected markup must show up literally)
    scroll_width,   document.documentElement.scrollWidth / clientWidth
    client_width    (scroll_width > client_width means horizontal overflow)
    console_errors  list of strings, one per console.error/warn/assert call
                    ("console.error: ..."), uncaught exception ("exception: ..."),
                    browser log entry of level error or warning ("log.error (security):
                    ..."; this is where Content-Security-Policy violations and failed
                    resource loads show up) and JavaScript dialog ("dialog: alert: ...")
    charts          one object per `figure.chart`, in document order:
                    {id, svg, shapes, texts, aria_label, caption, bbox: [x, y, w, h] of
                    the svg in page CSS pixels, ink: fraction 0..1 of the svg's pixels
                    that differ noticeably from its most common (background) colour}
    screenshot      the path written: a PNG of the viewport (width x height, the top of
                    the page)
    reference       only with --reference: {size_match, diff_fraction (pixels whose
                    largest channel difference exceeds 40, over the overlapping area),
                    size and reference_size when they differ}; {missing: true} if the
                    file does not exist; with TRAILHOUND_UPDATE_SCREENSHOTS=1 the new
                    screenshot is copied over the reference instead and this is
                    {updated: true}
    print_scroll_width, print_client_width
                    document.documentElement.scrollWidth / clientWidth with print media
                    emulated and the viewport as wide as the printable part of an A4
                    page with 12 mm margins (the pages' @page rule): 186 mm = 703 CSS
                    px; print_scroll_width > print_client_width means the printout is
                    cut off on the right
    print_overflowing
                    up to 10 descriptions ("table#id.class right=812px", in document
                    order) of the table, figure, svg, pre and img elements whose right
                    edge lies beyond print_client_width + 1 in that layout
    print_ok        true when Page.printToPDF (A4, backgrounds, CSS page size) worked
    print_pages     number of pages of that PDF (null if printing failed; then
                    print_error says why)
    browser         Chromium's product string, elapsed_s the wall time of the run

Any failure to drive the browser (missing binary, crash, timeout) exits 1 with the
reason (and the end of Chromium's own stderr) on stderr and nothing on stdout.

Only the standard library is used: Chromium is driven through the Chrome DevTools
Protocol over --remote-debugging-pipe (Chromium reads commands from fd 3 and writes
replies and events to fd 4, each message JSON terminated by a NUL byte), and PNGs are
decoded here (8-bit RGB/RGBA, non-interlaced: what Chromium writes).
Install the browser on Debian 12 with
    apt-get install -y --no-install-recommends chromium fonts-dejavu-core
"""

import argparse
import base64
import collections
import contextlib
import fcntl
import itertools
import json
import operator
import os
import pathlib
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

# A pixel "differs noticeably" when one of its channels differs by more than this
# (out of 255): above anti-aliasing and font-hinting jitter, below any real drawing.
NOTICEABLE = 40

# What a chart's svg counts as drawn shapes.
SHAPES = "rect,path,polyline,polygon,circle,line"

# The printable area of the pages' `@page { size: A4; margin: 12mm; }` in CSS pixels
# (96 per inch, 25.4 mm per inch): 186 mm x 273 mm = 703 x 1032 px. Laying the page
# out at that size under print media shows what a printout would cut off, which the
# PDF's page count alone cannot.
A4_MM = (210, 297)
PRINT_MARGIN_MM = 12
PRINT_WIDTH, PRINT_HEIGHT = (round((mm - 2 * PRINT_MARGIN_MM) / 25.4 * 96) for mm in A4_MM)

# The elements that cannot wrap and so are what overflows a printed page.
PRINT_CHECKED = "table,figure,svg,pre,img"
PRINT_OVERFLOWING_MAX = 10


class Failure(Exception):
    """The browser could not be driven (crash, protocol error, timeout): exit 1."""


class Timeout(Failure):
    pass


class CommandFailed(Failure):
    """Chromium answered a command with an error."""


# --------------------------------------------------------------------------- browser


class Deadline:
    """The one overall time budget (--timeout) that every wait draws from."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def expired(self, what):
        return Timeout(f"timed out after {self.seconds:g} s (--timeout) waiting for {what}")


class Chromium:
    """A Chromium process and the DevTools pipe to it."""

    def __init__(self, proc, to_browser, from_browser, log_path, deadline):
        self.proc = proc
        self.to_browser = to_browser
        self.from_browser = from_browser
        self.log_path = log_path
        self.deadline = deadline
        self.buffer = bytearray()
        self.next_id = 0
        self.replies = {}
        self.seen = collections.Counter()  # event name -> how many arrived so far
        self.on_event = lambda method, params, session: None

    # -- wire

    def send(self, method, params=None, session=None):
        """Write one command without waiting for its reply; returns its id."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.to_browser, data):]
        except (BrokenPipeError, OSError) as e:
            raise Failure(f"Chromium stopped reading commands ({e}){self.log_tail()}")
        return self.next_id

    def call(self, method, params=None, session=None):
        """Send a command and return its result, handling events meanwhile."""
        ident = self.send(method, params, session)
        while ident not in self.replies:
            self.receive(self.deadline.end, f"the reply to {method}")
        reply = self.replies.pop(ident)
        if "error" in reply:
            raise CommandFailed(f"{method} failed: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_event(self, method, after):
        """Wait until more than `after` events named `method` have arrived."""
        while self.seen[method] <= after:
            self.receive(self.deadline.end, method)

    def pump(self, seconds):
        """Handle whatever events arrive during the next `seconds`."""
        end = min(time.monotonic() + seconds, self.deadline.end)
        while time.monotonic() < end:
            self.receive(end, "events", quiet=True)

    def receive(self, end, what, quiet=False):
        """Read and dispatch the messages that arrive before time `end` (monotonic).

        Raises Timeout when nothing arrives in time (unless `quiet`), Failure on EOF:
        the pipe closes when Chromium exits, which is how a crash is noticed instead
        of waited on.
        """
        while b"\0" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0:
                if quiet:
                    return
                raise self.deadline.expired(what)
            # Short slices so a dead process is noticed even if a child still
            # holds the pipe open.
            ready, _, _ = select.select([self.from_browser], [], [], min(left, 0.5))
            if not ready:
                if self.proc.poll() is not None:
                    raise Failure(f"Chromium exited ({self.proc.returncode}) while "
                                  f"waiting for {what}{self.log_tail()}")
                continue
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise Failure(f"Chromium closed the DevTools pipe while waiting for "
                              f"{what}{self.log_tail()}")
            self.buffer += chunk
        while b"\0" in self.buffer:
            raw, _, rest = self.buffer.partition(b"\0")
            self.buffer = bytearray(rest)
            self.dispatch(json.loads(raw))

    def dispatch(self, message):
        if "id" in message:
            self.replies[message["id"]] = message
            return
        method = message.get("method")
        self.seen[method] += 1
        self.on_event(method, message.get("params", {}), message.get("sessionId"))

    def log_tail(self):
        """The end of Chromium's stderr, to explain a failure."""
        try:
            with open(self.log_path, errors="replace") as f:
                lines = f.read().strip().splitlines()[-8:]
        except OSError:
            return ""
        return "\nChromium's stderr ends with:\n  " + "\n  ".join(lines) if lines else ""


def fds_3_and_4(commands, replies):
    """A pre-exec hook putting the command pipe on fd 3 and the reply pipe on fd 4.

    The ends are first copied above 10 so that neither dup2 clobbers the other (the
    parent's ends may themselves be numbered 3 or 4). subprocess closes the copies
    (close-on-exec) and keeps 3 and 4, named in pass_fds.
    """
    def hook():
        read_end = fcntl.fcntl(commands, fcntl.F_DUPFD_CLOEXEC, 10)
        write_end = fcntl.fcntl(replies, fcntl.F_DUPFD_CLOEXEC, 10)
        os.dup2(read_end, 3)
        os.dup2(write_end, 4)
    return hook


@contextlib.contextmanager
def launch(binary, width, height, deadline):
    """Start Chromium with a fresh profile; always kill it and delete the profile."""
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise Failure(f"no Chromium at {binary}: apt-get install -y "
                      "--no-install-recommends chromium fonts-dejavu-core")
    scratch = tempfile.mkdtemp(prefix="trailhound-browser-")
    log_path = os.path.join(scratch, "stderr.log")
    commands_r, commands_w = os.pipe()
    replies_r, replies_w = os.pipe()
    argv = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        # The sandbox has no network: without these Chromium keeps trying to reach
        # Google services and fills its log (and sometimes the console) with noise.
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--mute-audio",
        # Containers often have a tiny /dev/shm; large screenshots then crash the
        # renderer. (Debian's wrapper means to add this but its check is broken.)
        "--disable-dev-shm-usage",
        "--remote-debugging-pipe",
        f"--user-data-dir={os.path.join(scratch, 'profile')}",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
        "about:blank",
    ]
    proc = None
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                pass_fds=(3, 4), preexec_fn=fds_3_and_4(commands_r, replies_w),
                # Its own process group, so the renderer, GPU and zygote
                # processes can be killed with it.
                start_new_session=True,
            )
        # Only Chromium may hold these ends: then its exit shows as EOF here.
        os.close(commands_r)
        os.close(replies_w)
        commands_r = replies_w = None
        browser = Chromium(proc, commands_w, replies_r, log_path, deadline)
        yield browser
        # Done: let Chromium shut down cleanly (it flushes and exits in well under
        # a second). On any error it is killed outright below instead.
        with contextlib.suppress(Failure):
            browser.send("Browser.close")
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=3)
    finally:
        for fd in (commands_r, commands_w, replies_r, replies_w):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if proc is not None:
            kill(proc)
        shutil.rmtree(scratch, ignore_errors=True)


def kill(proc):
    """Kill Chromium's whole process group (renderers, GPU process, zygotes)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


# ------------------------------------------------------------------------------ page


# console.* calls that count as errors (console.warn arrives as "warning").
ERROR_CALLS = ("error", "assert", "warning")


class Page:
    """One tab, attached with a flat session; collects what the page complains about."""

    def __init__(self, browser):
        self.browser = browser
        self.errors = []
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.on_event = self.on_event
        # Inspector only so that a renderer crash is reported (Inspector.targetCrashed)
        # instead of showing up as a timeout.
        for domain in ("Runtime", "Log", "Page", "Inspector"):
            self.call(f"{domain}.enable")

    def call(self, method, params=None):
        return self.browser.call(method, params, self.session)

    def on_event(self, method, params, session):
        if method == "Inspector.targetCrashed":
            raise Failure("the page's renderer crashed")
        if session != self.session:
            return
        if method == "Runtime.consoleAPICalled" and params["type"] in ERROR_CALLS:
            text = " ".join(describe(arg) for arg in params.get("args", []))
            self.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"exception: {text}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            entry = params["entry"]
            where = f" [{entry['url']}]" if entry.get("url") else ""
            self.errors.append(f"log.{entry['level']} ({entry['source']}): {entry['text']}{where}")
        elif method == "Page.javascriptDialogOpening":
            # An alert() would block the page (and this script) until answered; it is
            # also a sure sign that injected script ran.
            self.errors.append(f"dialog: {params['type']}: {params['message']}")
            self.browser.send("Page.handleJavaScriptDialog", {"accept": False}, self.session)

    def evaluate(self, expression):
        """The JSON value of a JavaScript expression (promises are awaited)."""
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True,
        })
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            reason = details.get("exception", {}).get("description") or details["text"]
            raise Failure(f"evaluating in the page failed: {reason}")
        return result["result"].get("value")

    def set_viewport(self, width, height):
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def set_media(self, media):
        """Emulate CSS media type `media` ("print"); "" goes back to the real one."""
        self.call("Emulation.setEmulatedMedia", {"media": media})

    def open(self, path, width, height):
        self.set_viewport(width, height)
        loads = self.browser.seen["Page.loadEventFired"]
        url = pathlib.Path(path).resolve().as_uri()  # percent-encodes spaces, '#'...
        navigation = self.call("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            raise Failure(f"cannot open {url}: {navigation['errorText']}")
        self.browser.wait_event("Page.loadEventFired", loads)
        # After onload: web fonts, then two frames so layout and paint have happened,
        # capped so a page that never settles still gets measured.
        self.evaluate("""Promise.race([
            new Promise(done => setTimeout(done, 3000)),
            document.fonts.ready.then(() => new Promise(done =>
                requestAnimationFrame(() => requestAnimationFrame(done)))),
        ]).then(() => document.readyState)""")
        # Late console messages (timers, rejected promises) still count.
        self.browser.pump(0.2)

    def screenshot(self, clip=None):
        """PNG bytes of the viewport, or of `clip` (page CSS pixels) wherever it is."""
        params = {"format": "png"}
        if clip:
            x, y, w, h = clip
            params["clip"] = {"x": x, "y": y, "width": w, "height": h, "scale": 1}
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def print_pdf(self):
        data = self.call("Page.printToPDF", {
            "paperWidth": 8.27, "paperHeight": 11.69,  # A4 in inches
            "printBackground": True, "preferCSSPageSize": True,
        })["data"]
        return base64.b64decode(data)


def describe(remote_object):
    """A console argument as text, the way DevTools would show it."""
    if "value" in remote_object:
        value = remote_object["value"]
        return value if isinstance(value, str) else json.dumps(value)
    return remote_object.get("unserializableValue") or remote_object.get("description") \
        or remote_object.get("type", "?")


# Everything measured from the DOM in one evaluation. Runtime.evaluate is exempt from
# the page's Content-Security-Policy, so this works on pages that forbid script.
DOM_FACTS = """(() => {
    const text = el => el ? el.textContent.replace(/\\s+/g, ' ').trim() : null;
    let pwned = window.__pwned;
    try { pwned = pwned === undefined ? null : JSON.parse(JSON.stringify(pwned)); }
    catch (e) { pwned = String(pwned); }
    const root = document.documentElement;
    return {
        title: document.title,
        pwned,
        body_text: document.body ? document.body.innerText : '',
        scroll_width: root.scrollWidth,
        client_width: root.clientWidth,
        charts: Array.from(document.querySelectorAll('figure.chart'), figure => {
            const svg = figure.querySelector('svg');
            const box = svg && svg.getBoundingClientRect();
            return {
                id: figure.id || null,
                svg: !!svg,
                shapes: svg ? svg.querySelectorAll('SHAPES').length : 0,
                texts: svg ? svg.querySelectorAll('text').length : 0,
                aria_label: (svg && svg.getAttribute('aria-label'))
                    || figure.getAttribute('aria-label'),
                caption: text(figure.querySelector('figcaption')),
                bbox: box && [box.x + scrollX, box.y + scrollY, box.width, box.height],
            };
        }),
    };
})()""".replace("SHAPES", SHAPES)


# The layout under print media, measured once it has had two frames to settle (capped
# like the wait after loading, so a page that never settles still gets measured).
PRINT_FACTS = """Promise.race([
    new Promise(done => setTimeout(done, 1000)),
    new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))),
]).then(() => {
    const root = document.documentElement;
    const limit = root.clientWidth + 1;
    // classList, not className: an svg's className is an object, not a string.
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + Array.from(el.classList, c => '.' + c).join('');
    const overflowing = [];
    for (const el of document.querySelectorAll('PRINT_CHECKED')) {
        const right = el.getBoundingClientRect().right;
        if (right > limit) overflowing.push(`${name(el)} right=${Math.round(right)}px`);
        if (overflowing.length >= PRINT_OVERFLOWING_MAX) break;
    }
    return {
        print_scroll_width: root.scrollWidth,
        print_client_width: root.clientWidth,
        print_overflowing: overflowing,
    };
})""".replace("PRINT_CHECKED", PRINT_CHECKED) \
    .replace("PRINT_OVERFLOWING_MAX", str(PRINT_OVERFLOWING_MAX))


def print_layout(page, width, height):
    """PRINT_FACTS measured under print media at the printable A4 width.

    Puts screen media and the `width` x `height` viewport back afterwards, so what
    comes later (printToPDF) sees the page exactly as before. If a step fails the
    whole run fails, so there is nothing to restore then.
    """
    page.set_media("print")
    page.set_viewport(PRINT_WIDTH, PRINT_HEIGHT)
    facts = page.evaluate(PRINT_FACTS)
    page.set_media("")
    page.set_viewport(width, height)
    return facts


# ------------------------------------------------------------------------------- PNG


def decode_png(data):
    """(width, height, channels, rows) of an 8-bit RGB or RGBA non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length  # length, type, body, CRC
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, "
                         f"interlace {interlace})")
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    rows, previous = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = unfilter(raw[start], raw[start + 1:start + 1 + stride], previous, channels)
        rows.append(line)
        previous = line
    return width, height, channels, rows


def unfilter(kind, line, previous, bpp):
    """Undo one row's PNG filter. None, Sub and Up (what Chromium mostly writes) avoid
    per-byte Python loops; Average and Paeth are inherently sequential."""
    if kind == 0:
        return bytes(line)
    if kind == 1:  # Sub: a running sum per channel
        out = bytearray(line)
        for c in range(bpp):
            out[c::bpp] = bytes(map((255).__and__, itertools.accumulate(line[c::bpp])))
        return bytes(out)
    if kind == 2:  # Up: bytewise addition without carries, on one big integer
        n = len(line)
        a, b = int.from_bytes(line, "big"), int.from_bytes(previous, "big")
        low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
        return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(n, "big")
    if kind not in (3, 4):
        raise ValueError(f"bad PNG filter type {kind}")
    out = bytearray(line)
    # The first pixel has no left neighbour: both filters then predict from above.
    for i in range(bpp):
        out[i] = (out[i] + (previous[i] >> 1 if kind == 3 else previous[i])) & 255
    if kind == 3:  # Average of left and above
        for i in range(bpp, len(out)):
            out[i] = (out[i] + ((out[i - bpp] + previous[i]) >> 1)) & 255
    else:  # Paeth: whichever of left, above, upper-left is nearest left + above - upper-left
        for i in range(bpp, len(out)):
            a, b, c = out[i - bpp], previous[i], previous[i - bpp]
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - c - c)
            out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return bytes(out)


def pixels(row, channels):
    """The pixels of one row as tuples (zip over channel slices runs in C)."""
    return zip(*(row[c::channels] for c in range(channels)))


def differs(p, q):
    return max(abs(x - y) for x, y in zip(p, q)) > NOTICEABLE


# FAR[d] is 1 when a channel difference d in -255..255 is noticeable (a negative d
# indexes from the end of the list), so whole rows can be compared with map().
FAR = [int(abs(d) > NOTICEABLE) for d in [*range(256), *range(-255, 0)]]


def different_pixels(a, a_channels, b, b_channels):
    """How many pixels of two rows differ noticeably in red, green or blue."""
    flags = [map(FAR.__getitem__, map(operator.sub, a[c::a_channels], b[c::b_channels]))
             for c in range(3)]
    return sum(map(max, *flags))  # map stops at the narrower row


def ink(png):
    """Fraction of pixels that differ noticeably from the most common colour."""
    width, height, channels, rows = decode_png(png)
    colours = collections.Counter()
    for row in rows:
        colours.update(pixels(row, channels))
    total = width * height
    if not total:
        return 0.0
    background, _ = colours.most_common(1)[0]
    drawn = sum(n for colour, n in colours.items() if differs(colour, background))
    return drawn / total


def compare(png, reference_png):
    """How much two screenshots differ, over the area they share."""
    w1, h1, c1, rows1 = decode_png(png)
    w2, h2, c2, rows2 = decode_png(reference_png)
    width, height = min(w1, w2), min(h1, h2)
    different = 0
    for a, b in zip(rows1[:height], rows2[:height]):
        if c1 == c2 and w1 == w2 and a == b:
            continue  # the usual case, decided without looking at pixels
        different += different_pixels(a, c1, b, c2)
    report = {
        "size_match": (w1, h1) == (w2, h2),
        "diff_fraction": different / (width * height) if width * height else 1.0,
    }
    if not report["size_match"]:
        report["size"], report["reference_size"] = [w1, h1], [w2, h2]
    return report


# ------------------------------------------------------------------------------- PDF


def pdf_pages(pdf):
    """Page count of a PDF as Chromium (Skia) writes it: uncompressed object dicts."""
    # The root /Pages node carries the total; nested /Pages nodes carry less.
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    if counts:
        return max(counts)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


# ------------------------------------------------------------------------------ main


def reference_report(shot, path):
    if os.environ.get("TRAILHOUND_UPDATE_SCREENSHOTS") == "1":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(shot)
        return {"updated": True}
    if not os.path.exists(path):
        return {"missing": True, "path": path}
    with open(path, "rb") as f:
        reference = f.read()
    try:
        return compare(shot, reference)
    except ValueError as e:
        raise Failure(f"reference {path}: {e}")


def inspect(args, deadline):
    with launch(args.chromium, args.width, args.height, deadline) as browser:
        product = browser.call("Browser.getVersion")["product"]
        page = Page(browser)
        page.open(args.page, args.width, args.height)
        facts = page.evaluate(DOM_FACTS)

        # The viewport screenshot first, before clip captures or printing could
        # disturb the layout.
        shot = page.screenshot()
        with open(args.out, "wb") as f:
            f.write(shot)

        for chart in facts["charts"]:
            box = chart["bbox"]
            if box is None:
                chart["ink"] = None
            elif box[2] < 1 or box[3] < 1:
                chart["ink"] = 0.0
            else:
                chart["ink"] = round(ink(page.screenshot(box)), 4)

        # After every screenshot, so none of them is taken in the print layout.
        facts.update(print_layout(page, args.width, args.height))

        try:
            facts["print_pages"] = pdf_pages(page.print_pdf())
            facts["print_ok"] = True
        except CommandFailed as e:
            facts.update(print_pages=None, print_ok=False, print_error=str(e))

        browser.pump(0.05)  # anything logged while capturing
        facts["console_errors"] = page.errors

    facts["screenshot"] = os.path.abspath(args.out)
    if args.reference:
        reference = reference_report(shot, args.reference)
        if "diff_fraction" in reference:
            reference["diff_fraction"] = round(reference["diff_fraction"], 6)
        facts["reference"] = reference
    facts["browser"] = product
    return facts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", help="the HTML file to load")
    parser.add_argument("--out", required=True, help="where to write the PNG screenshot")
    parser.add_argument("--reference", help="PNG to compare the screenshot with")
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--height", type=int, default=1400)
    parser.add_argument("--timeout", type=float, default=60, help="seconds for everything")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not os.path.isfile(args.page):
        parser.error(f"no such file: {args.page}")

    started = time.monotonic()
    deadline = Deadline(args.timeout)

    # Backstop for time spent outside the waits (e.g. decoding PNGs): raising from
    # the handler still unwinds through launch(), which kills Chromium.
    def out_of_time(signum, frame):
        raise Timeout(f"timed out after {args.timeout:g} s")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, args.timeout + 5)
    # Killed by the test harness: still clean up Chromium and the profile.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))

    try:
        facts = inspect(args, deadline)
    except (Failure, OSError, ValueError) as e:  # ValueError: an undecodable PNG
        print(f"browser.py: {e}", file=sys.stderr)
        return 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    facts["elapsed_s"] = round(time.monotonic() - started, 2)
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
